/** `--set path=value` overrides: a study value changed from the command line, without a new file. */
import type { ConfigIssue } from './errors.js';
import { ARGUMENT_PREFIX, parseYamlText, type YamlSource } from './yaml-source.js';

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The study path an override sets. Under `sweep.grid` and `sweep.zip` the
 * rest of the path is one key, the swept parameter's dotted path:
 * `sweep.grid.train.learning_rate` -> ['sweep', 'grid', 'train.learning_rate'].
 */
export function overridePath(dotted: string): string[] | undefined {
  const segments = dotted.split('.');
  if (!segments.every((segment) => SEGMENT.test(segment))) return undefined;
  if (segments[0] === 'sweep' && (segments[1] === 'grid' || segments[1] === 'zip') && segments.length > 3) {
    return [segments[0], segments[1], segments.slice(2).join('.')];
  }
  return segments;
}

/**
 * Parses one `--set path=value` argument; the value is YAML (`64`,
 * `[0.1, 0.01]`, `{type: vae}`). Problems name the argument and the column in it.
 */
export function parseOverride(argument: string): { source?: YamlSource; issues: ConfigIssue[] } {
  const file = `${ARGUMENT_PREFIX}${argument}`;
  const pathColumn = ARGUMENT_PREFIX.length + 1;
  const fail = (column: number, message: string) => ({
    issues: [{ file, line: 1, column, path: '', message, origin: 'argument' as const }],
  });
  const equals = argument.indexOf('=');
  if (equals < 0) return fail(pathColumn, 'expected path=value, e.g. --set model.hidden_units=64');
  const dotted = argument.slice(0, equals);
  const root = overridePath(dotted);
  if (root === undefined) {
    return fail(pathColumn, `invalid path '${dotted}': expected dotted keys such as model.hidden_units or sweep.seeds`);
  }
  if (root[0] === 'extends') return fail(pathColumn, "'extends' cannot be overridden: overrides apply after it");
  // Columns count in the argument as messages show it, `--set path=value`.
  const columnOffset = ARGUMENT_PREFIX.length + equals + 1;
  return parseYamlText(argument.slice(equals + 1), { file, origin: 'argument', root, columnOffset });
}

/**
 * What to say when a command gets more positional arguments than it takes and
 * has `--set` overrides: Nx passes arguments on to a shell without quoting
 * them, so a value with spaces arrives in pieces.
 */
export const SPLIT_OVERRIDE_HINT =
  "if a --set value has spaces and went through nx, nx split it: write it without spaces (--set 'path=[0.1,0.01]') " +
  `or quote it twice (--set "'path=[0.1, 0.01]'")`;

/** Parses every `--set` argument; all problems at once. */
export function parseOverrides(argumentsList: readonly string[]): { sources: YamlSource[]; issues: ConfigIssue[] } {
  const sources: YamlSource[] = [];
  const issues: ConfigIssue[] = [];
  for (const argument of argumentsList) {
    const parsed = parseOverride(argument);
    if (parsed.source !== undefined) sources.push(parsed.source);
    issues.push(...parsed.issues);
  }
  return { sources, issues };
}
