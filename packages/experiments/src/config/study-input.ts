/** What `sweep`, `submit` and `--dry-run` read and check before they write anything. */
import type { ModelSpec } from '@rbm-lab/core';
import { UserError } from '@rbm-lab/datasets';
import { findProjectRoot } from '../store/paths.js';
import { expandGrid } from './grid.js';
import { databaseFileNames, findStudyFile } from './invocation.js';
import { loadStudy } from './load-study.js';
import { memoryRefusal } from './memory-estimate.js';
import { checkStudyData } from './study-data.js';
import type { RunPlan, Study } from './types.js';

export interface StudyInput {
  study: Study;
  plans: RunPlan[];
  /** The study file and its overrides as given, as the sweep records it: `configs/hidden.yaml --set train.epochs=20`. */
  source: string;
}

/** How a `--set` argument is shown in a shell line: quoted when it holds more than path=word. */
function shellWord(argument: string): string {
  return /^[\w.=-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

/**
 * Reads the study a command names (relative to the user's directory, else
 * to the project root), applies its `--set` overrides, validates it (its name
 * may not be one of the database's own files when artifacts go beside it) and
 * expands its grid. Writes nothing.
 */
export function readStudyInput(
  path: string,
  specs: readonly ModelSpec[],
  cwd: string,
  options: { overrides?: readonly string[]; databaseBesideArtifacts?: string } = {},
): StudyInput {
  const overrides = options.overrides ?? [];
  const file = findStudyFile(path, cwd, findProjectRoot(cwd));
  const reservedNames =
    options.databaseBesideArtifacts === undefined ? [] : databaseFileNames(options.databaseBesideArtifacts);
  const { study } = loadStudy(file, specs, cwd, { overrides, reservedNames });
  const source = [path, ...overrides.map((o) => `--set ${shellWord(o)}`)].join(' ');
  return { study, plans: expandGrid(study, specs), source };
}

/** A study whose runs cannot fit in this machine's memory. */
export class StudyMemoryError extends UserError {}

/**
 * The checks before runs are enqueued: every run fits in the free memory
 * shared by `jobs` runs at a time, and the data of every distinct dataset
 * section loads (once each). Throws a UserError naming what does not.
 */
export async function checkStudyResources(
  plans: readonly RunPlan[],
  memory: { freeBytes: number; jobs: number },
): Promise<void> {
  const refusal = memoryRefusal(plans, memory.freeBytes, memory.jobs);
  if (refusal !== undefined) throw new StudyMemoryError(refusal);
  await checkStudyData(plans);
}
