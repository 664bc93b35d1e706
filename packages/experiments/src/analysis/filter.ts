/**
 * The run filter language of the dashboard's `/` and (later) `rbm-lab list --where`:
 *
 *   hidden_units>=100 and status=finished and tag=keep
 *   (learning_rate=0.1 or learning_rate=0.01) and not status=failed
 *   fail                       a bare word: text match, as before
 *
 * Comparisons `= != < <= > >=` between a name and a value, and `~` (contains, as text); `and`, `or`, `not`
 * and parentheses (`not` binds tightest, then `and`, then `or`); terms written
 * next to each other are joined by `and`. Names are swept parameters (full
 * dotted path or its last segment), metric names, `status`, `seed`, `id`
 * (`=` matches a prefix), `tag` (`=` means "has the tag") and `note` (`=` means
 * "contains"). Values are numbers, bare words or quoted strings; text compares
 * without regard to case. A run without the named value matches no comparison.
 *
 * Parsing and name resolution never throw: they return a FilterError that
 * carries the 1-based column of the offending text.
 */
import { UserError } from '@rbm-lab/datasets';
import { formatNumber } from '../format.js';
import type { RunRecord } from '../store/types.js';

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; name: string; nameAt: number; op: CompareOp; value: string; quoted: boolean; valueAt: number }
  | { kind: 'text'; text: string; at: number };

/** A mistake in a filter expression, at a 1-based column. */
export class FilterError extends UserError {
  readonly expression: string;
  readonly column: number;
  readonly reason: string;

  constructor(expression: string, column: number, reason: string) {
    super(`filter, column ${column}: ${reason}`);
    this.expression = expression;
    this.column = column;
    this.reason = reason;
  }

  /** The expression and a caret under the offending column, for a status line or a CLI error. */
  pointer(): string {
    return `${this.expression}\n${' '.repeat(Math.max(0, this.column - 1))}^`;
  }
}

export type FilterResult<T> = { ok: true; value: T } | { ok: false; error: FilterError };

// ---------------------------------------------------------------- lexer

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'op'; op: CompareOp; at: number }
  | { kind: '(' | ')'; at: number }
  | { kind: 'end'; at: number };

const WORD_STOP = /[\s()=!<>~"']/;

function tokenize(text: string): FilterResult<Token[]> {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (at: number, reason: string): FilterResult<Token[]> => ({
    ok: false,
    error: new FilterError(text, at + 1, reason),
  });
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) i += 1;
    else if (c === '(' || c === ')') tokens.push({ kind: c, at: i++ });
    else if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return fail(i, `unterminated quote ${c}`);
      tokens.push({ kind: 'string', text: text.slice(i + 1, close), at: i });
      i = close + 1;
    } else if (c === '~') {
      tokens.push({ kind: 'op', op: '~', at: i++ });
    } else if (c === '=' || c === '<' || c === '>' || c === '!') {
      const two = text.slice(i, i + 2);
      const op = (['!=', '<=', '>=', '=='].includes(two) ? two : c) as CompareOp | '!' | '==';
      if (op === '!') return fail(i, "'!' must be followed by '=' (or use `not`)");
      tokens.push({ kind: 'op', op: op === '==' ? '=' : op, at: i });
      i += op.length;
    } else {
      const start = i;
      while (i < text.length && !WORD_STOP.test(text[i])) i += 1;
      tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
    }
  }
  tokens.push({ kind: 'end', at: text.length });
  return { ok: true, value: tokens };
}

// ---------------------------------------------------------------- parser

const isKeyword = (t: Token, word: 'and' | 'or' | 'not') => t.kind === 'word' && t.text.toLowerCase() === word;

/** Recursive descent over the tokens: or := and ('or' and)*, and := unary ('and'? unary)*, unary := 'not' unary | primary. */
class Parser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterNode | null {
    if (this.peek().kind === 'end') return null;
    const node = this.or();
    const rest = this.peek();
    if (rest.kind === ')') this.fail(rest.at, "unexpected ')' (no '(' to close)");
    if (rest.kind !== 'end') this.fail(rest.at, 'expected `and`, `or` or the end of the filter');
    return node;
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private next(): Token {
    return this.tokens[this.position++];
  }

  private fail(at: number, reason: string): never {
    throw new FilterError(this.text, at + 1, reason);
  }

