// @jsxRuntime automatic
// @jsxImportSource react
/** Starting the dashboard in the user's terminal: argument parsing, database path, screen setup. */
import { render, type Instance } from 'ink';
import { isPostgresUrl, redactPostgresUrl, resolveDbPath } from '@rbm-lab/experiments';
import { App } from './app.js';
import { openDatabaseReader } from './data/reader.js';

export const DASHBOARD_USAGE = `usage: rbm-lab ui [--db PATH|URL]

Opens the dashboard over the run database: sweeps, runs, curves, generated
samples, comparisons. Read-only; safe to run while a sweep is writing.

  --db PATH|URL   run database: a SQLite file or a postgres:// URL
                  (default: $RBM_LAB_DB, else <project root>/runs/rbm-lab.db)`;

export interface DashboardArgs {
  db?: string;
  help: boolean;
}

export class DashboardUsageError extends Error {}

export function parseDashboardArgs(argv: string[]): DashboardArgs {
  const args: DashboardArgs = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') args.help = true;
    else if (arg === '--db') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new DashboardUsageError('--db needs a path');
      args.db = value;
    } else if (arg.startsWith('--db=')) args.db = arg.slice('--db='.length);
    else throw new DashboardUsageError(`unknown argument '${arg}'`);
  }
  return args;
}

// Alternate screen: the dashboard does not scroll the user's shell history away.
const CLEAR_SCREEN = '\u001B[2J\u001B[H';
const ENTER_ALT_SCREEN = `\u001B[?1049h${CLEAR_SCREEN}`;
const LEAVE_ALT_SCREEN = '\u001B[?1049l';

/** Runs the dashboard until the user quits; resolves with the process exit code. */
export async function runDashboard(
  argv: string[],
  where: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  let args: DashboardArgs;
  try {
    args = parseDashboardArgs(argv);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${DASHBOARD_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${DASHBOARD_USAGE}\n`);
    return 0;
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('error: the dashboard needs an interactive terminal (stdin and stdout must be a TTY)\n');
    return 2;
  }
  const dbPath = resolveDbPath(args.db, where.env ?? process.env, where.cwd ?? process.cwd());
  const openReader = () => openDatabaseReader(dbPath);
  process.stdout.write(ENTER_ALT_SCREEN);
  const restore = () => process.stdout.write(LEAVE_ALT_SCREEN);
  // A shrinking terminal leaves rows of the old, taller frame that Ink's line
  // eraser cannot reach: wipe the screen and let the app redraw from the top.
  let instance: Instance | undefined;
  const clearScreen = () => {
    process.stdout.write(CLEAR_SCREEN);
    instance?.clear();
  };
  // The header and the empty screen show where the data is, never a password.
  const shown = isPostgresUrl(dbPath) ? redactPostgresUrl(dbPath) : dbPath;
  instance = render(<App dbPath={shown} openReader={openReader} onResize={clearScreen} />, {
    exitOnCtrlC: true,
    // Ink 6.8's incremental mode draws one row too low when the frame ends with a
    // newline; the full redraw is wrapped in synchronized output, so it does not flicker.
    incrementalRendering: false,
  });
  const stop = () => instance.unmount();
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  try {
    await instance.waitUntilExit();
    return 0;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGHUP', stop);
    restore();
  }
}
