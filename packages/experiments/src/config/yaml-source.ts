import { readFileSync } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigIssue } from './errors.js';

/** A parsed YAML file that remembers where every value came from. */
export interface YamlSource {
  /** The file name as shown in messages. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
}

export type PathSegment = string | number;

/** Reads and parses a YAML file; syntax errors come back as located issues. */
export function readYamlSource(path: string, displayName: string): { source?: YamlSource; issues: ConfigIssue[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return {
      issues: [{ file: displayName, line: 0, column: 0, path: '', message: `cannot read the study file (${reason})` }],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = doc.errors.map((error) => {
    const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    return {
      file: displayName,
      line: pos.line,
      column: pos.col,
      path: '',
      message: `YAML syntax: ${firstLine(error.message)}`,
    };
  });
  if (issues.length > 0) return { issues };
  return { source: { file: displayName, doc, lineCounter, value: doc.toJS({ maxAliasCount: 1000 }) }, issues };
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
 * Finds the YAML node at `path`. Returns how many segments matched (the
 * deepest existing ancestor when the full path is absent) and its position.
 * `at: 'key'` points at the key of the last segment instead of its value.
 */
export function locateInSource(
  source: YamlSource,
  path: PathSegment[],
  at: 'value' | 'key' = 'value',
): { matched: number; line: number; column: number } {
  let node: unknown = source.doc.contents;
  let keyNode: Node | undefined;
  let matched = 0;
  for (const segment of path) {
    const child = childOf(source, node, segment);
    if (child === undefined) break;
    matched++;
    keyNode = child.key;
    node = child.value ?? child.key;
  }
  const target = at === 'key' && matched === path.length && keyNode !== undefined ? keyNode : resolveNodeForRange(node);
  const offset = target?.range?.[0] ?? 0;
  const pos = source.lineCounter.linePos(offset);
  return { matched, line: pos.line, column: pos.col };
}

function resolveNodeForRange(node: unknown): Node | undefined {
  return node !== null && typeof node === 'object' && 'range' in node ? (node as Node) : undefined;
}
