import { readFileSync, statSync } from 'node:fs';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { ConfigIssue } from './errors.js';
import { MAX_ALIAS_COUNT, MAX_STUDY_FILE_BYTES } from './limits.js';

export type PathSegment = string | number;

/** How a `--set` override is shown in messages, before its `path=value`. */
export const ARGUMENT_PREFIX = '--set ';

/** A parsed YAML text that remembers where every value came from. */
export interface YamlSource {
  /** The file name as shown in messages, or the `--set` argument. */
  file: string;
  /** 'argument': a `--set path=value` override, whose positions are columns in the argument. */
  origin: 'file' | 'argument';
  /** Where the document's value sits in the study: [] for a file, the override's path for an argument. */
  root: string[];
  /** Added to every column: where the YAML text starts in the argument (0 for a file). */
  columnOffset: number;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
}

function issueAt(
  where: Pick<YamlSource, 'file' | 'origin'>,
  line: number,
  column: number,
  message: string,
): ConfigIssue {
  return {
    file: where.file,
    line,
    column,
    path: '',
    message,
    ...(where.origin === 'argument' ? { origin: 'argument' } : {}),
  };
}

/** The text starts columnOffset characters into an argument; its later lines start lines of their own. */
function shiftColumn(where: Pick<YamlSource, 'columnOffset'>, line: number, column: number): number {
  return line === 1 ? column + where.columnOffset : column;
}

/** Reads and parses a YAML file; a missing, oversized or malformed file comes back as located issues. */
export function readYamlSource(path: string, displayName: string): { source?: YamlSource; issues: ConfigIssue[] } {
  const fileWhere = { file: displayName, origin: 'file' as const };
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > MAX_STUDY_FILE_BYTES) {
      const message = `the study file has ${size} bytes; at most ${MAX_STUDY_FILE_BYTES} (1 MB) are allowed`;
      return { issues: [issueAt(fileWhere, 0, 0, message)] };
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder' : (error as Error).message;
    return { issues: [issueAt(fileWhere, 0, 0, `cannot read the study file (${reason})`)] };
  }
  return parseYamlText(text, { file: displayName, origin: 'file', root: [], columnOffset: 0 });
}

/** Parses YAML text (a file's or a `--set` value's); syntax errors and alias bombs come back as located issues. */
export function parseYamlText(
  text: string,
  where: Pick<YamlSource, 'file' | 'origin' | 'root' | 'columnOffset'>,
): { source?: YamlSource; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = doc.errors.map((error) => {
    const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    return issueAt(where, pos.line, shiftColumn(where, pos.line, pos.col), `YAML syntax: ${firstLine(error.message)}`);
  });
  if (issues.length > 0) return { issues };
  const partial = { ...where, doc, lineCounter, value: undefined };
  try {
    return { source: { ...partial, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) }, issues };
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const at = firstAliasPosition(partial);
    const message = `YAML aliases expand to more than ${MAX_ALIAS_COUNT} values; write the values out instead`;
    return { issues: [issueAt(where, at.line, at.column, message)] };
  }
}

function firstAliasPosition(source: Omit<YamlSource, 'value'>): { line: number; column: number } {
  let offset = 0;
  visit(source.doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return positionOf(source, offset);
}

function positionOf(source: Pick<YamlSource, 'lineCounter' | 'columnOffset'>, offset: number) {
  const pos = source.lineCounter.linePos(offset);
  return { line: pos.line, column: shiftColumn(source, pos.line, pos.col) };
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

function resolveNode(source: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

function childOf(source: YamlSource, node: unknown, segment: PathSegment): { value?: Node; key?: Node } | undefined {
  const container = resolveNode(source, node);
  if (isMap(container)) {
    for (const item of container.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? item.key.value : item.key;
      if (String(key) === String(segment)) {
        return { value: (item.value ?? undefined) as Node | undefined, key: item.key as Node };
      }
    }
    return undefined;
  }
  if (isSeq(container)) {
    const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : -1;
    if (index < 0 || index >= container.items.length) return undefined;
    return { value: container.items[index] as Node };
  }
  return undefined;
}

/**
 * Finds the YAML node at `path` (a path in the study). Returns how many
 * segments matched (the deepest existing ancestor when the full path is
 * absent) and its position. `at: 'key'` points at the key of the last segment
 * instead of its value. A `--set` override only answers for paths at or below
 * its own: it sets nothing above it.
 */
export function locateInSource(
  source: YamlSource,
  path: PathSegment[],
  at: 'value' | 'key' = 'value',
): { matched: number; line: number; column: number } {
  const { root } = source;
  if (path.length < root.length || root.some((segment, i) => String(path[i]) !== segment)) {
    return { matched: 0, ...positionOf(source, 0) };
  }
  let node: unknown = source.doc.contents;
  let keyNode: Node | undefined;
  let matched = root.length;
  for (const segment of path.slice(root.length)) {
    const child = childOf(source, node, segment);
    if (child === undefined) break;
    matched++;
    keyNode = child.key;
    node = child.value ?? child.key;
  }
  // An argument's key is its path, at the start of the argument.
  if (at === 'key' && matched === path.length && path.length === root.length && source.origin === 'argument') {
    return { matched, line: 1, column: ARGUMENT_PREFIX.length + 1 };
  }
  const target = at === 'key' && matched === path.length && keyNode !== undefined ? keyNode : resolveNodeForRange(node);
  return { matched, ...positionOf(source, target?.range?.[0] ?? 0) };
}

function resolveNodeForRange(node: unknown): Node | undefined {
  return node !== null && typeof node === 'object' && 'range' in node ? (node as Node) : undefined;
}
