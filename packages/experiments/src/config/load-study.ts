import type { ModelSpec } from '@rbm-lab/core';
import { isPlainObject } from '@rbm-lab/datasets';
import { ajvIssues } from './ajv-issues.js';
import { applyOverrides, mergeChain, readChain } from './compose.js';
import { type ConfigIssue, StudyConfigError } from './errors.js';
import { applyCombination, type AxisChoice, gridSize, sweepCombinations } from './grid.js';
import { MAX_GRID_RUNS } from './limits.js';
import { formatGridSize } from './grid-summary.js';
import { issueAt } from './locate.js';
import { parseOverrides } from './overrides.js';
import { datasetIssues, metricIssues, nameIssues, sweepIssues } from './study-checks.js';
import { studyValidator } from './study-schema.js';
import type { Study } from './types.js';
import type { YamlSource } from './yaml-source.js';

export { deepMerge } from './compose.js';

/** At most this many problems are listed: the same mistake repeated over a large grid says enough. */
const MAX_ISSUES = 50;

export interface LoadStudyOptions {
  /** `path=value` overrides (the command line's `--set`), applied in order after `extends`. */
  overrides?: readonly string[];
  /** Names the study may not take: the database's own files, which sit beside the artifact folders. */
  reservedNames?: readonly string[];
}

export interface LoadedStudy {
  study: Study;
  /** The study file as given, then its bases (most derived first). */
  files: string[];
  /** The `--set` overrides applied, as given. */
  overrides: string[];
}

/** Whether every axis of sweep.grid and sweep.zip is a list (else the schema reports it and nothing is expanded). */
function sweepShapeValid(sweep: unknown): sweep is Record<string, unknown> {
  return (
    isPlainObject(sweep) &&
    [sweep.grid, sweep.zip].every(
      (axes) => axes === undefined || (isPlainObject(axes) && Object.values(axes).every(Array.isArray)),
    )
  );
}

/** The grid's points (without seeds), or a located error when it has too many runs to expand. */
function combinationsOf(
  merged: Record<string, unknown>,
  sources: readonly YamlSource[],
): { combos: AxisChoice[][]; issues: ConfigIssue[] } {
  // The size is computed from the list lengths first: nine 10-value axes must not be expanded to be counted.
  const size = gridSize(merged);
  if (size.runs > MAX_GRID_RUNS) {
    const message = `the grid has ${formatGridSize(size)}; at most ${MAX_GRID_RUNS} are allowed`;
    return { combos: [[]], issues: [issueAt(sources, { path: ['sweep'], at: 'key' }, message)] };
  }
  const sweep = merged.sweep;
  if (!sweepShapeValid(sweep)) return { combos: [[]], issues: [] };
  // Empty axes are reported by the schema; the other axes' values still get checked.
  const nonEmpty = (axes: unknown) =>
    isPlainObject(axes)
      ? Object.fromEntries(Object.entries(axes).filter(([, v]) => (v as unknown[]).length > 0))
      : undefined;
  const study = { sweep: { grid: nonEmpty(sweep.grid), zip: nonEmpty(sweep.zip) } } as Study;
  return { combos: sweepCombinations(study), issues: [] };
}

/** Every grid point against the schema composed from the model specs, and the checks per point. */
function gridPointIssues(
  merged: Record<string, unknown>,
  sources: readonly YamlSource[],
  specs: readonly ModelSpec[],
): ConfigIssue[] {
  const validate = studyValidator(specs);
  const { combos, issues } = combinationsOf(merged, sources);
  for (const combo of combos) {
    const point = applyCombination(merged, combo);
    // A copy: the validator fills in defaults, and the study returned must hold only what its files set.
    if (!validate(structuredClone(point))) issues.push(...ajvIssues(validate.errors ?? [], sources, combo));
    issues.push(...datasetIssues(point, sources, combo), ...metricIssues(point, sources, combo));
    if (issues.length > MAX_ISSUES) break;
  }
  return issues;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.file}:${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Reads a study file (and its `extends` chain), applies `--set` overrides,
 * validates every grid point against the schema composed from the model
 * specs, and returns the merged study, or throws StudyConfigError listing
 * every problem with its position (file:line:column, or the `--set` argument).
 */
export function loadStudy(
  path: string,
  specs: readonly ModelSpec[],
  cwd: string = process.cwd(),
  options: LoadStudyOptions = {},
): LoadedStudy {
  const chain = readChain(path, cwd);
  const overrides = parseOverrides(options.overrides ?? []);
  if (chain.issues.length > 0 || overrides.issues.length > 0) {
    throw new StudyConfigError([...chain.issues, ...overrides.issues]);
  }
  const composed = mergeChain(chain.sources);
  const { merged, issues: overrideIssues } = applyOverrides(composed.merged, overrides.sources);
  // Most derived first: the last override, then the study file, then its bases.
  const sources = [...[...overrides.sources].reverse(), ...chain.sources];
  const found = [
    ...composed.issues,
    ...overrideIssues,
    ...sweepIssues(merged, sources),
    ...nameIssues(merged, sources, options.reservedNames ?? []),
    ...gridPointIssues(merged, sources, specs),
  ];
  const unique = dedupe(found);
  if (unique.length > 0) {
    // In the order they apply: the bases, the study file, the overrides as given; by position within each.
    const order = [...[...chain.sources].reverse(), ...overrides.sources].map((source) => source.file);
    const rank = (issue: ConfigIssue) => order.indexOf(issue.file);
    unique.sort((a, b) => rank(a) - rank(b) || a.line - b.line || a.column - b.column);
    throw new StudyConfigError(unique);
  }
  return {
    study: merged as unknown as Study,
    files: chain.sources.map((s) => s.file),
    overrides: [...(options.overrides ?? [])],
  };
}
