/**
 * Claim throughput of the run store: W worker processes (default 8), each with
 * its own connection, loop claim -> heartbeat -> one epoch -> finish until the
 * queue is empty. Prints runs per second and the per-run round-trip time on
 * SQLite and, when a server is given or can start, PostgreSQL.
 *
 *   node --conditions=@rbm-lab/source --import tsx bench/claims.ts [--runs 2000] [--workers 8]
 *   RBM_LAB_TEST_POSTGRES_URL=postgres://... to use a running server (else a throwaway one is started)
 */
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openRunStore, type PlannedRunRow, type SweepDefinition } from '@rbm-lab/experiments';

const SCRIPT = fileURLToPath(import.meta.url);
const PG_SCRIPT = fileURLToPath(new URL('../scripts/test-postgres.mjs', import.meta.url));

interface ChildReport {
  runs: number;
  /** Milliseconds per run: claim + heartbeat + epoch + finish. */
  latencies: number[];
}

/** One worker: claims until the queue is empty. */
async function child(location: string, artifactRoot: string): Promise<void> {
  const store = await openRunStore(location, { artifactRoot, poolSize: 1 });
  const worker = { host: 'bench', pid: process.pid };
  const latencies: number[] = [];
  for (;;) {
    const started = performance.now();
    const lease = await store.claimRun(worker);
    if (lease === undefined) break;
    await store.heartbeat(lease);
    await store.recordEpoch(lease, 1, { recon_error: 0.1, free_energy: -12 });
    await store.finishRun(lease, { metrics: { recon_error: 0.1 }, artifacts: [], durationMs: 1 });
    latencies.push(performance.now() - started);
  }
  await store.close();
  process.send?.({ runs: latencies.length, latencies } satisfies ChildReport);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measure(name: string, location: string, runs: number, workers: number): Promise<void> {
  const artifactRoot = mkdtempSync(join(tmpdir(), 'rbm-bench-artifacts-'));
  const store = await openRunStore(location, { artifactRoot });
  const sweep: SweepDefinition = {
    id: `bench${randomBytes(4).toString('hex')}`,
    name: 'bench',
    configPath: 'bench',
    config: {},
    sweptParams: ['i'],
    mainMetric: { name: 'recon_error', lowerIsBetter: true },
    totalRuns: runs,
  };
  const plans: PlannedRunRow[] = Array.from({ length: runs }, (_, i) => ({
    id: `${sweep.id}-${i}`,
    index: i,
    config: {},
    params: { i },
    seed: 0,
    epochs: 1,
  }));
  const submitStarted = performance.now();
  await store.submitSweep(sweep, plans);
  const submitMs = performance.now() - submitStarted;
  await store.close();

  const started = performance.now();
  const reports = await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<ChildReport>((resolve, reject) => {
          const worker = fork(SCRIPT, ['--child', location, artifactRoot], {
            execArgv: ['--conditions=@rbm-lab/source', '--import', 'tsx'],
          });
          worker.once('message', (m) => resolve(m as ChildReport));
          worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited ${code}`)));
        }),
    ),
  );
  const wallS = (performance.now() - started) / 1000;
  const done = reports.reduce((n, r) => n + r.runs, 0);
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  console.log(
    `${name.padEnd(9)} ${workers} workers, ${done}/${runs} runs in ${wallS.toFixed(2)} s (incl. ~0.5 s process start): ` +
      `${(done / wallS).toFixed(0)} runs/s; per run (claim+heartbeat+epoch+finish) ` +
      `median ${quantile(latencies, 0.5).toFixed(1)} ms, p95 ${quantile(latencies, 0.95).toFixed(1)} ms; ` +
      `submit of ${runs} runs ${(submitMs / 1000).toFixed(2)} s`,
  );
  rmSync(artifactRoot, { recursive: true, force: true });
}

async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string' }, workers: { type: 'string' }, child: { type: 'boolean' } },
    allowPositionals: true,
    strict: false,
  });
  if (values.child === true) {
    const [location, artifactRoot] = process.argv.slice(process.argv.indexOf('--child') + 1);
    return child(location, artifactRoot);
  }
  const runs = Number(values.runs ?? 2000);
  const workers = Number(values.workers ?? 8);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}; node ${process.version}`);
  const dir = mkdtempSync(join(tmpdir(), 'rbm-bench-'));
  try {
    await measure('sqlite', join(dir, 'bench.db'), runs, workers);
    let server = process.env.RBM_LAB_TEST_POSTGRES_URL;
    const pgDir = join(dir, 'pg');
    if (server === undefined || server === '') {
      server = execFileSync(process.execPath, [PG_SCRIPT, 'start', pgDir]).toString().trim();
    }
    try {
      await measure('postgres', await freshDatabase(server), runs, workers);
    } finally {
      if (process.env.RBM_LAB_TEST_POSTGRES_URL === undefined)
        execFileSync(process.execPath, [PG_SCRIPT, 'stop', pgDir]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