  private or(): FilterNode {
    let left = this.and();
    while (isKeyword(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private startsTerm(t: Token): boolean {
    return t.kind === '(' || t.kind === 'string' || (t.kind === 'word' && !isKeyword(t, 'or') && !isKeyword(t, 'and'));
  }

  private and(): FilterNode {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (isKeyword(t, 'and')) this.next();
      else if (!this.startsTerm(t)) return left;
      left = { kind: 'and', left, right: this.unary() };
    }
  }

  private unary(): FilterNode {
    if (isKeyword(this.peek(), 'not')) {
      this.next();
      return { kind: 'not', operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): FilterNode {
    const t = this.next();
    if (t.kind === '(') {
      const inner = this.or();
      if (this.peek().kind !== ')') this.fail(t.at, "this '(' is never closed");
      this.next();
      return inner;
    }
    if (t.kind === 'string') return { kind: 'text', text: t.text, at: t.at };
    if (t.kind === 'word' && !isKeyword(t, 'and') && !isKeyword(t, 'or')) {
      const op = this.peek();
      if (op.kind !== 'op') return { kind: 'text', text: t.text, at: t.at };
      this.next();
      const value = this.next();
      if (value.kind !== 'word' && value.kind !== 'string') this.fail(value.at, `expected a value after '${op.op}'`);
      return {
        kind: 'compare',
        name: t.text,
        nameAt: t.at,
        op: op.op,
        value: value.text,
        quoted: value.kind === 'string',
        valueAt: value.at,
      };
    }
    if (t.kind === 'op') this.fail(t.at, `expected a name before '${t.op}'`);
    if (t.kind === ')') this.fail(t.at, "unexpected ')'");
    if (t.kind === 'end') this.fail(t.at, 'the filter ends too early: expected a name, a word or (');
    return this.fail(t.at, `'${t.kind === 'word' ? t.text : ''}' needs an expression before it`);
  }
}

/** Parses a filter; an empty or blank filter is `null` (keeps every run). */
export function parseFilter(text: string): FilterResult<FilterNode | null> {
  const tokens = tokenize(text);
  if (!tokens.ok) return tokens;
  try {
    return { ok: true, value: new Parser(text, tokens.value).parse() };
  } catch (error) {
    if (error instanceof FilterError) return { ok: false, error };
    throw error;
  }
}

// ---------------------------------------------------------------- evaluation

/** A run as the filter sees it: the store's record, tags and note included. */
export type FilterableRun = RunRecord;

export type RunPredicate = (run: FilterableRun) => boolean;

/** The names a filter may use besides the built-in ones. */
export interface FilterFields {
  sweptParams: readonly string[];
  metrics: readonly string[];
}

type Field =
  | { kind: 'status' | 'id' | 'tag' | 'note' | 'seed' }
  | { kind: 'param'; path: string }
  | { kind: 'metric'; name: string };

const BUILTIN = ['status', 'seed', 'id', 'tag', 'note'] as const;
const EQUALITY_ONLY = new Set<Field['kind']>(['status', 'id', 'tag', 'note']);

function resolveName(node: Extract<FilterNode, { kind: 'compare' }>, fields: FilterFields, text: string): Field {
  const name = node.name;
  const lower = name.toLowerCase();
  const fail = (reason: string): never => {
    throw new FilterError(text, node.nameAt + 1, reason);
  };
  if ((BUILTIN as readonly string[]).includes(lower)) return { kind: lower as (typeof BUILTIN)[number] };
  if (fields.sweptParams.includes(name)) return { kind: 'param', path: name };
  const bySegment = fields.sweptParams.filter((p) => p.split('.').pop() === name);
  if (bySegment.length > 1) fail(`'${name}' is ambiguous: write ${bySegment.join(' or ')}`);
  if (bySegment.length === 1) return { kind: 'param', path: bySegment[0] };
  if (fields.metrics.includes(name)) return { kind: 'metric', name };
  const known = [...BUILTIN, ...fields.sweptParams.map((p) => p.split('.').pop() ?? p), ...fields.metrics];
  const listed = known.slice(0, 12).join(', ') + (known.length > 12 ? ', …' : '');
  return fail(`unknown name '${name}' (known: ${listed})`);
}

function fieldValue(run: FilterableRun, field: Field): unknown {
  switch (field.kind) {
    case 'status':
      return run.status;
    case 'id':
      return run.id;
    case 'seed':
      return run.seed;
    case 'tag':
      return run.tags;
    case 'note':
      return run.note ?? undefined;
    case 'param':
      return field.path === 'seed' && !(field.path in run.params) ? run.seed : run.params[field.path];
    case 'metric':
      return run.metrics[field.name];
  }
}

function compareNumbers(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '~':
      return false;
  }
}

function equalsText(value: unknown, literal: string): boolean {
  if (Array.isArray(value)) return value.some((v) => equalsText(v, literal)) || JSON.stringify(value) === literal;
  if (typeof value === 'number') return Number(literal) === value;
  if (value === null || value === undefined) return false;
  return String(value).toLowerCase() === literal.toLowerCase();
}

/** `~`: the value's text (any element of a list, such as the tags) contains the needle, without regard to case. */
function containsText(value: unknown, needle: string): boolean {
  if (Array.isArray(value)) return value.some((v) => containsText(v, needle));
  const shown =
    typeof value === 'number' ? formatNumber(value) : typeof value === 'string' ? value : JSON.stringify(value);
  return shown.toLowerCase().includes(needle);
}

function compilePredicate(node: Extract<FilterNode, { kind: 'compare' }>, field: Field, text: string): RunPredicate {
  const { op, value: literal } = node;
  const numeric = !node.quoted && literal.trim() !== '' && Number.isFinite(Number(literal)) ? Number(literal) : null;
  const textual = op === '=' || op === '!=' || op === '~';
  if (EQUALITY_ONLY.has(field.kind) && !textual)
    throw new FilterError(text, node.nameAt + 1, `'${node.name}' can only be compared with =, != or ~`);
  if (!textual && numeric === null)
    throw new FilterError(text, node.valueAt + 1, `'${op}' compares numbers, and '${literal}' is not a number`);
  const needle = literal.toLowerCase();
  const positive = (run: FilterableRun): boolean | undefined => {
    const value = fieldValue(run, field);
    if (value === undefined || value === null) return undefined;
    if (op === '~') return containsText(value, needle);
    if (field.kind === 'id') return String(value).toLowerCase().startsWith(needle);
    if (field.kind === 'note') return String(value).toLowerCase().includes(needle);
    if (field.kind === 'tag') return (value as readonly string[]).some((t) => t.toLowerCase() === needle);
    if (op === '=' || op === '!=') return equalsText(value, literal);
    return typeof value === 'number' && numeric !== null ? compareNumbers(value, op, numeric) : undefined;
  };
  // A run without the value matches no comparison, `!=` included.
  return (run) => {
    const matched = positive(run);
    if (matched === undefined) return false;
    return op === '!=' ? !matched : matched;
  };
}

/** What a bare word is matched against: id, status, name=value of params and metrics, tags, note. */
export function runSearchText(run: FilterableRun): string {
  const show = (v: unknown) =>
    typeof v === 'number' ? formatNumber(v) : typeof v === 'string' ? v : JSON.stringify(v);
  const parts = [run.id, run.status];
  for (const [path, v] of Object.entries(run.params))
    parts.push(`${path.split('.').pop()}=${show(v)}`, `${path}=${show(v)}`);
  for (const [name, v] of Object.entries(run.metrics)) parts.push(`${name}=${show(v)}`);
  parts.push(...run.tags, run.note ?? '');
  return parts.join(' ').toLowerCase();
}

function compileNode(node: FilterNode, fields: FilterFields, text: string): RunPredicate {
  switch (node.kind) {
    case 'and': {
      const [a, b] = [compileNode(node.left, fields, text), compileNode(node.right, fields, text)];
      return (run) => a(run) && b(run);
    }
    case 'or': {
      const [a, b] = [compileNode(node.left, fields, text), compileNode(node.right, fields, text)];
      return (run) => a(run) || b(run);
    }
    case 'not': {
      const a = compileNode(node.operand, fields, text);
      return (run) => !a(run);
    }
    case 'text': {
      const needle = node.text.toLowerCase();
      return (run) => runSearchText(run).includes(needle);
    }
    case 'compare':
      return compilePredicate(node, resolveName(node, fields, text), text);
  }
}

/** Parses a filter and binds its names; the predicate keeps every run when the filter is blank. */
export function compileFilter(text: string, fields: FilterFields): FilterResult<RunPredicate> {
  const parsed = parseFilter(text);
  if (!parsed.ok) return parsed;
  if (parsed.value === null) return { ok: true, value: () => true };
  try {
    return { ok: true, value: compileNode(parsed.value, fields, text) };
  } catch (error) {
    if (error instanceof FilterError) return { ok: false, error };
    throw error;
  }
}

/** The runs a filter keeps, in their order, or the error that says where the filter is wrong. */
export function filterRuns<R extends FilterableRun>(
  runs: readonly R[],
  text: string,
  fields: FilterFields,
): FilterResult<R[]> {
  const compiled = compileFilter(text, fields);
  if (!compiled.ok) return compiled;
  return { ok: true, value: runs.filter((run) => compiled.value(run)) };
}
