/** The limits of a study, in one place: the schema's descriptions, the checks and the README state them. */

/** Above this many runs (grid points times seeds) a study is almost certainly a mistake (and would take days here). */
export const MAX_GRID_RUNS = 5000;

/** A study file larger than this is refused before parsing (a 10 MB file takes 17 s and 1.7 GB to parse). */
export const MAX_STUDY_FILE_BYTES = 1_000_000;

/**
 * At most this many values may come out of YAML aliases (`*name`): the
 * yaml package's guard against exponential expansion ("billion laughs").
 */
export const MAX_ALIAS_COUNT = 1000;
