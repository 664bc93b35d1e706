// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The dashboard: a frame (header, the screen on top, status line) over the
 * pure state machine in state/. Keys go into a queue and are reduced one at a
 * time, each once the screen it lands on has loaded, so keys typed ahead (or
 * sent by tmux in one chunk) act on what the user would have seen.
 */
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { OpenReader } from './data/use-store.js';
import { useStore } from './data/use-store.js';
import { truncate } from './format.js';
import { footerText, type KeyName, keyNames } from './keys.js';
import { ScreenBody } from './screen-body.js';
import { initialState, reduceApp, topScreen } from './state/app.js';
import { footerBindings, needsScreenData } from './state/keymap.js';
import type { AppState, Settings } from './state/types.js';
import { type ActiveScreen, useActiveScreen } from './use-screen.js';

export type { Screen } from './state/types.js';

export interface AppProps {
  /** Shown on the empty screen and in the header. */
  dbPath: string;
  /**
   * Opens the database read-only; returns (or resolves to) null while it does
   * not exist yet (the app keeps looking), throws if it exists but cannot be read.
   */
  openReader: OpenReader;
  /** Change-token polling period. */
  pollMs?: number;
  /** Fixed terminal size (tests); otherwise the real one, following resizes. */
  size?: { columns: number; rows: number };
  /** Called on a terminal resize before the app redraws at the new size (e.g. to clear the screen). */
  onResize?: () => void;
  /** Settings to start with (tests, or a future config file). */
  settings?: Partial<Settings>;
}

const MIN_COLUMNS = 40;
const MIN_ROWS = 8;

function useTerminalSize(fixed?: { columns: number; rows: number }, beforeResize?: () => void) {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }));
  useEffect(() => {
    if (fixed) return;
    const onResize = () => {
      beforeResize?.();
      setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed, beforeResize]);
  return fixed ?? size;
}

function isTyping(state: AppState): boolean {
  const screen = topScreen(state);
  return screen.kind === 'runs' && screen.editing;
}

/** Takes queued keys one at a time, each once the screen on top is ready for it. */
function useKeyQueue(state: AppState, setState: (s: AppState) => void, active: ActiveScreen) {
  const { exit } = useApp();
  const [queue, setQueue] = useState<KeyName[]>([]);
  const onInput = useCallback((input: string, key: Parameters<typeof keyNames>[1]) => {
    const names = keyNames(input, key);
    if (names.length > 0) setQueue((q) => [...q, ...names]);
  }, []);
  useInput(onInput);
  useEffect(() => {
    if (queue.length === 0) return;
    // Keys that need the screen's data wait for it; help, back, quit and the toggles do not.
    if (!active.ready && needsScreenData(topScreen(state), queue[0], isTyping(state))) return;
    let next = reduceApp(state, queue[0], active.ready ? active.ctx : null);
    let used = 1;
    // Text typed into the filter needs no screen data: take it all in one go.
    while (used < queue.length && !next.quit && isTyping(next)) next = reduceApp(next, queue[used++], null);
    // functional: keys may have been appended since this render
    setQueue((q) => q.slice(used));
    if (next.quit) exit();
    else setState(next);
  }, [queue, active, state, setState, exit]);
}

function statusLine(state: AppState, active: ActiveScreen, waiting: boolean): { text: string; warn: boolean } {
  const screen = topScreen(state);
  if (state.message) return { text: state.message, warn: true };
  const filterError = active.model?.kind === 'runs' ? active.model.table.filterError : null;
  if (filterError) return { text: filterError.message, warn: true };
  if (waiting) return { text: 'waiting for a sweep  ? help  q quit', warn: false };
  const editing = screen.kind === 'runs' && screen.editing;
  const keys = footerText(...footerBindings(screen.kind, editing));
  return { text: editing ? `type to filter  ${keys}` : keys, warn: false };
}

export function App({ dbPath, openReader, pollMs = 1000, size: fixedSize, onResize, settings }: AppProps) {
  const size = useTerminalSize(fixedSize, onResize);
  const store = useStore(openReader, pollMs);
  const [state, setState] = useState<AppState>(() => initialState(settings));
  const width = Math.max(1, size.columns);
  // One spare row: output as tall as the terminal makes Ink clear the screen on every frame (flicker).
  const totalHeight = Math.max(3, size.rows - 1);
  const bodyHeight = totalHeight - 2;
  const page = Math.max(1, bodyHeight - 4);
  const layout = useMemo(() => ({ page, width }), [page, width]);
  const active = useActiveScreen(store, state, layout);
  useKeyQueue(state, setState, active);

  const left = ['RBM Lab', ...active.crumbs.filter(Boolean)].join(' › ');
  const live = store.reader
    ? `live · last change ${store.changedAt.toTimeString().slice(0, 8)} · ${dbPath}`
    : `waiting for ${dbPath}`;
  const right = truncate(live, Math.max(0, width - left.length - 2));
  const waiting = !store.reader || (active.model?.kind === 'sweeps' && active.model.rows.length === 0);
  const status = statusLine(state, active, waiting);
  const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
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
        {tooSmall ? (
          <Text color="yellow" wrap="truncate-end">
            {`terminal too small (${size.columns}x${size.rows}); need ${MIN_COLUMNS}x${MIN_ROWS}`}
          </Text>
        ) : (
          <ScreenBody state={state} active={active} store={store} dbPath={dbPath} width={width} height={bodyHeight} />
        )}
      </Box>
      <Box height={1}>
        <Text color={status.warn ? 'yellow' : undefined} inverse={!status.warn} wrap="truncate-end">
          {truncate(` ${status.text} `, width)}
        </Text>
      </Box>
    </Box>
  );
}
