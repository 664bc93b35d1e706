import cliProgress from 'cli-progress';
import type { RunStatus } from '../store/types.js';

export interface RunLabel {
  id: string;
  index: number;
  params: Record<string, unknown>;
  epochs: number;
}

/** How a sweep shows its progress: bars on a terminal, plain lines in logs and CI. */
export interface ProgressReporter {
  start(total: number, alreadyFinished: number): void;
  runStarted(run: RunLabel): void;
  runEpoch(run: RunLabel, epoch: number): void;
  runEnded(run: RunLabel, status: RunStatus, detail: string): void;
  /** A line that must not be garbled by the bars. */
  log(line: string): void;
  stop(): void;
}

export function formatParams(params: Record<string, unknown>): string {
  const entries = Object.entries(params);
  if (entries.length === 0) return '(no swept parameters)';
  const text = (v: unknown) => {
    const full = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return full.length > 40 ? `${full.slice(0, 39)}…` : full;
  };
  return entries.map(([k, v]) => `${k.split('.').pop()}=${text(v)}`).join(' ');
}

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One line per event; for pipes, log files and CI. */
export class LineProgress implements ProgressReporter {
  private total = 0;
  private done = 0;
  private readonly started = Date.now();
  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}

  start(total: number, alreadyFinished: number): void {
    this.total = total;
    this.done = alreadyFinished;
    const todo = total - alreadyFinished;
    this.out.write(`${total} runs in the grid, ${alreadyFinished} already finished, ${todo} to run\n`);
  }
  runStarted(run: RunLabel): void {
    this.out.write(`${'start'.padEnd(11)} ${run.id}  ${formatParams(run.params)}\n`);
  }
  runEpoch(run: RunLabel, epoch: number): void {
    // Every epoch would flood logs of long runs; report a few milestones.
    const step = Math.max(1, Math.ceil(run.epochs / 4));
    if (epoch === run.epochs || epoch % step === 0)
      this.out.write(`${''.padEnd(11)} ${run.id}  epoch ${epoch}/${run.epochs}\n`);
  }
  runEnded(run: RunLabel, status: RunStatus, detail: string): void {
    if (status === 'finished' || status === 'failed') this.done++;
    const elapsed = formatDuration(Date.now() - this.started);
    this.out.write(`${status.padEnd(11)} ${run.id}  [${this.done}/${this.total}, ${elapsed}]  ${detail}\n`);
  }
  log(line: string): void {
    this.out.write(`${line}\n`);
  }
  stop(): void {}
}

/** Bars: the sweep (runs done/total with ETA) and one per active run (its epoch). */
export class BarProgress implements ProgressReporter {
  private readonly multibar: cliProgress.MultiBar;
  private overall: cliProgress.SingleBar | undefined;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.multibar = new cliProgress.MultiBar(
      {
        stream,
        clearOnComplete: false,
        hideCursor: true,
        format: ' {label} |{bar}| {value}/{total} {unit}  {extra}',
        barsize: 24,
        etaBuffer: 20,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number, alreadyFinished: number): void {
    this.overall = this.multibar.create(
      total,
      alreadyFinished,
      { label: 'sweep'.padEnd(12), unit: 'runs' },
      { format: ' {label} |{bar}| {value}/{total} {unit}  elapsed {duration_formatted}  ETA {eta_formatted}' },
    );
  }
  runStarted(run: RunLabel): void {
    const bar = this.multibar.create(Math.max(1, run.epochs), 0, {
      label: run.id,
      unit: 'epochs',
      extra: formatParams(run.params),
    });
    this.bars.set(run.id, bar);
  }
  runEpoch(run: RunLabel, epoch: number): void {
    this.bars.get(run.id)?.update(epoch);
  }
  runEnded(run: RunLabel, status: RunStatus, detail: string): void {
    const bar = this.bars.get(run.id);
    if (bar !== undefined) {
      this.multibar.remove(bar);
      this.bars.delete(run.id);
    }
    if (status === 'finished' || status === 'failed') this.overall?.increment(1);
    this.multibar.log(`${status.padEnd(11)} ${run.id}  ${formatParams(run.params)}  ${detail}\n`);
    this.multibar.update();
  }
  log(line: string): void {
    if (this.overall === undefined) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.multibar.log(`${line}\n`);
    this.multibar.update();
  }
  stop(): void {
    if (this.overall === undefined) return;
    // stop() alone would drop lines still in the log buffer.
    this.multibar.update();
    this.multibar.stop();
  }
}

export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  return stream.isTTY === true && !ci ? new BarProgress(stream) : new LineProgress(stream);
}
