/** A study from its file, the `extends` chain under it and `--set` overrides over it. */
import { dirname, relative, resolve } from 'node:path';
import { isPlainObject } from '@rbm-lab/datasets';
import type { ConfigIssue } from './errors.js';
import { setPath } from './grid.js';
import { issueAt, position } from './locate.js';
import { locateInSource, readYamlSource, type YamlSource } from './yaml-source.js';

/** Hydra-like composition: maps merge deeply, lists and scalars from `over` replace `base`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const result: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) result[key] = key in base ? deepMerge(base[key], value) : value;
    return result;
  }
  return over === undefined ? base : over;
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}

function extendsIssue(referrer: YamlSource, message: string): ConfigIssue {
  const at = locateInSource(referrer, ['extends']);
  return { file: referrer.file, line: at.line, column: at.column, path: 'extends', message };
}

/** Reads the study file and its `extends` chain, most derived first. */
export function readChain(path: string, cwd: string): { sources: YamlSource[]; issues: ConfigIssue[] } {
  const sources: YamlSource[] = [];
  const seen = new Set<string>();
  let current = resolve(cwd, path);
  let referrer: YamlSource | undefined;
  for (;;) {
    const display = displayPath(current, cwd);
    if (seen.has(current) && referrer !== undefined) {
      return { sources, issues: [extendsIssue(referrer, `circular extends: ${display} is already in the chain`)] };
    }
    seen.add(current);
    const { source, issues } = readYamlSource(current, display);
    if (source === undefined) {
      if (referrer !== undefined && issues.length === 1 && issues[0].line === 0) {
        return { sources, issues: [extendsIssue(referrer, `base file ${display}: ${issues[0].message}`)] };
      }
      return { sources, issues };
    }
    if (!isPlainObject(source.value)) {
      const message = 'expected a mapping of sections (name, dataset, model, train, eval, sweep)';
      return { sources, issues: [{ file: display, line: 1, column: 1, path: '', message }] };
    }
    sources.push(source);
    const base = source.value.extends;
    if (typeof base !== 'string') return { sources, issues: [] };
    referrer = source;
    current = resolve(dirname(current), base);
  }
}

/** `sweep.extend_grid` of one file: must be true or false, and only where there is a parent to extend. */
function extendGridIssues(source: YamlSource): ConfigIssue[] {
  const value = source.value as Record<string, unknown>;
  const sweep = value.sweep;
  if (!isPlainObject(sweep) || !('extend_grid' in sweep)) return [];
  const at = { path: ['sweep', 'extend_grid'], at: 'value' as const };
  const issue = (message: string) => ({ ...position([source], at), path: 'sweep.extend_grid', message });
  if (typeof sweep.extend_grid !== 'boolean') return [issue('expected true or false')];
  if (typeof value.extends !== 'string') {
    return [issue('extend_grid keeps the grid of the study this file extends, but the file has no extends')];
  }
  return [];
}

/**
 * Merges the chain, base first: maps deeply, lists replaced, except that a
 * file's `sweep.grid` and `sweep.zip` each replace its parent's, unless the
 * file sets `sweep.extend_grid: true` (then its axes are added to the
 * parent's). `seeds` and the other sweep keys merge as before.
 */
export function mergeChain(sources: readonly YamlSource[]): { merged: Record<string, unknown>; issues: ConfigIssue[] } {
  const issues = sources.flatMap(extendGridIssues);
  let merged: Record<string, unknown> = {};
  for (const source of [...sources].reverse()) {
    const value = source.value as Record<string, unknown>;
    const sweep = value.sweep;
    if (isPlainObject(sweep) && isPlainObject(merged.sweep) && sweep.extend_grid !== true) {
      const replaced = ['grid', 'zip'].filter((key) => key in sweep);
      merged.sweep = Object.fromEntries(Object.entries(merged.sweep).filter(([key]) => !replaced.includes(key)));
    }
    merged = deepMerge(merged, value) as Record<string, unknown>;
  }
  delete merged.extends;
  if (isPlainObject(merged.sweep)) {
    const { extend_grid: _extendGrid, ...sweep } = merged.sweep;
    merged.sweep = sweep;
  }
  return { merged, issues };
}

function sweptPaths(study: Record<string, unknown>): Array<{ path: string; source: 'grid' | 'zip' }> {
  const sweep = isPlainObject(study.sweep) ? study.sweep : {};
  return (['grid', 'zip'] as const).flatMap((source) =>
    isPlainObject(sweep[source]) ? Object.keys(sweep[source]).map((path) => ({ path, source })) : [],
  );
}

/**
 * Applies `--set` overrides (in order: a later one wins) after `extends`. An
 * override of a value every grid point sweeps would change nothing: an error
 * that says to override the axis instead.
 */
export function applyOverrides(
  study: Record<string, unknown>,
  overrides: readonly YamlSource[],
): { merged: Record<string, unknown>; issues: ConfigIssue[] } {
  let merged = study;
  for (const override of overrides) merged = setPath(merged, override.root, override.value);
  const issues: ConfigIssue[] = [];
  const axes = sweptPaths(merged);
  for (const override of overrides) {
    const dotted = override.root.join('.');
    if (override.root[0] === 'sweep') {
      const setsExtendGrid =
        dotted === 'sweep.extend_grid' ||
        (dotted === 'sweep' && isPlainObject(override.value) && 'extend_grid' in override.value);
      if (setsExtendGrid) {
        const message = 'extend_grid applies between study files (with extends), not to --set';
        issues.push(issueAt([override], { path: ['sweep', 'extend_grid'], at: 'value' }, message));
      }
      continue;
    }
    const axis = axes.find(({ path }) => dotted === path || dotted.startsWith(`${path}.`));
    if (axis !== undefined) {
      const message =
        `'${axis.path}' is swept by sweep.${axis.source}, which sets it at every grid point; ` +
        `override the axis instead, e.g. --set 'sweep.${axis.source}.${axis.path}=[...]'`;
      issues.push(issueAt([override], { path: override.root, at: 'key' }, message));
    }
  }
  if (isPlainObject(merged.sweep) && 'extend_grid' in merged.sweep) {
    const { extend_grid: _extendGrid, ...sweep } = merged.sweep;
    merged = { ...merged, sweep };
  }
  return { merged, issues };
}
