/** What every rbm-lab command shares: its I/O, exit codes, argument parsing and opening the store. */
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '@rbm-lab/datasets';
import { checkOutputFile } from '../store/fs-checks.js';
import { resolveDbPath } from '../store/paths.js';
import { openRunStoreReader } from '../store/run-store.js';
import type { RunRecord, RunStoreReader } from '../store/types.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** One line for `rbm-lab help`. */
  usage: string;
  /** Longer text for `rbm-lab <command> --help` (default: the usage line). */
  help?: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit codes: 0 ok, 1 some runs failed (or an internal error), 2 user error, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export class UsageError extends UserError {}

/**
 * The file an optional output flag names, resolved against the working directory and checked
 * (not a folder, its folder exists) before the command does any work; undefined without the flag.
 */
export function optionalOutputFile(value: string | undefined, io: CliIo, what: string): string | undefined {
  return value === undefined ? undefined : checkOutputFile(resolve(io.cwd, value), what, { createFolder: false });
}

type Parsed<T extends ParseArgsConfig['options']> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
>;

export function parse<T extends ParseArgsConfig['options']>(args: string[], options: T, command: string): Parsed<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
}

export const dbOption = { db: { type: 'string' } } as const;

/** A positive number of seconds from a flag, or undefined when the flag is absent. */
export function secondsOption(value: string | undefined, flag: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${command}: ${flag} expects a number of seconds > 0, got '${value}'`);
  }
  return seconds;
}

/** A whole number >= 1 from a flag. */
export function countOption(value: string | undefined, flag: string, command: string, fallback: number): number {
  if (value === undefined) return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    throw new UsageError(`${command}: ${flag} expects a whole number >= 1, got '${value}'`);
  }
  return count;
}

export function openReader(db: string | undefined, io: CliIo): Promise<RunStoreReader> {
  return openRunStoreReader(resolveDbPath(db, io.env, io.cwd), { env: io.env });
}

/** Runs `body` with a reader, closing it afterwards. */
export async function withReader<T>(
  db: string | undefined,
  io: CliIo,
  body: (reader: RunStoreReader) => Promise<T>,
): Promise<T> {
  const reader = await openReader(db, io);
  try {
    return await body(reader);
  } finally {
    await reader.close();
  }
}

export async function findRun(store: RunStoreReader, idOrPrefix: string): Promise<RunRecord> {
  const found = await store.findRuns(idOrPrefix);
  if (found.length === 0)
    throw new UsageError(`no run '${idOrPrefix}' in ${store.location} (see \`rbm-lab list <sweep>\`)`);
  if (found.length > 1) {
    throw new UsageError(
      `run id prefix '${idOrPrefix}' is ambiguous: ${found.map((r) => r.id).join(', ')}; give more characters`,
    );
  }
  return found[0];
}
