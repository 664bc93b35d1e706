/**
 * The worker handle: one forked process per run, a promise per run, and a
 * per-run timeout. It knows nothing of the database: messages go to
 * `onMessage`, and the end of the process is one RunProcessEnd.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParentMessage, RunResult, WorkerJob, WorkerMessage } from './messages.js';

/** How a run's process ended. */
export type RunProcessEnd =
  | ({ kind: 'done' } & RunResult)
  | { kind: 'failed'; error: string }
  /** The process ended without a result (crash, OOM kill, a signal from outside). */
  | { kind: 'crashed'; error: string; bySignal: NodeJS.Signals | null; exitCode: number | null }
  | { kind: 'timed-out'; seconds: number }
  /** We stopped it (lost claim, Ctrl-C, store failure): `reason` says why. */
  | { kind: 'stopped'; reason: string };

export interface RunProcess {
  readonly pid: number | undefined;
  /** Settles once, when the process has ended (never rejects). */
  readonly ended: Promise<RunProcessEnd>;
  /** Kills the process; the run ends as { kind: 'stopped', reason } unless it had ended already. */
  stop(reason: string, signal?: NodeJS.Signals): void;
}

export interface RunProcessOptions {
  env: NodeJS.ProcessEnv;
  /** Wall-clock limit; the process is killed past it. */
  timeoutSeconds?: number | null;
  onMessage: (message: WorkerMessage) => void;
  /** Worker module to fork (tests); default worker.ts/js beside this module. */
  module?: string;
  execArgv?: string[];
}

function workerModule(): string {
  // Built (dist/*.js) or source (src/*.ts, under tsx): the worker sits beside this module.
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), here.endsWith('.ts') ? 'worker.ts' : 'worker.js');
}

/** Node flags for the worker: the parent's, plus what running TypeScript source needs. */
export function workerExecArgv(parentExecArgv: readonly string[], module: string): string[] {
  const argv = [...parentExecArgv].filter((a) => !a.startsWith('--inspect'));
  if (module.endsWith('.ts')) {
    if (!argv.some((a) => a === '--conditions=@rbm-lab/source' || a === '-C=@rbm-lab/source')) {
      argv.push('--conditions=@rbm-lab/source');
    }
    const hasTsx = argv.some((a, i) => (a === '--import' && argv[i + 1] === 'tsx') || a === '--import=tsx');
    if (!hasTsx) argv.push('--import', 'tsx');
  }
  return argv;
}

function crashDescription(code: number | null, signal: NodeJS.Signals | null, stderr: string, channel: string) {
  const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
  const tail = stderr.trim().split('\n').slice(-15).join('\n');
  const details = [tail, channel && `(${channel})`].filter((t) => t !== '').join('\n');
  return { how, error: `worker process ended (${how}) before finishing the run${details ? `\n${details}` : ''}` };
}

/** Forks a worker process for `job` and sends it the job. */
export function startRunProcess(job: WorkerJob, options: RunProcessOptions): RunProcess {
  const module = options.module ?? workerModule();
  let child: ChildProcess;
  let settle: (end: RunProcessEnd) => void = () => undefined;
  let result: RunProcessEnd | undefined;
  let stopReason: string | undefined;
  let timedOut = false;
  const ended = new Promise<RunProcessEnd>((resolve) => {
    settle = (end) => {
      if (result !== undefined) return;
      result = end;
      resolve(end);
    };
  });
  try {
    child = fork(module, [], {
      execArgv: options.execArgv ?? workerExecArgv(process.execArgv, module),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: options.env,
    });
  } catch (error) {
    settle({ kind: 'failed', error: `cannot start a worker process: ${(error as Error).message}` });
    return { pid: undefined, ended, stop: () => undefined };
  }
  let stderr = '';
  let channelError = '';
  let reported: RunProcessEnd | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.on('message', (message: WorkerMessage) => {
    if (stopReason !== undefined || timedOut || reported !== undefined) return;
    if (message.type === 'done') {
      const { type: _type, ...runResult } = message;
      reported = { kind: 'done', ...runResult };
    } else if (message.type === 'failed') {
      reported = { kind: 'failed', error: message.error };
    } else {
      options.onMessage(message);
    }
  });
  child.on('error', (error) => {
    // A failed send (the worker died first) is followed by 'exit'; a failed spawn is not.
    channelError = error.message;
    if (child.pid === undefined) settle({ kind: 'failed', error: `cannot start a worker process: ${error.message}` });
  });
  const timer =
    options.timeoutSeconds != null && options.timeoutSeconds > 0
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutSeconds * 1000)
      : undefined;
  child.on('exit', (code, signal) => {
    if (timer !== undefined) clearTimeout(timer);
    if (stopReason !== undefined) return settle({ kind: 'stopped', reason: stopReason });
    if (timedOut) return settle({ kind: 'timed-out', seconds: options.timeoutSeconds ?? 0 });
    if (reported !== undefined) return settle(reported);
    const { error } = crashDescription(code, signal, stderr, channelError);
    settle({ kind: 'crashed', error, bySignal: signal, exitCode: code });
  });
  const message: ParentMessage = { type: 'run', job };
  child.send(message);
  return {
    pid: child.pid,
    ended,
    stop(reason, signal = 'SIGKILL') {
      if (result !== undefined || stopReason !== undefined) return;
      stopReason = reason;
      child.kill(signal);
      // A worker asked to stop gets a moment to exit cleanly, then is made to.
      if (signal !== 'SIGKILL') setTimeout(() => result === undefined && child.kill('SIGKILL'), 3000).unref();
    },
  };
}
