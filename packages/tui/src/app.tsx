// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The dashboard: a stack of screens over a read-only RunStoreReader, refreshed
 * by polling its change token. All key handling lives here so that one key
 * press has exactly one meaning; the screens only draw.
 */
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { RunRecord, RunStoreReader, SweepSummary } from '@rbm-lab/experiments';
import { truncate } from './format.js';
import type { Samples } from './samples.js';
import { CompareView } from './screens/compare.js';
import { DetailView } from './screens/detail.js';
import { EmptyView } from './screens/empty.js';
import { HeatmapView } from './screens/heatmap.js';
import { HelpView } from './screens/help.js';
import { RunsView } from './screens/runs.js';
import { SweepsView } from './screens/sweeps.js';
import { compareModel, heatmapModel, metricNames, paramPairs, runsTable, sweepRows } from './view-model.js';

export type Screen =
  | { kind: 'sweeps'; cursorId: string | null }
  | {
      kind: 'runs';
      sweepId: string;
      cursorId: string | null;
      sortKey: string;
      descending: boolean;
      filter: string;
      editingFilter: boolean;
      selected: string[];
    }
  | { kind: 'detail'; runId: string; metric: number }
  | { kind: 'compare'; runIds: string[]; metric: number }
  | { kind: 'heatmap'; sweepId: string; pair: number; transpose: boolean; metric: number };

export interface AppProps {
  /** Shown on the empty screen and in the header. */
  dbPath: string;
  /**
   * Opens the database read-only; returns null while it does not exist yet
   * (the app keeps polling), throws if it exists but cannot be read.
   */
  openReader: () => Promise<RunStoreReader> | null;
  /** Change-token polling period. */
  pollMs?: number;
  /** Fixed terminal size (tests); otherwise the real one, following resizes. */
  size?: { columns: number; rows: number };
  /** Called on a terminal resize before the app redraws at the new size (e.g. to clear the screen). */
  onResize?: () => void;
}

const MIN_COLUMNS = 40;
const MIN_ROWS = 8;

function useTerminalSize(fixed?: { columns: number; rows: number }, beforeResize?: () => void) {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => {
      beforeResize?.();
      setSize(read());
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed, beforeResize]);
  return fixed ?? size;
}

