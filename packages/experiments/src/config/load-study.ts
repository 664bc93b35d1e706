import { dirname, relative, resolve } from 'node:path';
import type { ErrorObject, ModelSpec } from '@rbm-lab/core';
import { isPlainObject, parseCharacterSelection } from '@rbm-lab/datasets';
import { StudyConfigError, type ConfigIssue } from './errors.js';
import { applyCombination, splitPath, sweepCombinations, type AxisChoice } from './grid.js';
import { studyValidator } from './study-schema.js';
import type { Study } from './types.js';
import { locateInSource, readYamlSource, type YamlSource } from './yaml-source.js';

/** Above this many grid points a study is almost certainly a mistake (and would take days here). */
export const MAX_GRID_POINTS = 5000;

export interface LoadedStudy {
  study: Study;
  /** The study file as given, then its bases (most derived first). */
  files: string[];
}

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

/** Reads the study file and its `extends` chain, most derived first. */
function readChain(path: string, cwd: string): { sources: YamlSource[]; issues: ConfigIssue[] } {
  const sources: YamlSource[] = [];
  const seen = new Set<string>();
  let current = resolve(cwd, path);
  let referrer: { source: YamlSource } | undefined;
  for (;;) {
    const display = displayPath(current, cwd);
    if (seen.has(current)) {
      const at = locateInSource(referrer!.source, ['extends']);
      return {
        sources,
        issues: [
          {
            file: referrer!.source.file,
            line: at.line,
            column: at.column,
            path: 'extends',
            message: `circular extends: ${display} is already in the chain`,
          },
        ],
      };
    }
    seen.add(current);
    const { source, issues } = readYamlSource(current, display);
    if (source === undefined) {
      if (referrer !== undefined && issues.length === 1 && issues[0].line === 0) {
        const at = locateInSource(referrer.source, ['extends']);
        return {
          sources,
          issues: [
            {
              file: referrer.source.file,
              line: at.line,
              column: at.column,
              path: 'extends',
              message: `base file ${display}: ${issues[0].message}`,
            },
          ],
        };
      }
      return { sources, issues };
    }
    if (!isPlainObject(source.value)) {
      return {
        sources,
        issues: [
          {
            file: display,
            line: 1,
            column: 1,
            path: '',
            message: 'expected a mapping of sections (name, dataset, model, train, eval, sweep)',
          },
        ],
      };
    }
    sources.push(source);
    const base = source.value.extends;
    if (typeof base !== 'string') return { sources, issues: [] };
    referrer = { source };
    current = resolve(dirname(current), base);
  }
}

interface Located {
  /** Path in the merged study. */
  path: Array<string | number>;
  at: 'value' | 'key';
}

/** Where in the YAML files a problem at `target` (a path in one grid point's study) should be shown. */
function locate(sources: YamlSource[], combo: readonly AxisChoice[], target: Located, message: string): ConfigIssue {
  const dotted = target.path.map(String).join('.');
  for (const choice of combo) {
    const swept = splitPath(choice.path);
    const startsWith = (long: ReadonlyArray<string | number>, short: readonly string[]) =>
      short.every((segment, i) => String(long[i]) === segment);
    if (target.path.length >= swept.length && startsWith(target.path, swept)) {
      const rest = target.path.slice(swept.length);
      const inSweep =
        rest.length === 0 && target.at === 'key'
          ? { path: ['sweep', choice.source, choice.path], at: 'key' as const }
          : { path: ['sweep', choice.source, choice.path, choice.index, ...rest], at: target.at };
      return { ...position(sources, inSweep), path: dotted, message };
    }
    if (target.path.length < swept.length && startsWith(swept, target.path.map(String))) {
      return {
        ...position(sources, { path: ['sweep', choice.source, choice.path], at: 'key' }),
        path: dotted,
        message,
      };
    }
  }
  return { ...position(sources, target), path: dotted, message };
}

function position(sources: YamlSource[], target: Located): { file: string; line: number; column: number } {
  let best: { source: YamlSource; line: number; column: number; matched: number } | undefined;
  for (const source of sources) {
    const found = locateInSource(source, target.path, target.at);
    if (found.matched === target.path.length) return { file: source.file, line: found.line, column: found.column };
    if (best === undefined || found.matched > best.matched) best = { source, ...found };
  }
  return best === undefined
    ? { file: '?', line: 0, column: 0 }
    : { file: best.source.file, line: best.line, column: best.column };
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value); // NaN and Infinity (YAML .nan, .inf), which JSON shows as null
  return `${typeof value === 'string' ? 'string ' : ''}${JSON.stringify(value)}`;
}

