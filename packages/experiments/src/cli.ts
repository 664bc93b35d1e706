/**
 * The rbm-lab command line (all commands except `ui`, which the dashboard
 * package adds through `extraCommands`). Run from source with
 *   node --conditions=@rbm-lab/source --import tsx packages/experiments/src/cli.ts <command> ...
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '@rbm-lab/datasets';
import { type CliCommand, type CliIo, EXIT } from './cli/common.js';
import { noteCommand, tagCommand } from './cli/annotate-commands.js';
import { LAUNCH_COMMANDS } from './cli/launch-command.js';
import { READ_COMMANDS } from './cli/read-commands.js';
import { STUDY_COMMANDS } from './cli/study-commands.js';
import { reportCommand } from './report/command.js';
import { invocationDirectory } from './config/invocation.js';

export { compareRuns } from './cli/compare-command.js';
export { type CliCommand, type CliIo, EXIT } from './cli/common.js';

export interface RunCliOptions {
  io?: Partial<CliIo>;
  /** More commands (e.g. `ui` from the dashboard package). */
  extraCommands?: Record<string, CliCommand>;
}

export const BUILTIN_COMMANDS: Record<string, CliCommand> = {
  ...STUDY_COMMANDS,
  ...LAUNCH_COMMANDS,
  ...READ_COMMANDS,
  tag: tagCommand,
  note: noteCommand,
  report: reportCommand,
};

function helpText(commands: Record<string, CliCommand>): string {
  const lines = ['usage: rbm-lab <command> [options]   (rbm-lab <command> --help for its options)', '', 'commands:'];
  for (const [name, command] of Object.entries(commands))
    lines.push(`  ${name === command.usage.split(' ')[0] ? '' : `${name}: `}${command.usage}`);
  lines.push(
    '',
    'The database is --db, else $RBM_LAB_DB, else <project root>/runs/rbm-lab.db: a SQLite file path,',
    'or postgres://user@host:port/db for workers on several machines.',
  );
  return `${lines.join('\n')}\n`;
}

/** Runs one rbm-lab command; resolves with the process exit code. */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<number> {
  const io: CliIo = {
    stdout: options.io?.stdout ?? process.stdout,
    stderr: options.io?.stderr ?? process.stderr,
    // Under `npx nx run experiments:sweep`, the directory the user ran it in, not the workspace root.
    cwd: options.io?.cwd ?? invocationDirectory(process.env, process.cwd()),
    env: options.io?.env ?? process.env,
  };
  const commands = { ...BUILTIN_COMMANDS, ...options.extraCommands };
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(helpText(commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(`error: unknown command '${name}'\n${helpText(commands)}`);
    return EXIT.usage;
  }
  // Every command answers --help the same way; `ui` prints its own longer text.
  if ((rest.includes('--help') || rest.includes('-h')) && !(name in (options.extraCommands ?? {}))) {
    io.stdout.write(`${command.help ?? `usage: rbm-lab ${command.usage}`}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}

function isMainModule(): boolean {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  // Let pending writes (pipes) drain: set the exit code rather than exiting at once.
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
