/**
 * Checks on the paths a command is given (database, artifact root, --out),
 * made before anything is opened or written, so a bad path gets a named error
 * instead of a stack trace or a hang (Node's recursive mkdir loops forever on
 * /proc, so folders are created one level at a time).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '@rbm-lab/datasets';

/** A path given on the command line cannot be used. */
export class OutputPathError extends UserError {}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return 'not-a-directory' as const;
    throw new OutputPathError(`${path}: cannot be read (${code ?? (error as Error).message})`);
  }
}

/** The nearest existing ancestor of `path` (itself included), which must be a folder. */
function nearestExistingFolder(path: string, what: string): string {
  let current = resolve(path);
  for (;;) {
    const stat = statOrUndefined(current);
    if (stat === 'not-a-directory') {
      current = dirname(current);
      continue;
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new OutputPathError(`${what} ${path}: ${current} is a file, not a folder`);
      return current;
    }
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

/** Creates `folder` and its missing parents, one level at a time; a named error when that is impossible. */
export function ensureFolder(folder: string, what: string): string {
  const absolute = resolve(folder);
  const existing = nearestExistingFolder(absolute, what);
  const missing: string[] = [];
  for (let current = absolute; current !== existing; current = dirname(current)) missing.unshift(current);
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statOrUndefined(level) !== undefined) continue;
      throw new OutputPathError(
        `${what} ${folder}: cannot create folder ${level} (${code ?? (error as Error).message})`,
      );
    }
  }
  return absolute;
}

/**
 * Checks that `file` can be written as a file: not a folder, and its folder
 * exists (created with `createFolder`) or the error names what is wrong.
 */
export function checkOutputFile(file: string, what: string, options: { createFolder: boolean }): string {
  const absolute = resolve(file);
  const stat = statOrUndefined(absolute);
  if (stat !== undefined && stat !== 'not-a-directory' && stat.isDirectory()) {
    throw new OutputPathError(`${what} ${file}: is a folder; give a file name`);
  }
  const folder = dirname(absolute);
  if (options.createFolder) {
    ensureFolder(folder, what);
  } else {
    const parent = statOrUndefined(folder);
    if (parent === undefined) throw new OutputPathError(`${what} ${file}: folder ${folder} does not exist`);
    if (parent === 'not-a-directory' || !parent.isDirectory()) {
      nearestExistingFolder(folder, what); // throws naming the file in the way
      throw new OutputPathError(`${what} ${file}: ${folder} is not a folder`);
    }
  }
  return absolute;
}
