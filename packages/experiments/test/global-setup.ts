/**
 * Vitest global setup: a PostgreSQL server for the tests that need one. CI
 * (.ci/run) starts one and passes RBM_LAB_TEST_POSTGRES_URL; otherwise this
 * starts a throwaway server and stops it afterwards. Where none can start the
 * PostgreSQL tests are skipped, unless RBM_LAB_REQUIRE_POSTGRES=1 makes that
 * an error.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

const SCRIPT = fileURLToPath(new URL('../../../scripts/test-postgres.mjs', import.meta.url));

export default function setup(project: TestProject) {
  const given = process.env.RBM_LAB_TEST_POSTGRES_URL;
  if (given !== undefined && given !== '') {
    project.provide('postgresUrl', given);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rbm-pg-'));
  try {
    const url = execFileSync(process.execPath, [SCRIPT, 'start', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim();
    project.provide('postgresUrl', url);
  } catch (error) {
    const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    if (process.env.RBM_LAB_REQUIRE_POSTGRES === '1')
      throw new Error(`PostgreSQL is required but cannot start: ${reason}`);
    process.stderr.write(`PostgreSQL tests will be skipped: ${reason}\n`);
    project.provide('postgresUrl', '');
    return;
  }
  return () => {
    execFileSync(process.execPath, [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  };
}
