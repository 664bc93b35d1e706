/** Checks a JSON Schema cannot express: data-dependent values, sweep axes that clash, names, metric names. */
import { isPlainObject, parseCharacterSelection } from '@rbm-lab/datasets';
import type { ConfigIssue } from './errors.js';
import { type AxisChoice, canonicalJson, type SweepSource } from './grid.js';
import { issueAt, type Located, locate } from './locate.js';
import { modelMetricNames, recordsMetric } from './metric-names.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

type Report = (path: PathSegment[], message: string, where?: Located['at']) => void;

/** The selected characters' count, reporting unknown and repeated characters; undefined if none is valid. */
function characterCount(characters: unknown, report: Report): number | undefined {
  if (typeof characters !== 'string' && !Array.isArray(characters)) return undefined;
  const tokens = Array.isArray(characters)
    ? characters.flatMap((token, i) =>
        typeof token === 'string' || typeof token === 'number' ? [{ token, path: ['dataset', 'characters', i] }] : [],
      )
    : characters
        .split(',')
        .filter((t) => t.trim() !== '')
        .map((token) => ({ token, path: ['dataset', 'characters'] }));
  if (tokens.length === 0) {
    if (typeof characters === 'string' && characters !== '') {
      report(['dataset', 'characters'], 'empty selection: choose at least one character');
    }
    return undefined;
  }
  const first = new Map<number, string | number>();
  for (const { token, path } of tokens) {
    let index: number;
    try {
      index = parseCharacterSelection([token])[0];
    } catch (error) {
      report(path, (error as Error).message);
      continue;
    }
    const earlier = first.get(index);
    if (earlier === undefined) first.set(index, token);
    else report(path, `duplicate character ${JSON.stringify(token)}: ${JSON.stringify(earlier)} is already selected`);
  }
  return first.size;
}

/** Dataset keys that do not apply to the dataset, and AlphaDigits' character selection. */
export function datasetIssues(
  study: Record<string, unknown>,
  sources: readonly YamlSource[],
  combo: readonly AxisChoice[],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const dataset = study.dataset;
  if (!isPlainObject(dataset)) return issues;
  const report: Report = (path, message, where = 'value') =>
    issues.push(locate(sources, combo, { path, at: where }, message));
  const foreign = (keys: string[], other: string) => {
    for (const key of keys) {
      if (key in dataset) {
        report(['dataset', key], `'${key}' applies to ${other} only (dataset.name is ${dataset.name})`, 'key');
      }
    }
  };
  if (dataset.name === 'alphadigits') {
    foreign(['digits', 'limit', 'test_limit', 'binarize', 'threshold'], 'mnist');
    const selected = characterCount(dataset.characters, report) ?? 36;
    if (typeof dataset.n_characters === 'number' && dataset.n_characters > selected) {
      report(
        ['dataset', 'n_characters'],
        `expected at most ${selected} (the number of selected characters), got ${dataset.n_characters}`,
      );
    }
  } else if (dataset.name === 'mnist') {
    foreign(['characters', 'n_characters'], 'alphadigits');
  }
  return issues;
}

/** `eval.metrics` and `eval.main_metric` against the metrics the grid point's model type records. */
export function metricIssues(
  study: Record<string, unknown>,
  sources: readonly YamlSource[],
  combo: readonly AxisChoice[],
): ConfigIssue[] {
  const model = study.model;
  const evaluation = study.eval;
  if (!isPlainObject(model) || typeof model.type !== 'string' || !isPlainObject(evaluation)) return [];
  const names = modelMetricNames(model.type);
  if (names === undefined) return [];
  const issues: ConfigIssue[] = [];
  if (Array.isArray(evaluation.metrics)) {
    evaluation.metrics.forEach((name, i) => {
      if (typeof name !== 'string' || names.evaluate.includes(name)) return;
      const message = `unknown metric '${name}' for a ${model.type} model (expected one of: ${names.evaluate.join(', ')})`;
      issues.push(locate(sources, combo, { path: ['eval', 'metrics', i], at: 'value' }, message));
    });
  }
  const main = evaluation.main_metric;
  const quality = evaluation.quality !== false && evaluation.n_samples !== 0;
  if (isPlainObject(main) && typeof main.name === 'string' && !recordsMetric(names, main.name, quality)) {
    const scale = names.generative ? (quality ? ' and the quality scale' : ' (the quality scale is off)') : '';
    const recorded = [...names.recorded, ...names.recordedPatterns.map(String)].join(', ');
    const message = `a ${model.type} run does not record '${main.name}': it records ${recorded}${scale}`;
    issues.push(locate(sources, combo, { path: ['eval', 'main_metric', 'name'], at: 'value' }, message));
  }
  return issues;
}

