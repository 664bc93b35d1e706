import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openRunStoreReader, RunStoreError, runCli, type RunRecord, type RunStoreReader } from '../src/index.js';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const CLI_SOURCE = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** A tiny study: 2 characters, a few hidden units, 2 epochs, cheap metrics. */
export function tinyStudy(name: string, grid: string, extra = ''): string {
  return `name: ${name}
dataset:
  name: alphadigits
  characters: [A, B]
  validation_fraction: 0.2
model:
  type: rbm
  hidden_units: 8
train:
  epochs: 2
  batch_size: 10
  learning_rate: 0.1
eval:
  metrics: [recon_error]
  n_samples: 4
  gibbs_steps: 5
  quality: false
sweep:
${grid}
${extra}`;
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the rbm-lab CLI from source in its own process (as `npx nx run experiments:cli` does); `detached` puts it
 * in its own process group, so a test can signal it together with its run processes.
 */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, options: { detached?: boolean } = {}): Spawned {
  const child = spawn(process.execPath, ['--conditions=@rbm-lab/source', '--import', 'tsx', CLI_SOURCE, ...args], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached === true,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/** Runs the CLI in this process, capturing its output. */
export async function cliInProcess(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await runCli(args, { io: { stdout, stderr, cwd, env: {} } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The runs of the latest sweep named `sweepName` (empty when the database or
 * the sweep does not exist yet). A SQLite file the sweep has created but not
 * yet migrated to the current schema (a few milliseconds, longer on a loaded
 * machine) counts as not existing yet.
 */
export async function readRuns(location: string, sweepName: string): Promise<RunRecord[]> {
  if (!location.startsWith('postgres') && !existsSync(location)) return [];
  let store: RunStoreReader;
  try {
    store = await openRunStoreReader(location);
  } catch (error) {
    if (error instanceof RunStoreError && /\(no schema\)|is older than/.test(error.message)) return [];
    throw error;
  }
  try {
    const sweep = await store.getSweep(sweepName);
    return sweep === undefined ? [] : await store.listRuns(sweep.id);
  } finally {
    await store.close();
  }
}