function describeSchema(schema: unknown): string {
  if (!isPlainObject(schema)) return 'a value';
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const parts = types.map((t) => {
    if (t === 'array') return 'a list';
    if (t === 'object') return 'a mapping';
    if (t === 'integer') return 'an integer';
    if (t === 'string') return 'a string';
    if (t === 'number') return 'a number';
    if (t === 'boolean') return 'true or false';
    return 'a value';
  });
  let text = parts.join(' or ');
  if (typeof schema.minimum === 'number') text += ` >= ${schema.minimum}`;
  return text;
}

function ajvIssues(errors: ErrorObject[], sources: YamlSource[], combo: readonly AxisChoice[]): ConfigIssue[] {
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.schemaPath);
  const issues: ConfigIssue[] = [];
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    if (oneOfPaths.some((p) => error.schemaPath.startsWith(`${p}/`))) continue;
    const base = pointerToPath(error.instancePath);
    const params = error.params as Record<string, unknown>;
    const got = describeValue(error.data);
    let target: Located = { path: base, at: 'value' };
    let message: string;
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const known = isPlainObject(error.parentSchema?.properties) ? Object.keys(error.parentSchema.properties) : [];
        target = { path: [...base, key], at: 'key' };
        message = `unknown key '${key}'${known.length > 0 ? ` (expected one of: ${known.join(', ')})` : ''}`;
        break;
      }
      case 'required':
        message = `missing required key '${String(params.missingProperty)}'`;
        target = { path: base, at: base.length === 0 ? 'value' : 'key' };
        break;
      case 'type':
        message = `expected ${describeSchema({ type: params.type })}, got ${got}`;
        break;
      case 'enum':
        message = `expected one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${got}`;
        break;
      case 'oneOf':
        message = `expected ${((error.schema as unknown[]) ?? []).map(describeSchema).join(', or ')}; got ${got}`;
        break;
      case 'pattern':
        if (params.propertyName !== undefined || error.propertyName !== undefined) {
          const key = String(error.propertyName ?? params.propertyName);
          target = { path: [...base, key], at: 'key' };
          message = `invalid parameter path '${key}': expected dotted keys such as model.hidden_units`;
        } else {
          message = `${error.message ?? 'invalid'}; got ${got}`;
        }
        break;
      case 'minItems':
        message =
          base[0] === 'sweep' && Number(params.limit) === 1
            ? 'empty list: a sweep axis needs at least one value (the grid would have no runs)'
            : `${error.message ?? 'too few items'}; got ${Array.isArray(error.data) ? error.data.length : got}`;
        break;
      default:
        message = `${error.message ?? 'invalid'}; got ${got}`;
    }
    issues.push(locate(sources, combo, target, message));
  }
  return issues;
}

/** Checks JSON Schema cannot express: data-dependent values and zip lengths. */
function semanticIssues(
  study: Record<string, unknown>,
  sources: YamlSource[],
  combo: readonly AxisChoice[],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const dataset = study.dataset;
  if (!isPlainObject(dataset)) return issues;
  const at = (path: Array<string | number>, message: string, where: 'value' | 'key' = 'value') =>
    issues.push(locate(sources, combo, { path, at: where }, message));
  if (dataset.name === 'alphadigits') {
    for (const key of ['digits', 'limit', 'test_limit', 'binarize', 'threshold']) {
      if (key in dataset) at(['dataset', key], `'${key}' applies to mnist only (dataset.name is alphadigits)`, 'key');
    }
    let selected = 36;
    const characters = dataset.characters;
    if (typeof characters === 'string' || Array.isArray(characters)) {
      const tokens: Array<{ token: string | number; path: Array<string | number> }> = Array.isArray(characters)
        ? characters
            .map((token, i) => ({ token: token as string | number, path: ['dataset', 'characters', i] }))
            .filter(({ token }) => typeof token === 'string' || typeof token === 'number')
        : String(characters)
            .split(',')
            .filter((t) => t.trim() !== '')
            .map((token) => ({ token, path: ['dataset', 'characters'] }));
      let valid = true;
      for (const { token, path } of tokens) {
        try {
          parseCharacterSelection([token]);
        } catch (error) {
          valid = false;
          at(path, (error as Error).message);
        }
      }
      if (valid) {
        try {
          selected = parseCharacterSelection(characters as string | Array<string | number>).length;
        } catch (error) {
          at(['dataset', 'characters'], (error as Error).message);
        }
      }
    }
    if (typeof dataset.n_characters === 'number' && dataset.n_characters > selected) {
      at(
        ['dataset', 'n_characters'],
        `expected at most ${selected} (the number of selected characters), got ${dataset.n_characters}`,
      );
    }
  } else if (dataset.name === 'mnist') {
    for (const key of ['characters', 'n_characters']) {
      if (key in dataset) at(['dataset', key], `'${key}' applies to alphadigits only (dataset.name is mnist)`, 'key');
    }
  }
  return issues;
}

