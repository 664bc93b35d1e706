/**
 * Keys as names, and the key tables the reducers act on. The reducers only
 * react to actions found in these tables, and the help screen and the footers
 * are generated from the same tables, so what `?` shows is what the keys do.
 */
import type { Key } from 'ink';

/** A printable character as itself (' ' for space), or a name: up, down, enter, esc, pageup, ctrl+u, … */
export type KeyName = string;

/** One entry of a key table: the keys, what they do, and the short footer text (if shown in the footer). */
export interface Binding<A extends string = string> {
  keys: readonly KeyName[];
  action: A;
  help: string;
  footer?: string;
  /** How the footer names the keys, when not by the keys themselves (e.g. '↑↓' for a pair of bindings). */
  footerLabel?: string;
}

/**
 * Ink's (input, key) as key names. Text typed faster than a frame (or sent by
 * tmux) arrives as one chunk: it is split into one key per character.
 */
export function keyNames(input: string, key: Key): KeyName[] {
  if (key.upArrow) return ['up'];
  if (key.downArrow) return ['down'];
  if (key.leftArrow) return ['left'];
  if (key.rightArrow) return ['right'];
  if (key.pageUp) return ['pageup'];
  if (key.pageDown) return ['pagedown'];
  if (key.home) return ['home'];
  if (key.end) return ['end'];
  if (key.return) return ['enter'];
  if (key.escape) return ['esc'];
  if (key.backspace || key.delete) return ['backspace'];
  if (key.tab) return ['tab'];
  if (key.ctrl) return input ? [`ctrl+${input}`] : [];
  if (key.meta) return [];
  return [...input].map(charName);
}

/** A character of a chunk of input: control characters by name (an Enter typed right after text is `\r`). */
function charName(c: string): KeyName {
  if (c === '\r' || c === '\n') return 'enter';
  if (c === '\t') return 'tab';
  if (c === '\u007f' || c === '\b') return 'backspace';
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 ? `ctrl+${String.fromCharCode(code + 0x60)}` : c;
}

/** A printable character (text in the filter line), as opposed to a named key. */
export function isText(key: KeyName): boolean {
  return [...key].length === 1 && (key.codePointAt(0) ?? 0) >= 0x20;
}

export function actionOf<A extends string>(table: readonly Binding<A>[], key: KeyName): A | undefined {
  return table.find((b) => b.keys.includes(key))?.action;
}

const KEY_LABELS: Record<string, string> = {
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'pgup',
  pagedown: 'pgdn',
  ' ': 'space',
};

export function keyLabel(key: KeyName): string {
  return KEY_LABELS[key] ?? key;
}

export function bindingLabel(binding: Binding): string {
  return binding.keys.map(keyLabel).join(' / ');
}

/** The footer line of a screen: its footer bindings, then the global ones. */
export function footerText(...tables: ReadonlyArray<readonly Binding[]>): string {
  return tables
    .flat()
    .filter((b) => b.footer !== undefined)
    .map((b) => `${b.footerLabel ?? b.keys.slice(0, 2).map(keyLabel).join('/')} ${b.footer}`)
    .join('  ');
}
