/** The dashboard's key handling as plain reducers: key sequences in, state out; no Ink. */
import { describe, expect, it } from 'vitest';
import type { Key } from 'ink';
import { actionOf, type Binding, footerText, keyNames } from '../src/keys.js';
import { GLOBAL_KEYS, initialState, reduceApp, topScreen } from '../src/state/app.js';
import { footerBindings, helpSections, needsScreenData, SCREEN_KEYS } from '../src/state/keymap.js';
import { runsOf } from '../src/state/sweeps.js';
import type { AppState, RunsContext, Screen, ScreenContext } from '../src/state/types.js';

/** Presses keys in order against a fixed context. */
function press(state: AppState, keys: string[], ctx: ScreenContext | null = null): AppState {
  return keys.reduce((s, k) => reduceApp(s, k, ctx), state);
}

function withTop(screen: Screen, state = initialState()): AppState {
  return { ...state, stack: [...state.stack, screen] };
}

const RUNS: RunsContext = {
  kind: 'runs',
  keys: ['r1', 'r2', 'r3', 'r4', 'r5'],
  page: 2,
  runIds: { r1: ['r1'], r2: ['r2'], r3: ['r3'], r4: ['r4'], r5: ['r5'] },
  sortColumns: [
    { key: 'index', lowerIsBetter: null },
    { key: 'param:model.hidden_units', lowerIsBetter: null },
    { key: 'metric:ais_log_likelihood', lowerIsBetter: false },
    { key: 'metric:recon_error', lowerIsBetter: true },
  ],
  scrollable: 3,
};

const runsState = () => withTop(runsOf('s1'));
const top = (s: AppState) => topScreen(s);

describe('global keys', () => {
  it('opens help over any screen, closes it with any key, and quits on q', () => {
    const help = press(runsState(), ['?']);
    expect(top(help)).toEqual({ kind: 'help', from: 'runs' });
    expect(top(press(help, ['x']))).toMatchObject({ kind: 'runs' });
    expect(top(press(help, ['?']))).toMatchObject({ kind: 'runs' });
    expect(press(help, ['q']).quit).toBe(true);
    expect(press(initialState(), ['q']).quit).toBe(true);
  });

  it('goes back on esc and backspace, never past the sweeps list', () => {
    const back = press(runsState(), ['esc']);
    expect(back.stack).toHaveLength(1);
    expect(press(back, ['esc', 'backspace']).stack).toEqual([{ kind: 'sweeps', cursor: null }]);
  });

  it('shows a message for one key only', () => {
    const told = press(runsState(), ['c'], RUNS);
    expect(told.message).toMatch(/select 2 to 4/);
    expect(press(told, ['j'], RUNS).message).toBeNull();
  });
});

describe('sweeps list', () => {
  const ctx: ScreenContext = { kind: 'sweeps', keys: ['a', 'b', 'c', 'd'], page: 2 };
  it('moves by row, page and end, and opens the runs or the heatmap of the sweep under the cursor', () => {
    const s = initialState();
    expect(top(press(s, ['down', 'j'], ctx))).toEqual({ kind: 'sweeps', cursor: 'c' });
    expect(top(press(s, ['G', 'up'], ctx))).toEqual({ kind: 'sweeps', cursor: 'c' });
    expect(top(press(s, ['pagedown', 'pagedown', 'pagedown'], ctx))).toEqual({ kind: 'sweeps', cursor: 'd' });
    expect(top(press(s, ['end', 'home', 'up'], ctx))).toEqual({ kind: 'sweeps', cursor: 'a' });
    expect(top(press(s, ['down', 'enter'], ctx))).toEqual(runsOf('b'));
    expect(top(press(s, ['h'], ctx))).toMatchObject({ kind: 'heatmap', sweepId: 'a', pair: 0 });
  });

  it('ignores keys that need rows before they are loaded', () => {
    expect(press(initialState(), ['down', 'enter'], null).stack).toHaveLength(1);
  });
});

