import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findUp(start: string, marker: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, marker))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The RBM Lab project root: the nearest directory holding nx.json, looking up from
 * the working directory first (so a command run anywhere in a checkout uses that
 * checkout), then from this module's own location; the working directory otherwise.
 */
export function findProjectRoot(): string {
  return (
    findUp(process.cwd(), 'nx.json') ?? findUp(path.dirname(fileURLToPath(import.meta.url)), 'nx.json') ?? process.cwd()
  );
}

/** The cache folder: RBM_LAB_CACHE_DIR when set, else `<project root>/.cache`. */
export function cacheDir(projectRoot: string = findProjectRoot()): string {
  const fromEnv = process.env.RBM_LAB_CACHE_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.join(projectRoot, '.cache');
}

/** `../shared/data` beside the project root (shared reference data, never copied into the project). */
export function sharedDataDir(projectRoot: string = findProjectRoot()): string {
  return path.resolve(projectRoot, '..', 'shared', 'data');
}
