import type { ConfigIssue } from './errors.js';
import { type AxisChoice, splitPath } from './grid.js';
import { locateInSource, type PathSegment, type YamlSource } from './yaml-source.js';

/** A place in the merged study: a value, or the key that holds it. */
export interface Located {
  path: PathSegment[];
  at: 'value' | 'key';
}

export type Position = Pick<ConfigIssue, 'file' | 'line' | 'column' | 'origin'>;

/**
 * Where the text at `target` is: in the most derived source (a `--set`
 * argument, then the study file, then its bases) that holds the whole path,
 * else in the one holding the deepest part of it.
 */
export function position(sources: readonly YamlSource[], target: Located): Position {
  let best: { source: YamlSource; line: number; column: number; matched: number } | undefined;
  for (const source of sources) {
    const found = locateInSource(source, target.path, target.at);
    if (found.matched === target.path.length) return positionIn(source, found);
    if (best === undefined || found.matched > best.matched) best = { source, ...found };
  }
  return best === undefined ? { file: '?', line: 0, column: 0 } : positionIn(best.source, best);
}

function positionIn(source: YamlSource, at: { line: number; column: number }): Position {
  return {
    file: source.file,
    line: at.line,
    column: at.column,
    ...(source.origin === 'argument' ? { origin: 'argument' as const } : {}),
  };
}

/** An issue at `target`, a path in the merged study. */
export function issueAt(sources: readonly YamlSource[], target: Located, message: string): ConfigIssue {
  return { ...position(sources, target), path: target.path.map(String).join('.'), message };
}

function startsWith(long: readonly PathSegment[], short: readonly PathSegment[]): boolean {
  return short.every((segment, i) => String(long[i]) === String(segment));
}

/**
 * Where a problem at `target` (a path in one grid point's study) should be
 * shown: in the sweep axis that set the value at this grid point, if one did,
 * else where the study sets it.
 */
export function locate(
  sources: readonly YamlSource[],
  combo: readonly AxisChoice[],
  target: Located,
  message: string,
): ConfigIssue {
  const dotted = target.path.map(String).join('.');
  for (const choice of combo) {
    const swept = splitPath(choice.path);
    if (target.path.length >= swept.length && startsWith(target.path, swept)) {
      const rest = target.path.slice(swept.length);
      const inSweep: Located =
        rest.length === 0 && target.at === 'key'
          ? { path: ['sweep', choice.source, choice.path], at: 'key' }
          : { path: ['sweep', choice.source, choice.path, choice.index, ...rest], at: target.at };
      return { ...position(sources, inSweep), path: dotted, message };
    }
    if (target.path.length < swept.length && startsWith(swept, target.path)) {
      return {
        ...position(sources, { path: ['sweep', choice.source, choice.path], at: 'key' }),
        path: dotted,
        message,
      };
    }
  }
  return { ...position(sources, target), path: dotted, message };
}
