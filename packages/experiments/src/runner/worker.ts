/**
 * Entry point of a worker process: runs one job sent by the pool and reports
 * back over IPC. Isolation means a crash (or an out-of-memory kill) fails that
 * run only. When the pool's process dies this process stops at once: nobody
 * would record its results, and it must not keep writing.
 */
import { UserError } from '@rbm-lab/datasets';
import { executeRun } from './execute-run.js';
import type { ParentMessage, WorkerMessage } from './messages.js';

const parentPid = process.ppid;
const controller = new AbortController();

/** The pool's process is gone: our parent changed (we were re-parented) or the IPC channel closed. */
function orphaned(): boolean {
  return process.ppid !== parentPid || !process.connected;
}

function stopIfOrphaned(): void {
  if (!orphaned()) return;
  controller.abort();
  process.exit(1);
}

function send(message: WorkerMessage): Promise<void> {
  stopIfOrphaned();
  return new Promise((resolve) => {
    if (process.send === undefined) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

// 'disconnect' arrives whenever the event loop runs; send() checks synchronously between epochs as well.
process.on('disconnect', stopIfOrphaned);
setInterval(stopIfOrphaned, 200).unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    controller.abort();
    process.exit(130);
  });
}

process.once('message', (message: ParentMessage) => {
  if (message.type !== 'run') return;
  void (async () => {
    let exitCode = 0;
    try {
      const result = await executeRun(message.job, (m) => void send(m), controller.signal);
      await send({ type: 'done', ...result });
    } catch (error) {
      const text =
        error instanceof UserError
          ? error.message
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      await send({ type: 'failed', error: text });
      exitCode = 1;
    }
    process.exit(exitCode);
  })();
});
