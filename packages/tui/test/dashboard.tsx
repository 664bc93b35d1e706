// @jsxRuntime automatic
// @jsxImportSource react
/** The dashboard over a real database in ink-testing-library, and ways to drive it. */
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import type { RunStoreReader } from '@rbm-lab/experiments';
import { App } from '../src/app.js';
import { openDatabaseReader } from '../src/data/reader.js';
import type { Settings } from '../src/state/types.js';

export const KEY = {
  down: '\u001B[B',
  up: '\u001B[A',
  right: '\u001B[C',
  left: '\u001B[D',
  enter: '\r',
  esc: '\u001B',
  space: ' ',
  backspace: '\u007F',
};

export const SIZE = { columns: 140, rows: 44 };

/** One turn of the event loop: Ink flushes a lone ESC (not followed by more input) on the next turn. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface DashboardOptions {
  size?: { columns: number; rows: number };
  pollMs?: number;
  settings?: Partial<Settings>;
  /** Wraps each reader the app opens (e.g. to hold a read until the test releases it). */
  wrapReader?: (reader: RunStoreReader) => RunStoreReader;
}

export interface Dashboard {
  app: ReturnType<typeof render>;
  /** The last frame, colour codes removed. */
  frame: () => string;
  press: (...keys: string[]) => Promise<void>;
  waitFor: (test: (frame: string) => boolean, timeoutMs?: number) => Promise<string>;
  waitForText: (text: string | RegExp) => Promise<string>;
  /** Every reader the app opened, to check it closes them. */
  readers: RunStoreReader[];
}

export function openDashboard(
  dbPath: string,
  { size = SIZE, pollMs = 50, settings, wrapReader = (r) => r }: DashboardOptions = {},
): Dashboard {
  const readers: RunStoreReader[] = [];
  const app = render(
    <App
      dbPath={dbPath}
      openReader={() =>
        openDatabaseReader(dbPath)?.then((reader) => {
          readers.push(reader);
          return wrapReader(reader);
        }) ?? null
      }
      pollMs={pollMs}
      size={size}
      settings={settings}
    />,
  );
  // Frames without colour codes: under Nx (FORCE_COLOR) Ink colours its output.
  const frame = () => stripVTControlCharacters(app.lastFrame() ?? '');
  /** Types keys; the app applies them in order, each once the screen it lands on has loaded. */
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await turn();
    }
  };
  /** Waits until `test` holds for the current frame (loading and refresh are asynchronous). */
  const waitFor = async (test: (f: string) => boolean, timeoutMs = 5000) => {
    const until = Date.now() + timeoutMs;
    while (!test(frame())) {
      if (Date.now() > until) throw new Error(`timed out; last frame:\n${frame()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return frame();
  };
  const waitForText = (text: string | RegExp) =>
    waitFor((f) => (typeof text === 'string' ? f.includes(text) : text.test(f)));
  return { app, frame, press, waitFor, waitForText, readers };
}

/** Data rows of the runs table: cursor mark, selection mark, run (or group) number. */
export function tableRows(frame: string): string[] {
  return frame.split('\n').filter((l) => /^[ ›][ ◉] +\d+ /.test(l));
}
