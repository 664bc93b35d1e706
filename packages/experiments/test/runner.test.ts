import { describe, expect, it } from 'vitest';
import { blasThreadsPerWorker } from '../src/index.js';
import { workerExecArgv } from '../src/runner/run-process.js';

describe('worker processes', () => {
  it('share the cores between OpenBLAS instances: max(1, floor(cores / jobs))', () => {
    expect(blasThreadsPerWorker(2, 1)).toBe(2);
    expect(blasThreadsPerWorker(2, 2)).toBe(1);
    expect(blasThreadsPerWorker(2, 4)).toBe(1);
    expect(blasThreadsPerWorker(16, 3)).toBe(5);
  });

  it('run TypeScript source with the parent flags plus tsx and the source condition, never twice', () => {
    expect(workerExecArgv([], '/x/worker.ts')).toEqual(['--conditions=@rbm-lab/source', '--import', 'tsx']);
    const parent = ['--conditions=@rbm-lab/source', '--import', 'tsx', '--max-old-space-size=4096'];
    expect(workerExecArgv(parent, '/x/worker.ts')).toEqual(parent);
    expect(workerExecArgv(['--inspect=9229', '--max-old-space-size=4096'], '/x/worker.js')).toEqual([
      '--max-old-space-size=4096',
    ]);
  });
});
