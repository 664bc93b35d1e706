import { type ErrorObject, jsonPointerSegments, SCHEMA_TYPE_WORDS } from '@rbm-lab/core';
import { isPlainObject } from '@rbm-lab/datasets';
import type { ConfigIssue } from './errors.js';
import type { AxisChoice } from './grid.js';
import { type Located, locate } from './locate.js';
import type { YamlSource } from './yaml-source.js';

export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value); // NaN and Infinity (YAML .nan, .inf), which JSON shows as null
  return `${typeof value === 'string' ? 'string ' : ''}${JSON.stringify(value)}`;
}

function typeNames(schema: unknown): string[] {
  if (!isPlainObject(schema)) return [];
  // ajv's type errors give a list of types as one string: "string,integer".
  const types = Array.isArray(schema.type) ? schema.type : String(schema.type ?? '').split(',');
  return types.filter((t): t is string => typeof t === 'string' && t !== '');
}

function describeSchema(schema: unknown): string {
  const text = typeNames(schema)
    .map((t) => SCHEMA_TYPE_WORDS[t] ?? 'a value')
    .join(' or ');
  if (!isPlainObject(schema)) return 'a value';
  const bounds = [
    typeof schema.minimum === 'number' ? `>= ${schema.minimum}` : '',
    typeof schema.maximum === 'number' ? `<= ${schema.maximum}` : '',
  ].filter((b) => b !== '');
  return bounds.length === 0 ? text || 'a value' : `${text} ${bounds.join(' and ')}`;
}

function jsonTypeOf(value: unknown): string[] {
  if (Array.isArray(value)) return ['array'];
  if (value === null) return ['null'];
  if (typeof value === 'object') return ['object'];
  if (typeof value === 'number') return Number.isInteger(value) ? ['integer', 'number'] : ['number'];
  return [typeof value];
}

/**
 * The branch of a failed oneOf whose type the value has (a list for a
 * list-or-string key), so its own errors can be shown instead of "expected
 * a string or a list"; undefined when no single branch fits.
 */
function matchingBranch(error: ErrorObject): number | undefined {
  const branches = Array.isArray(error.schema) ? error.schema : [];
  const types = jsonTypeOf(error.data);
  const fitting = branches.flatMap((branch, i) => (typeNames(branch).some((t) => types.includes(t)) ? [i] : []));
  return fitting.length === 1 ? fitting[0] : undefined;
}

/** Errors of a oneOf's matching branch replace the oneOf error; the other branches' errors are dropped. */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const kept = new Set<string>();
  for (const error of oneOfs) {
    const branch = matchingBranch(error);
    if (branch !== undefined) kept.add(`${error.schemaPath}/${branch}/`);
  }
  return errors.filter((error) => {
    const parent = oneOfs.find((o) => error.schemaPath.startsWith(`${o.schemaPath}/`));
    if (parent !== undefined) return [...kept].some((prefix) => error.schemaPath.startsWith(prefix));
    if (error.keyword === 'oneOf') return !kept.has(`${error.schemaPath}/${matchingBranch(error)}/`);
    return error.keyword !== 'if' && error.keyword !== 'propertyNames';
  });
}

const NAME_RULE =
  "expected 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (the name is also a folder name)";

function emptyListMessage(base: readonly string[]): string {
  if (base[0] === 'sweep') return 'empty list: a sweep axis needs at least one value (the grid would have no runs)';
  if (base.join('.') === 'dataset.characters') return 'empty list: choose at least one character';
  return 'empty list: expected at least one value';
}

/** The message of one ajv error and where to show it. */
function describeError(error: ErrorObject): { target: Located; message: string } {
  const base = jsonPointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const got = describeValue(error.data);
  const value: Located = { path: base, at: 'value' };
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = isPlainObject(error.parentSchema?.properties) ? Object.keys(error.parentSchema.properties) : [];
      const list = known.length > 0 ? ` (expected one of: ${known.join(', ')})` : '';
      return { target: { path: [...base, key], at: 'key' }, message: `unknown key '${key}'${list}` };
    }
    case 'required':
      return {
        target: { path: base, at: base.length === 0 ? 'value' : 'key' },
        message: `missing required key '${String(params.missingProperty)}'`,
      };
    case 'type':
      return { target: value, message: `expected ${describeSchema({ type: params.type })}, got ${got}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { target: value, message: `expected one of: ${allowed}; got ${got}` };
    }
    case 'oneOf': {
      const branches = Array.isArray(error.schema) ? error.schema : [];
      return { target: value, message: `expected ${branches.map(describeSchema).join(', or ')}; got ${got}` };
    }
    case 'uniqueItems': {
      // ajv names the two equal items; the later one is the repeat.
      const [earlier, later] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      const repeated = describeValue((error.data as unknown[])[later]);
      const consequence = base[0] === 'sweep' ? '; its runs would train twice' : '';
      return {
        target: { path: [...base, later], at: 'value' },
        message: `duplicate value ${repeated}: the same as item ${earlier}${consequence}`,
      };
    }
    case 'pattern':
      if (params.propertyName !== undefined || error.propertyName !== undefined) {
        const key = String(error.propertyName ?? params.propertyName);
        return {
          target: { path: [...base, key], at: 'key' },
          message: `invalid parameter path '${key}': expected dotted keys such as model.hidden_units`,
        };
      }
      return { target: value, message: `${base.join('.') === 'name' ? NAME_RULE : error.message}; got ${got}` };
    case 'minItems':
      if (Number(params.limit) === 1) return { target: value, message: emptyListMessage(base) };
      return { target: value, message: `${error.message ?? 'too few items'}; got ${(error.data as unknown[]).length}` };
    case 'minLength':
      return { target: value, message: Number(params.limit) === 1 ? 'empty string' : `${error.message}; got ${got}` };
    default:
      return { target: value, message: `${error.message ?? 'invalid'}; got ${got}` };
  }
}

/** ajv's errors for one grid point, as located issues (in the sweep axis that set the value, if one did). */
export function ajvIssues(
  errors: readonly ErrorObject[],
  sources: readonly YamlSource[],
  combo: readonly AxisChoice[],
): ConfigIssue[] {
  return relevantErrors(errors).map((error) => {
    const { target, message } = describeError(error);
    return locate(sources, combo, target, message);
  });
}