describe('runs table', () => {
  it('cycles the sort over the shown columns, best first for higher-is-better metrics, S reverses', () => {
    const sorts = [1, 2, 3, 4].map((n) => top(press(runsState(), Array(n).fill('s'), RUNS)));
    expect(sorts.map((s) => s.kind === 'runs' && [s.sortKey, s.descending])).toEqual([
      ['param:model.hidden_units', false],
      ['metric:ais_log_likelihood', true],
      ['metric:recon_error', false],
      ['index', false],
    ]);
    expect(top(press(runsState(), ['s', 's', 'S'], RUNS))).toMatchObject({ descending: false });
  });

  it('selects up to 4 rows with space, then says why not; c compares the selected runs', () => {
    const four = press(runsState(), [' ', 'j', ' ', 'j', ' ', 'j', ' '], RUNS);
    expect(top(four)).toMatchObject({ selected: ['r1', 'r2', 'r3', 'r4'] });
    const fifth = press(four, ['j', ' '], RUNS);
    expect(fifth.message).toMatch(/at most 4/);
    expect(top(press(four, [' '], RUNS))).toMatchObject({ selected: ['r1', 'r2', 'r3'] });
    expect(top(press(four, ['x'], RUNS))).toMatchObject({ selected: [] });
    expect(top(press(four, ['c'], RUNS))).toEqual({
      kind: 'compare',
      sweepId: 's1',
      subjects: [['r1'], ['r2'], ['r3'], ['r4']],
      metric: 0,
    });
  });

  it('takes every printable key as filter text while typing, q and ? included', () => {
    const typed = press(runsState(), ['/', 'q', '?', 'a', '>', '=', '1', 'backspace'], RUNS);
    expect(top(typed)).toMatchObject({ editing: true, filter: 'q?a>=' });
    expect(typed.quit).toBe(false);
    expect(top(press(typed, ['enter'], RUNS))).toMatchObject({ editing: false, filter: 'q?a>=' });
    expect(top(press(typed, ['esc'], RUNS))).toMatchObject({ editing: false, filter: '' });
    expect(top(press(typed, ['ctrl+u'], RUNS))).toMatchObject({ editing: true, filter: '' });
  });

  it('toggles grouping (starting the cursor and selection over) and best/final values', () => {
    const marked = press(runsState(), ['j', ' '], RUNS);
    const grouped = press(marked, ['a'], RUNS);
    expect(grouped.settings.grouped).toBe(true);
    expect(top(grouped)).toMatchObject({ cursor: null, selected: [] });
    expect(press(grouped, ['a'], RUNS).settings.grouped).toBe(false);
    expect(press(runsState(), ['b'], RUNS).settings.values).toBe('best');
    expect(press(runsState(), ['b', 'b'], RUNS).settings.values).toBe('final');
  });

  it('scrolls the columns within the scrollable ones and opens the column chooser', () => {
    expect(top(press(runsState(), [']', ']', ']', ']'], RUNS))).toMatchObject({ scroll: 2 });
    expect(top(press(runsState(), [']', '[', '['], RUNS))).toMatchObject({ scroll: 0 });
    expect(top(press(runsState(), ['v'], RUNS))).toEqual({ kind: 'columns', sweepId: 's1', cursor: null });
  });

  it('opens the detail of the row under the cursor: a run, or all runs of a group', () => {
    const groups: RunsContext = { ...RUNS, keys: ['g1', 'g2'], runIds: { g1: ['a', 'b'], g2: ['c', 'd', 'e'] } };
    const grouped = { ...runsState(), settings: { ...runsState().settings, grouped: true } };
    expect(top(press(grouped, ['j', 'enter'], groups))).toEqual({
      kind: 'detail',
      sweepId: 's1',
      subject: ['c', 'd', 'e'],
      grouped: true,
      metric: 0,
    });
  });
});

