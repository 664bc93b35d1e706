/** Where a command was run from, and which study file a relative path means. */
import { existsSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';

/** The Nx targets of this package that run the CLI from the workspace root (project.json). */
const CLI_TARGETS = ['sweep', 'cli', 'report'];

/**
 * The directory the user ran the command in. `npx nx run experiments:sweep`
 * runs the CLI in the workspace root; npm's INIT_CWD keeps the user's
 * directory, and Nx names the task it runs, so under one of this package's
 * CLI targets relative paths are resolved against INIT_CWD. Anywhere else
 * (a shell, a test, another task) the working directory is the user's.
 */
export function invocationDirectory(env: NodeJS.ProcessEnv, cwd: string): string {
  const underCliTarget =
    env.NX_TASK_TARGET_PROJECT === 'experiments' && CLI_TARGETS.includes(env.NX_TASK_TARGET_TARGET ?? '');
  return underCliTarget && env.INIT_CWD ? resolve(env.INIT_CWD) : cwd;
}

/**
 * The study file a path given on the command line means: relative to the
 * user's directory, else relative to the project root (so that
 * `configs/hidden.yaml` works from a package directory too). A path found in
 * neither stays relative to the user's directory, whose error names it.
 */
export function findStudyFile(path: string, cwd: string, projectRoot: string): string {
  if (isAbsolute(path)) return path;
  const own = resolve(cwd, path);
  if (existsSync(own)) return own;
  const fromRoot = resolve(projectRoot, path);
  return existsSync(fromRoot) ? fromRoot : own;
}

/**
 * Names a study may not take because its artifact folder would sit on one of
 * the database's own files, when artifacts go beside the database: the file
 * and SQLite's journal, WAL and shared-memory files.
 */
export function databaseFileNames(dbPath: string): string[] {
  const name = basename(dbPath);
  return [name, `${name}-journal`, `${name}-wal`, `${name}-shm`];
}
