// The `rbm-lab` bin, run as a user runs it, follows the README's exit-code table:
// 0 every run finished, 1 some run failed, 2 user error (nothing written), 130 interrupted.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/rbm-lab.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rbm-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const study = (name: string, epochs: number) => {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
dataset: { name: alphadigits, characters: [A, B], validation_fraction: 0.2 }
model: { type: rbm, hidden_units: 6 }
train: { epochs: ${epochs}, batch_size: 10 }
eval: { metrics: [recon_error], n_samples: 4, gibbs_steps: 5, quality: false }
`,
  );
  return path;
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` (the bin by default), optionally sending SIGINT once `interruptWhen` sees the output. */
function run(args: string[], options: { env?: NodeJS.ProcessEnv; command?: string; interruptWhen?: RegExp } = {}) {
  const [command, prefix] = options.command === undefined ? [process.execPath, [BIN]] : [options.command, []];
  const child = spawn(command, [...prefix, ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  const watch = () => {
    if (options.interruptWhen !== undefined && !interrupted && options.interruptWhen.test(stdout + stderr)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    watch();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    watch();
  });
  return new Promise<Ran>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('rbm-lab exit codes', () => {
  it('0: help, and a sweep whose runs all finish', async () => {
    expect((await run(['--help'])).code).toBe(0);
    const db = join(dir, 'ok.db');
    const ok = await run(['sweep', study('ok', 2), '--db', db]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/1 finished, 0 failed/);
  });

  it('2: a user error, with its message and no stack trace, and nothing written', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\ndataset: {name: alphadigits}\nmodel: {type: rbm, hidden_units: abc}\n');
    const db = join(dir, 'bad.db');
    const result = await run(['sweep', bad, '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml:3:34: model\.hidden_units: expected an integer, got string "abc"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(db)).toBe(false);
    expect((await run([])).code).toBe(2);
    expect((await run(['nope'])).code).toBe(2);
    expect((await run(['show', 'abc', '--db', db])).code).toBe(2);
    // Through npx, as the README shows it: npm passes the code on.
    expect((await run(['rbm-lab', 'nope'], { command: 'npx' })).code).toBe(2);
  });

  it('1: a run fails', async () => {
    // An unknown compute path fails each run in its worker process.
    const result = await run(['sweep', study('fails', 2), '--db', join(dir, 'fails.db')], {
      env: { RBM_LAB_BACKEND: 'nope' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/0 finished, 1 failed/);
  });

  it('130: interrupted with SIGINT', async () => {
    const result = await run(['sweep', study('long', 100000), '--db', join(dir, 'long.db')], {
      interruptWhen: /^start /m,
    });
    expect(result.code).toBe(130);
  });
});