describe('curve screens', () => {
  const detail = withTop({ kind: 'detail', sweepId: 's1', subject: ['r2'], grouped: false, metric: 0 });
  const ctx: ScreenContext = {
    kind: 'detail',
    subjects: [['r1'], ['r2'], ['r3']],
    sampleEpochs: [10, 20, 30],
    finalSamples: true,
  };

  it('steps through the runs of the sweep with ← →, stopping at the ends', () => {
    expect(top(press(detail, ['right'], ctx))).toMatchObject({ subject: ['r3'] });
    expect(top(press(detail, ['right', 'right'], ctx))).toMatchObject({ subject: ['r3'] });
    expect(top(press(detail, ['left', 'left'], ctx))).toMatchObject({ subject: ['r1'] });
  });

  it('scrubs the samples with , and . through the sampled epochs to the final samples, stopping at the ends', () => {
    const epochs = (keys: string[]) => top(press(detail, keys, ctx)) as { sampleEpoch?: number };
    expect(epochs([',']).sampleEpoch).toBe(30);
    expect(epochs([',', ',', ',', ',']).sampleEpoch).toBe(10);
    expect(epochs([',', ',', '.']).sampleEpoch).toBe(30);
    // past the last sampled epoch: the final samples (undefined: the latest)
    expect(epochs([',', '.']).sampleEpoch).toBeUndefined();
    expect(epochs(['.']).sampleEpoch).toBeUndefined();
    // the chosen epoch stays when stepping to the next run
    expect(top(press(detail, [',', ',', 'right'], ctx))).toMatchObject({ subject: ['r3'], sampleEpoch: 20 });
    // a run still training (no final samples): the latest is its last sampled epoch
    const live = { ...ctx, finalSamples: false };
    expect((top(press(detail, [','], live)) as { sampleEpoch?: number }).sampleEpoch).toBe(20);
    expect((top(press(detail, [',', '.'], live)) as { sampleEpoch?: number }).sampleEpoch).toBeUndefined();
  });

  it('cycles the curve with m/M, smoothing with e (off, 0.6, 0.9) and the log scale with l', () => {
    expect(top(press(detail, ['m', 'm', 'M'], ctx))).toMatchObject({ metric: 1 });
    const smoothing = [1, 2, 3].map((n) => press(detail, Array(n).fill('e'), ctx).settings.smoothing);
    expect(smoothing).toEqual([0.6, 0.9, 0]);
    expect(press(detail, ['l'], ctx).settings.logScale).toBe(true);
    const compare = withTop({ kind: 'compare', sweepId: 's1', subjects: [['a'], ['b']], metric: 0 });
    expect(press(compare, ['e', 'l'], null).settings).toMatchObject({ smoothing: 0.6, logScale: true });
  });

  it('heatmap: metric, pair, transpose, grouping', () => {
    const heat = withTop({ kind: 'heatmap', sweepId: 's1', pair: 0, transpose: false, metric: 0 });
    expect(top(press(heat, ['m', 'p', 'p', 't'], null))).toMatchObject({ metric: 1, pair: 2, transpose: true });
    expect(press(heat, ['a'], null).settings.grouped).toBe(true);
  });
});

describe('keys while a screen loads', () => {
  it('lets help, back, quit and the toggles through, and holds keys that act on rows', () => {
    const runs = runsOf('s1');
    for (const key of ['?', 'esc', 'q', 'a', 'b']) expect(needsScreenData(runs, key)).toBe(false);
    for (const key of ['j', 'enter', ' ', 's', '/', ']']) expect(needsScreenData(runs, key)).toBe(true);
    const detail: Screen = { kind: 'detail', sweepId: 's1', subject: ['r'], grouped: false, metric: 0 };
    for (const key of ['e', 'l']) expect(needsScreenData(detail, key)).toBe(false);
    for (const key of [',', '.', 'right']) expect(needsScreenData(detail, key)).toBe(true);
    // typing a filter is text, and needs nothing
    expect(needsScreenData(runs, 'j', true)).toBe(false);
  });
});

