import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../src/index.js';

const root = findProjectRoot();
const tmp = mkdtempSync(path.join(tmpdir(), 'rbm-preview-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the preview command the way the Nx target does. */
function preview(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--conditions=@rbm-lab/source', '--import', 'tsx', 'packages/datasets/src/preview.ts', ...args],
    { cwd: root, encoding: 'utf8', env: { ...process.env, RBM_LAB_DATA_DIR: '' } },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('preview command', () => {
  it('writes a PNG grid (one row per character) and prints the images', () => {
    const out = path.join(tmp, 'ab3.png');
    const result = preview(['--dataset', 'alphadigits', '--chars', 'A,B,3', '--out', out, '--scale', '1']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`117 images of 20x16 (classes: 3 A B); PNG: ${out}`);
    expect(result.stdout).toMatch(/[▀▄█]/);
    const png = PNG.sync.read(readFileSync(out));
    expect([png.width, png.height]).toEqual([39 * 16 + 40 * 2, 3 * 20 + 4 * 2]);
  });

  it('previews MNIST digits', () => {
    const out = path.join(tmp, 'mnist.png');
    const result = preview(['--dataset', 'mnist', '--digits', '0,1', '--limit', '20', '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('20 images of 28x28 (classes: 0 1)');
  });

  it('reports a user error as "error: ..." with exit code 2 and no stack trace', () => {
    const result = preview(['--dataset', 'alphadigits', '--chars', 'A,?']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "error: unknown character \"?\": expected a symbol '0'-'9' or 'A'-'Z' (any case) or an index 0-35\n",
    );
    const missing = preview(['--data', path.join(tmp, 'missing.mat')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error: .*missing\.mat: does not exist/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
