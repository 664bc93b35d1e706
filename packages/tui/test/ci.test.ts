/**
 * `rbm-lab ui` in a real terminal with CI set: Ink would draw nothing until
 * exit, so the dashboard unsets the variable for itself and says so. Run in a
 * pseudo-terminal made by util-linux `script`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inkCiVariables } from '../src/ci.js';
import { writeFixture } from './fixture.js';

const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('rbm-lab ui with CI set', () => {
  it('knows which values make Ink silent', () => {
    expect(inkCiVariables({ CI: '' })).toEqual(['CI']);
    expect(inkCiVariables({ CI: 'true', CONTINUOUS_INTEGRATION: '1' })).toEqual(['CI', 'CONTINUOUS_INTEGRATION']);
    expect(inkCiVariables({ CI: 'false', CONTINUOUS_INTEGRATION: '0' })).toEqual([]);
    expect(inkCiVariables({})).toEqual([]);
  });

  it.skipIf(!HAS_SCRIPT)('draws the dashboard in a terminal while it runs, and notes the variable', async () => {
    const fixture = await writeFixture();
    dirs.push(fixture.dir, mkdtempSync(join(tmpdir(), 'rbm-ci-')));
    const command = `env CI= COLUMNS=120 LINES=30 node packages/tui/bin/rbm-lab.js ui --db ${fixture.dbPath}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The frame must appear while the dashboard runs, not only when it exits.
    const deadline = Date.now() + 60_000;
    while (!output.includes('Sweeps (3)') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const drawnWhileRunning = output.includes('Sweeps (3)');
    child.stdin.write('q');
    const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    if (code === null) child.kill('SIGKILL');
    expect(drawnWhileRunning).toBe(true);
    expect(output).toContain('rbm-lab ui: CI is set, and with it Ink draws nothing until exit');
    expect(code).toBe(0);
  });
});
