import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { WorkerMessage } from '../src/runner/messages.js';
import { startRunProcess } from '../src/runner/run-process.js';

const SCRIPTED = fileURLToPath(new URL('./fixtures/scripted-worker.mjs', import.meta.url));

function start(script: string, timeoutSeconds?: number) {
  const messages: WorkerMessage[] = [];
  const job = { runId: script, config: {} as never, artifactDir: '/nonexistent', cacheDir: '/nonexistent' };
  const run = startRunProcess(job, {
    env: process.env,
    timeoutSeconds,
    module: SCRIPTED,
    execArgv: [],
    onMessage: (m) => messages.push(m),
  });
  return { run, messages };
}

describe('the worker handle: one process per run, one promise per run', () => {
  it('forwards progress and resolves with the result', async () => {
    const { run, messages } = start('finish');
    expect(await run.ended).toEqual({ kind: 'done', metrics: { loss: 0.25 }, artifacts: [], cost: { training: 0.1 } });
    expect(messages.map((m) => (m.type === 'epoch' ? m.epoch : m.type))).toEqual([1, 2]);
  });

  it('reports a failure the worker describes, and a crash with the end of its stderr', async () => {
    expect(await start('fail').run.ended).toEqual({ kind: 'failed', error: 'bad parameter' });
    const crash = await start('crash').run.ended;
    expect(crash).toMatchObject({ kind: 'crashed', exitCode: 3, bySignal: null });
    expect(crash.kind === 'crashed' && crash.error).toMatch(/exit code 3.*\n.*out of memory, say/s);
  });

  it('kills a run past its timeout, and a run it is told to stop', async () => {
    expect(await start('hang', 0.5).run.ended).toEqual({ kind: 'timed-out', seconds: 0.5 });
    const { run } = start('hang');
    run.stop('claim lost');
    expect(await run.ended).toEqual({ kind: 'stopped', reason: 'claim lost' });
  });
});