describe('column chooser', () => {
  const ctx: ScreenContext = {
    kind: 'columns',
    keys: ['param:h', 'metric:a', 'metric:b', 'status'],
    page: 5,
    visible: ['param:h', 'metric:a', 'status'],
    defaults: ['param:h', 'metric:a', 'status'],
  };
  const chooser = withTop({ kind: 'columns', sweepId: 's1', cursor: null });

  it('hides a shown column and shows a hidden one in table order, per sweep; r resets', () => {
    const hidden = press(chooser, [' '], ctx);
    expect(hidden.settings.columns).toEqual({ s1: ['metric:a', 'status'] });
    const shown = press(chooser, ['j', 'j', ' '], ctx);
    expect(shown.settings.columns).toEqual({ s1: ['param:h', 'metric:a', 'metric:b', 'status'] });
    const other = { ...shown, settings: { ...shown.settings, columns: { ...shown.settings.columns, s2: ['status'] } } };
    expect(press(other, ['r'], ctx).settings.columns).toEqual({ s2: ['status'] });
  });
});

describe('key names', () => {
  const plain = {} as Key;
  it('splits a chunk of typed text into keys, control characters by name', () => {
    // tmux sends ')' and Enter together: the Enter must end the filter, not become text in it
    expect(keyNames(')\r', plain)).toEqual([')', 'enter']);
    expect(keyNames('a\u007f\u0015\t', plain)).toEqual(['a', 'backspace', 'ctrl+u', 'tab']);
    expect(keyNames('', { ...plain, downArrow: true })).toEqual(['down']);
    expect(keyNames('u', { ...plain, ctrl: true })).toEqual(['ctrl+u']);
    const typed = press(runsState(), ['/', ...keyNames('seed=2)\r', plain)], RUNS);
    expect(top(typed)).toMatchObject({ editing: false, filter: 'seed=2)' });
  });
});

describe('key tables', () => {
  const kinds = Object.keys(SCREEN_KEYS) as Array<Screen['kind']>;

  it('bind each key once per screen, global keys included', () => {
    for (const kind of kinds) {
      const keys = [...GLOBAL_KEYS, ...SCREEN_KEYS[kind]].flatMap((b) => b.keys);
      expect(new Set(keys).size, kind).toBe(keys.length);
    }
  });

  it('give a key one meaning across the app', () => {
    const meaning = new Map<string, string>();
    for (const binding of kinds.flatMap((k) => SCREEN_KEYS[k] as readonly Binding[])) {
      for (const key of binding.keys) {
        const seen = meaning.get(key);
        expect(seen === undefined || seen === binding.action, `${key}: ${seen} and ${binding.action}`).toBe(true);
        meaning.set(key, binding.action);
      }
    }
  });

  it('are what the help lists, with the screen it was opened from first', () => {
    const sections = helpSections('heatmap');
    expect(sections.map((s) => s.title).slice(0, 3)).toEqual([
      'everywhere',
      'lists (sweeps, runs, columns)',
      'heatmap',
    ]);
    const listed = new Set(sections.flatMap((s) => s.bindings));
    for (const kind of kinds) for (const b of SCREEN_KEYS[kind]) expect(listed.has(b), `${kind} ${b.help}`).toBe(true);
  });

  it('make the footers, and a footer names only keys its screen acts on', () => {
    const footer = footerText(...footerBindings('runs'));
    expect(footer).toContain('a group seeds');
    expect(footer).toContain('/ filter');
    expect(footerText(...footerBindings('runs', true))).toBe('enter keep  esc clear');
    for (const kind of kinds) {
      for (const b of footerBindings(kind).flat()) {
        expect(actionOf([...GLOBAL_KEYS, ...SCREEN_KEYS[kind]], b.keys[0]), `${kind}: ${b.keys[0]}`).toBeDefined();
      }
    }
  });
});
