import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DB_ENV_VAR = 'RBM_LAB_DB';
export const DEFAULT_DB_RELATIVE = join('runs', 'rbm-lab.db');

function findUp(start: string, marker: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, marker))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The RBM Lab checkout: the nearest ancestor of the working directory holding
 * nx.json, else the checkout this module lives in, else the working directory.
 */
export function findProjectRoot(cwd: string = process.cwd()): string {
  return findUp(cwd, 'nx.json') ?? findUp(dirname(fileURLToPath(import.meta.url)), 'nx.json') ?? resolve(cwd);
}

/**
 * The run database: --db flag, then RBM_LAB_DB, then <project root>/runs/rbm-lab.db.
 * A postgres:// URL is returned as it is; anything else is a SQLite file path, made absolute.
 */
export function resolveDbPath(
  flag?: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const given = flag !== undefined && flag !== '' ? flag : env[DB_ENV_VAR];
  if (given !== undefined && given !== '') return /^postgres(ql)?:\/\//i.test(given) ? given : resolve(cwd, given);
  return join(findProjectRoot(cwd), DEFAULT_DB_RELATIVE);
}
