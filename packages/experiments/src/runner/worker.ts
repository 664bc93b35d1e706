/**
 * Entry point of a worker process: runs one job sent by the sweep process and
 * reports back over IPC. Isolation means a crash (or an out-of-memory kill)
 * fails that run only.
 */
import { UserError } from '@rbm-lab/datasets';
import { executeRun } from './execute-run.js';
import type { ParentMessage, WorkerMessage } from './messages.js';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

const controller = new AbortController();
// The sweep process is gone (killed): nobody will record this run's results.
process.on('disconnect', () => process.exit(1));
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