interface Axis {
  path: string;
  source: SweepSource;
  values: unknown[];
}

function axesOf(sweep: Record<string, unknown>): Axis[] {
  return (['grid', 'zip'] as const).flatMap((source) => {
    const axes = sweep[source];
    if (!isPlainObject(axes)) return [];
    return Object.entries(axes).flatMap(([path, values]) => (Array.isArray(values) ? [{ path, source, values }] : []));
  });
}

/** Paths that cannot be swept, and pairs of axes where one would overwrite the other's values. */
function axisPathIssues(axes: readonly Axis[], sources: readonly YamlSource[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const atKey = (axis: Axis, message: string) =>
    issues.push(issueAt(sources, { path: ['sweep', axis.source, axis.path], at: 'key' }, message));
  for (const axis of axes) {
    const { path } = axis;
    if (['seed', 'name', 'extends', 'description'].includes(path) || path === 'sweep' || path.startsWith('sweep.')) {
      atKey(axis, `'${path}' cannot be swept here${path === 'seed' ? ' (use sweep.seeds)' : ''}`);
    }
    for (const other of axes) {
      if (other === axis) continue;
      if (other.path === path && axis.source === 'zip' && other.source === 'grid') {
        atKey(axis, `'${path}' is swept in both sweep.grid and sweep.zip; keep it in one`);
      } else if (path.startsWith(`${other.path}.`)) {
        atKey(
          axis,
          `'${path}' lies inside '${other.path}', which sweep.${other.source} also sweeps: one would overwrite the ` +
            `other's values; sweep '${other.path}' with ${path.slice(other.path.length + 1)} in its values instead`,
        );
      }
    }
  }
  return issues;
}

/** Zip rows that repeat: the same run would train twice (values repeated on a grid axis are the schema's). */
function repeatedZipRows(axes: readonly Axis[], sources: readonly YamlSource[]): ConfigIssue[] {
  const zip = axes.filter((a) => a.source === 'zip');
  if (zip.length === 0 || zip.some((a) => a.values.length !== zip[0].values.length)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < zip[0].values.length; i++) {
    const key = canonicalJson(zip.map((a) => a.values[i]));
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, i);
      continue;
    }
    const message = `zip row ${i} repeats row ${earlier} (${zip.map((a) => a.path).join(', ')}); its runs would train twice`;
    issues.push(issueAt(sources, { path: ['sweep', 'zip', zip[0].path, i], at: 'value' }, message));
  }
  return issues;
}

/** Zip lists of unequal lengths, axes that clash, repeated zip rows. */
export function sweepIssues(study: Record<string, unknown>, sources: readonly YamlSource[]): ConfigIssue[] {
  const sweep = study.sweep;
  if (!isPlainObject(sweep)) return [];
  const axes = axesOf(sweep);
  const issues: ConfigIssue[] = [];
  const zip = axes.filter((a) => a.source === 'zip');
  for (const axis of zip.slice(1)) {
    if (axis.values.length === zip[0].values.length) continue;
    const message = `zip lists must have equal lengths: ${axis.values.length} values here, ${zip[0].values.length} in '${zip[0].path}'`;
    issues.push(issueAt(sources, { path: ['sweep', 'zip', axis.path], at: 'value' }, message));
  }
  return [...issues, ...axisPathIssues(axes, sources), ...repeatedZipRows(axes, sources)];
}

/** A name that is also a folder: not `*.db`, not one of the database's own files (`reserved`, compared without case). */
export function nameIssues(
  study: Record<string, unknown>,
  sources: readonly YamlSource[],
  reserved: readonly string[],
): ConfigIssue[] {
  const name = study.name;
  if (typeof name !== 'string') return [];
  const at: Located = { path: ['name'], at: 'value' };
  if (reserved.some((r) => r.toLowerCase() === name.toLowerCase())) {
    const message = `'${name}' is the name of a database file beside the artifact folders; choose another name`;
    return [issueAt(sources, at, message)];
  }
  if (name.toLowerCase().endsWith('.db')) {
    const message =
      "a name ending in '.db' could be taken for a database beside the artifact folders; choose another name";
    return [issueAt(sources, at, message)];
  }
  return [];
}
