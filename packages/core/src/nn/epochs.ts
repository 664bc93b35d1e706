import type { FitOptions, FitResult, Metrics } from '../model.js';

export interface EpochLoop {
  /** Number of training rows. */
  rows: number;
  epochs: number;
  batchSize: number;
  /** The row order of the next epoch (a permutation of 0..rows-1; may be the same array, reshuffled). */
  nextOrder(): Int32Array;
  options: FitOptions;
  /** One optimisation step on rows order[start..end); returns that batch's metrics as means per row. */
  step(order: Int32Array, start: number, end: number): Metrics;
  /** Extra metrics after each epoch (full-pass or validation scores). */
  endOfEpoch?(): Metrics;
}

/**
 * Mini-batch epochs in a seeded order, with batch metrics averaged over the
 * epoch (weighted by batch size). The event loop runs between batches, so an
 * abort signal (Ctrl-C, timeout) stops training at the next batch boundary;
 * an epoch cut short is not reported.
 */
export async function runEpochs(loop: EpochLoop): Promise<FitResult> {
  const history: Metrics[] = [];
  const n = loop.rows;
  const signal = loop.options.signal;
  let aborted = false;
  for (let epoch = 1; epoch <= loop.epochs && !aborted; epoch++) {
    const order = loop.nextOrder();
    const sums: Record<string, number> = {};
    for (let start = 0; start < n; start += loop.batchSize) {
      await yieldToEventLoop();
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      const end = Math.min(n, start + loop.batchSize);
      const metrics = loop.step(order, start, end);
      for (const [name, value] of Object.entries(metrics)) sums[name] = (sums[name] ?? 0) + value * (end - start);
    }
    if (aborted) break;
    const metrics: Metrics = {};
    for (const [name, sum] of Object.entries(sums)) metrics[name] = sum / n;
    Object.assign(metrics, loop.endOfEpoch?.() ?? {});
    history.push(metrics);
    await loop.options.onEpoch?.(epoch, metrics);
  }
  return { epochsCompleted: history.length, history, aborted };
}

/**
 * Lets timers and signal handlers run between synchronous batches, so an
 * AbortSignal fired by Ctrl-C or a timeout is seen at the next batch boundary.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