function zipIssues(study: Record<string, unknown>, sources: YamlSource[]): ConfigIssue[] {
  const sweep = study.sweep;
  if (!isPlainObject(sweep)) return [];
  const issues: ConfigIssue[] = [];
  const zip = isPlainObject(sweep.zip) ? Object.entries(sweep.zip).filter(([, v]) => Array.isArray(v)) : [];
  if (zip.length > 1) {
    const first = zip[0];
    for (const [path, values] of zip.slice(1)) {
      if ((values as unknown[]).length !== (first[1] as unknown[]).length) {
        issues.push({
          ...position(sources, { path: ['sweep', 'zip', path], at: 'value' }),
          path: `sweep.zip.${path}`,
          message: `zip lists must have equal lengths: ${(values as unknown[]).length} values here, ${(first[1] as unknown[]).length} in '${first[0]}'`,
        });
      }
    }
  }
  const grid = isPlainObject(sweep.grid) ? Object.keys(sweep.grid) : [];
  for (const [path] of zip) {
    if (grid.includes(path)) {
      issues.push({
        ...position(sources, { path: ['sweep', 'zip', path], at: 'key' }),
        path: `sweep.zip.${path}`,
        message: `'${path}' is swept in both sweep.grid and sweep.zip; keep it in one`,
      });
    }
  }
  const all = [...grid, ...zip.map(([p]) => p)];
  for (const path of all) {
    if (
      path === 'seed' ||
      path === 'name' ||
      path.startsWith('sweep') ||
      path === 'extends' ||
      path === 'description'
    ) {
      const source = grid.includes(path) ? 'grid' : 'zip';
      issues.push({
        ...position(sources, { path: ['sweep', source, path], at: 'key' }),
        path: `sweep.${source}.${path}`,
        message: `'${path}' cannot be swept here${path === 'seed' ? ' (use sweep.seeds)' : ''}`,
      });
    }
  }
  return issues;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.file}:${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Reads a study file (and its `extends` chain), validates every grid point
 * against the schema composed from the model specs, and returns the merged
 * study, or throws StudyConfigError listing every problem with its position.
 */
export function loadStudy(path: string, specs: readonly ModelSpec[], cwd: string = process.cwd()): LoadedStudy {
  const { sources, issues } = readChain(path, cwd);
  if (issues.length > 0) throw new StudyConfigError(issues);
  const merged = sources.reduceRight<unknown>((acc, source) => deepMerge(acc, source.value), {}) as Record<
    string,
    unknown
  >;
  delete merged.extends;

  const validate = studyValidator(specs);
  const found: ConfigIssue[] = [...zipIssues(merged, sources)];
  let combos: AxisChoice[][] = [[]];
  const sweep = merged.sweep;
  const sweepShapeValid =
    isPlainObject(sweep) &&
    [sweep.grid, sweep.zip].every(
      (axes) => axes === undefined || (isPlainObject(axes) && Object.values(axes).every(Array.isArray)),
    );
  if (sweepShapeValid) {
    // Empty axes are reported by the schema; the other axes' values still get checked.
    const nonEmpty = (axes: unknown) =>
      isPlainObject(axes)
        ? Object.fromEntries(Object.entries(axes).filter(([, v]) => (v as unknown[]).length > 0))
        : undefined;
    combos = sweepCombinations({ sweep: { grid: nonEmpty(sweep.grid), zip: nonEmpty(sweep.zip) } } as Study);
  }
  if (combos.length > MAX_GRID_POINTS) {
    found.push({
      ...position(sources, { path: ['sweep'], at: 'key' }),
      path: 'sweep',
      message: `the grid has ${combos.length} points; at most ${MAX_GRID_POINTS} are allowed`,
    });
    combos = [[]];
  }
  for (const combo of combos) {
    const point = applyCombination(merged, combo);
    // A copy: the validator fills in defaults, and the study returned must hold only what its files set.
    if (!validate(structuredClone(point))) found.push(...ajvIssues(validate.errors ?? [], sources, combo));
    found.push(...semanticIssues(point, sources, combo));
    if (found.length > 50) break; // the same mistake repeated over a large grid: enough to fix it
  }
  const unique = dedupe(found);
  if (unique.length > 0) {
    unique.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : 0));
    throw new StudyConfigError(unique);
  }
  return { study: merged as unknown as Study, files: sources.map((s) => s.file) };
}