interface StoreState {
  reader: RunStoreReader | null;
  error: string | null;
  /** Change token read right after opening, before any data was read. */
  token: string | null;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function tryOpen(openReader: AppProps['openReader']): Promise<StoreState> {
  try {
    const reader = await openReader();
    return { reader, error: null, token: reader ? await reader.changeToken() : null };
  } catch (err) {
    return { reader: null, error: messageOf(err), token: null };
  }
}

/**
 * Opens the store (retrying while missing) and bumps `version` only when the
 * change token moves, so an idle dashboard never re-renders.
 */
function useStore(openReader: AppProps['openReader'], pollMs: number) {
  const [store, setStore] = useState<StoreState>({ reader: null, error: null, token: null });
  const [version, setVersion] = useState(0);
  const [changedAt, setChangedAt] = useState(() => new Date());
  const token = useRef<string | null>(store.token);
  useEffect(() => {
    let busy = false;
    let cancelled = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        if (!store.reader) {
          const next = await tryOpen(openReader);
          if (cancelled) {
            await next.reader?.close();
          } else if (next.reader || next.error !== store.error) {
            token.current = next.token;
            setStore(next);
          }
          return;
        }
        let current: string;
        try {
          current = await store.reader.changeToken();
        } catch (err) {
          if (!cancelled) setStore({ ...store, error: messageOf(err) });
          return;
        }
        if (!cancelled && current !== token.current) {
          token.current = current;
          setVersion((v) => v + 1);
          setChangedAt(new Date());
        }
      } finally {
        busy = false;
      }
    };
    if (!store.reader && store.error === null) void tick();
    const timer = setInterval(() => void tick(), pollMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [store, openReader, pollMs]);
  useEffect(
    () => () => {
      void store.reader?.close();
    },
    [store.reader],
  );
  return { ...store, version, changedAt };
}

/**
 * Loads asynchronously what a screen shows; `key` names the subject, and a
 * value loaded for another key is never shown. Reads that fail (while a writer
 * migrates the schema) show the error instead of crashing.
 */
function useLoaded<T>(
  key: string,
  load: (() => Promise<T>) | null,
  version: number,
): { value: T | undefined; error: string | null } {
  const [state, setState] = useState<{ key: string; value: T | undefined; error: string | null }>({
    key: '',
    value: undefined,
    error: null,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const ready = load !== null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` and `version` name what to reload; the loader itself is read from a ref
  useEffect(() => {
    const current = loadRef.current;
    if (!ready || current === null) return;
    let cancelled = false;
    current().then(
      (value) => !cancelled && setState({ key, value, error: null }),
      (err: unknown) => !cancelled && setState({ key, value: undefined, error: messageOf(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [key, ready, version]);
  return state.key === key ? state : { value: undefined, error: null };
}

function clampIndex(i: number, n: number): number {
  return Math.max(0, Math.min(n - 1, i));
}

function cycle(i: number, n: number): number {
  return n === 0 ? 0 : ((i % n) + n) % n;
}

/** Cursor movement shared by the list screens; returns the new index or null if the key is not a move. */
function moveCursor(input: string, key: Key, index: number, count: number, page: number): number | null {
  if (key.upArrow || input === 'k') return clampIndex(index - 1, count);
  if (key.downArrow || input === 'j') return clampIndex(index + 1, count);
  if (key.pageUp) return clampIndex(index - page, count);
  if (key.pageDown) return clampIndex(index + page, count);
  if (key.home || input === 'g') return 0;
  if (key.end || input === 'G') return Math.max(0, count - 1);
  return null;
}

const FOOTERS: Record<Screen['kind'], string> = {
  sweeps: '↑↓ move  enter runs  h heatmap  ? help  q quit',
  runs: '↑↓ move  enter detail  space select  c compare  s/S sort  / filter  h heatmap  esc back  ? help  q quit',
  detail: 'm/M curve  ←→ prev/next run  esc back  ? help  q quit',
  compare: 'm/M metric  esc back  ? help  q quit',
  heatmap: 'm/M metric  p params  t transpose  esc back  ? help  q quit',
};

export function App({ dbPath, openReader, pollMs = 1000, size: fixedSize, onResize }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize(fixedSize, onResize);
  const { reader, error: storeError, version, changedAt } = useStore(openReader, pollMs);
  const [stack, setStack] = useState<Screen[]>([{ kind: 'sweeps', cursorId: null }]);
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const screen = stack[stack.length - 1];
  const width = Math.max(1, size.columns);
  // One spare row: output as tall as the terminal makes Ink clear the screen on every frame (flicker).
  const totalHeight = Math.max(3, size.rows - 1);
  const bodyHeight = totalHeight - 2;

  const replaceTop = (next: Screen) => setStack((s) => [...s.slice(0, -1), next]);
  const push = (next: Screen) => setStack((s) => [...s, next]);
  const back = () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));

  // ---- data (re-read when the store changed or the screen's subject changed)
  const sweeps = useLoaded('sweeps', reader ? () => reader.listSweeps() : null, version);
  const subjectKey =
    screen.kind === 'runs' || screen.kind === 'heatmap'
      ? screen.sweepId
      : screen.kind === 'detail'
        ? screen.runId
        : screen.kind === 'compare'
          ? screen.runIds.join(',')
          : '';
  const loaded = useLoaded(
    `${screen.kind}:${subjectKey}`,
    reader
      ? async () => {
          switch (screen.kind) {
            case 'runs':
            case 'heatmap': {
              const sweep = await reader.getSweep(screen.sweepId);
              return { sweep, runs: sweep ? await reader.listRuns(sweep.id) : [] };
            }
            case 'detail': {
              const run = await reader.getRun(screen.runId);
              const sweep = run ? await reader.getSweep(run.sweepId) : undefined;
              return {
                run,
                sweep,
                runs: sweep ? await reader.listRuns(sweep.id) : [],
                epochMetrics: run ? await reader.getEpochMetrics(run.id) : {},
                samples: run ? await reader.getSamples(run.id) : undefined,
              };
            }
            case 'compare': {
              const found = await Promise.all(screen.runIds.map((id) => reader.getRun(id)));
              const runs = found.filter((r): r is RunRecord => r !== undefined);
              return {
                runs,
                sweep: runs[0] ? await reader.getSweep(runs[0].sweepId) : undefined,
                epochMetrics: await Promise.all(runs.map((r) => reader.getEpochMetrics(r.id))),
                samples: await Promise.all(runs.map((r) => reader.getSamples(r.id))),
              };
            }
            default:
              return {};
          }
        }
      : null,
    version,
  );
  const data = loaded.value as
    | {
        sweep?: SweepSummary;
        runs?: RunRecord[];
        run?: RunRecord;
        epochMetrics?: Record<string, Array<{ step: number; value: number }>>;
        samples?: Samples;
      }
    | undefined;
  const compareData = loaded.value as
    | {
        runs: RunRecord[];
        sweep?: SweepSummary;
        epochMetrics: Array<Record<string, Array<{ step: number; value: number }>>>;
        samples: Array<Samples | undefined>;
      }
    | undefined;

  const rows = useMemo(() => sweepRows(sweeps.value ?? []), [sweeps.value]);
  const table = useMemo(() => {
    if (screen.kind !== 'runs' || !data?.sweep) return null;
    return runsTable(data.sweep, data.runs ?? [], screen);
  }, [screen, data]);

  const heat = useMemo(() => {
    if (screen.kind !== 'heatmap' || !data?.sweep) return null;
    const sweep = data.sweep;
    const pairs = paramPairs(sweep.sweptParams);
    const metrics = metricNames(data.runs ?? [], sweep.mainMetric.name).filter((m) =>
      (data.runs ?? []).some((r) => typeof r.metrics[m] === 'number'),
    );
    if (pairs.length === 0 || metrics.length === 0) return { metrics, pairs, model: null };
    const [a, b] = pairs[cycle(screen.pair, pairs.length)];
    const [rowParam, colParam] = screen.transpose ? [b, a] : [a, b];
    const metric = metrics[cycle(screen.metric, metrics.length)];
    return { metrics, pairs, model: heatmapModel(data.runs ?? [], rowParam, colParam, metric, sweep.mainMetric) };
  }, [screen, data]);

  const sweepCursor =
    screen.kind === 'sweeps'
      ? Math.max(
          0,
          rows.findIndex((r) => r.sweep.id === screen.cursorId),
        )
      : 0;
  const runCursor =
    screen.kind === 'runs' && table
      ? Math.max(
          0,
          table.rows.findIndex((r) => r.run.id === screen.cursorId),
        )
      : 0;

  // ---- keys
  // The handler is replaced on every render and called through a ref: useInput
  // re-subscribes only after effects run, so a fast second key would otherwise
  // reach the previous render's handler and act on stale state.
  const onKey = useRef<(input: string, key: Key) => void>(() => {});
  useInput((input, key) => onKey.current(input, key));
  onKey.current = (input, key) => {
    // Keys typed faster than a frame (or sent by tmux) arrive as one chunk: take
    // them one at a time, each after the previous one's render.
    const editing = screen.kind === 'runs' && screen.editingFilter;
    if (input.length > 1 && !editing && !key.ctrl && !key.meta) {
      const rest = input.slice(1);
      onKey.current(input[0], key);
      setTimeout(() => onKey.current(rest, key), 0);
      return;
    }
    if (message) setMessage(null);
    if (screen.kind === 'runs' && screen.editingFilter) {
      if (key.return) replaceTop({ ...screen, editingFilter: false });
      else if (key.escape) replaceTop({ ...screen, editingFilter: false, filter: '' });
      else if (key.backspace || key.delete) replaceTop({ ...screen, filter: screen.filter.slice(0, -1) });
      else if (input && !key.ctrl && !key.meta) replaceTop({ ...screen, filter: screen.filter + input });
      return;
    }
    if (help) {
      if (input === 'q') exit();
      else setHelp(false);
      return;
    }
    if (input === 'q') {
      exit();
      return;
    }
    if (input === '?') {
      setHelp(true);
      return;
    }
    if (key.escape || key.backspace || key.delete) {
      back();
      return;
    }
    const page = Math.max(1, bodyHeight - 4);
    switch (screen.kind) {
      case 'sweeps': {
        const moved = moveCursor(input, key, sweepCursor, rows.length, page);
        if (moved !== null) {
          if (rows[moved]) replaceTop({ ...screen, cursorId: rows[moved].sweep.id });
          return;
        }
        const current = rows[sweepCursor];
        if (!current) return;
        if (key.return) {
          push({
            kind: 'runs',
            sweepId: current.sweep.id,
            cursorId: null,
            sortKey: 'index',
            descending: false,
            filter: '',
            editingFilter: false,
            selected: [],
          });
        } else if (input === 'h') {
          push({ kind: 'heatmap', sweepId: current.sweep.id, pair: 0, transpose: false, metric: 0 });
        }
        return;
      }
      case 'runs': {
        if (!table) return;
        const moved = moveCursor(input, key, runCursor, table.rows.length, page);
        if (moved !== null) {
          if (table.rows[moved]) replaceTop({ ...screen, cursorId: table.rows[moved].run.id });
          return;
        }
        const current = table.rows[runCursor];
        if (input === '/') replaceTop({ ...screen, editingFilter: true });
        else if (input === 's') {
          const keys = table.columns.map((c) => c.key);
          const next = table.columns[cycle(keys.indexOf(screen.sortKey) + 1, keys.length)];
          // metrics where higher is better start with the best on top
          replaceTop({ ...screen, sortKey: next.key, descending: next.lowerIsBetter === false });
        } else if (input === 'S') replaceTop({ ...screen, descending: !screen.descending });
        else if (input === 'x') replaceTop({ ...screen, selected: [] });
        else if (input === 'h')
          push({ kind: 'heatmap', sweepId: screen.sweepId, pair: 0, transpose: false, metric: 0 });
        else if (input === 'c') {
          if (screen.selected.length >= 2) push({ kind: 'compare', runIds: screen.selected, metric: 0 });
          else setMessage('select 2 to 4 runs with space first');
        } else if (input === ' ' && current) {
          const id = current.run.id;
          if (screen.selected.includes(id))
            replaceTop({ ...screen, selected: screen.selected.filter((s) => s !== id) });
          else if (screen.selected.length >= 4) setMessage('at most 4 runs can be compared');
          else replaceTop({ ...screen, selected: [...screen.selected, id] });
        } else if (key.return && current) push({ kind: 'detail', runId: current.run.id, metric: 0 });
        return;
      }
      case 'detail': {
        if (input === 'm') replaceTop({ ...screen, metric: screen.metric + 1 });
        else if (input === 'M') replaceTop({ ...screen, metric: screen.metric - 1 });
        else if ((key.leftArrow || key.rightArrow) && data?.runs?.length && data.run) {
          const ordered = [...data.runs].sort((a, b) => a.index - b.index);
          const i = ordered.findIndex((r) => r.id === data.run!.id);
          const next = ordered[clampIndex(i + (key.rightArrow ? 1 : -1), ordered.length)];
          replaceTop({ ...screen, runId: next.id });
        }
        return;
      }
      case 'compare': {
        if (input === 'm') replaceTop({ ...screen, metric: screen.metric + 1 });
        else if (input === 'M') replaceTop({ ...screen, metric: screen.metric - 1 });
        return;
      }
      case 'heatmap': {
        if (input === 'm') replaceTop({ ...screen, metric: screen.metric + 1 });
        else if (input === 'M') replaceTop({ ...screen, metric: screen.metric - 1 });
        else if (input === 'p') replaceTop({ ...screen, pair: screen.pair + 1 });
        else if (input === 't') replaceTop({ ...screen, transpose: !screen.transpose });
        return;
      }
    }
  };

  // ---- layout
  const crumbs = ['RBM Lab'];
  if (screen.kind !== 'sweeps') {
    const sweepName = data?.sweep?.name ?? compareData?.sweep?.name;
    if (sweepName) crumbs.push(sweepName);
    if (screen.kind === 'detail' && data?.run) crumbs.push(`run #${data.run.index + 1}`);
    if (screen.kind === 'compare') crumbs.push(`compare ${screen.runIds.length} runs`);
    if (screen.kind === 'heatmap') crumbs.push('heatmap');
  }
  const status = reader
    ? `live · last change ${changedAt.toTimeString().slice(0, 8)} · ${dbPath}`
    : `waiting for ${dbPath}`;

  let body: ReactNode;
  const error = storeError ?? sweeps.error ?? loaded.error;
  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
    body = (
      <Text color="yellow" wrap="truncate-end">
        {`terminal too small (${size.columns}x${size.rows}); need ${MIN_COLUMNS}x${MIN_ROWS}`}
      </Text>
    );
  } else if (help) {
    body = <HelpView width={width} height={bodyHeight} />;
  } else if (!reader) {
    body = (
      <EmptyView
        dbPath={dbPath}
        reason={storeError ? 'error' : 'missing'}
        error={storeError ?? undefined}
        width={width}
        height={bodyHeight}
      />
    );
  } else if (error) {
    body = (
      <Text color="red" wrap="wrap">
        {`cannot read the database: ${error}`}
      </Text>
    );
  } else if (screen.kind === 'sweeps') {
    body =
      rows.length === 0 ? (
        <EmptyView dbPath={dbPath} reason="no-sweeps" width={width} height={bodyHeight} />
      ) : (
        <SweepsView rows={rows} cursor={sweepCursor} width={width} height={bodyHeight} />
      );
  } else if (screen.kind === 'runs') {
    body =
      data?.sweep && table ? (
        <RunsView
          sweep={data.sweep}
          table={table}
          cursor={runCursor}
          selected={screen.selected}
          sortKey={screen.sortKey}
          descending={screen.descending}
          filter={screen.filter}
          editingFilter={screen.editingFilter}
          totalRuns={data.runs?.length ?? 0}
          width={width}
          height={bodyHeight}
        />
      ) : (
        <Text color="yellow">{`sweep ${screen.sweepId} not found`}</Text>
      );
  } else if (screen.kind === 'detail') {
    body = data?.run ? (
      <DetailView
        run={data.run}
        sweep={data.sweep}
        epochMetrics={data.epochMetrics ?? {}}
        samples={data.samples}
        metricIndex={screen.metric}
        width={width}
        height={bodyHeight}
      />
    ) : (
      <Text color="yellow">{`run ${screen.runId} not found`}</Text>
    );
  } else if (screen.kind === 'compare') {
    body = compareData?.runs.length ? (
      <CompareView
        model={compareModel(compareData.runs, compareData.sweep?.mainMetric)}
        sweep={compareData.sweep}
        epochMetrics={compareData.epochMetrics}
        samples={compareData.samples}
        metricIndex={screen.metric}
        width={width}
        height={bodyHeight}
      />
    ) : (
      <Text color="yellow">runs not found</Text>
    );
  } else {
    body = (
      <HeatmapView
        model={heat?.model ?? null}
        sweptParams={data?.sweep?.sweptParams ?? []}
        metrics={heat?.metrics ?? []}
        width={width}
        height={bodyHeight}
      />
    );
  }

  const waiting = !reader || (screen.kind === 'sweeps' && rows.length === 0);
  const footer =
    message ??
    (waiting
      ? 'waiting for a sweep  ? help  q quit'
      : screen.kind === 'runs' && screen.editingFilter
        ? 'type to filter  enter keep  esc clear'
        : FOOTERS[screen.kind]);
  const left = crumbs.join(' › ');
  const right = truncate(status, Math.max(0, width - left.length - 2));
  return (
    <Box flexDirection="column" width={width} height={totalHeight}>
      <Box height={1}>
        <Text bold color="cyan" wrap="truncate-end">
          {left}
        </Text>
        <Box flexGrow={1} />
        <Text dimColor wrap="truncate-end">
          {right}
        </Text>
      </Box>
      <Box height={bodyHeight} flexDirection="column" overflow="hidden">
        {body}
      </Box>
      <Box height={1}>
        <Text color={message ? 'yellow' : undefined} inverse={!message} wrap="truncate-end">
          {truncate(` ${footer} `, width)}
        </Text>
      </Box>
    </Box>
  );
}
