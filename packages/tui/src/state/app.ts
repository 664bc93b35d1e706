/**
 * The dashboard as a state machine: reduceApp(state, key, context) handles the
 * keys that mean the same everywhere (help, quit, back), then hands the key to
 * the reducer of the screen on top. Pure: no React, no store, no terminal.
 */
import { actionOf, type Binding, type KeyName } from '../keys.js';
import { reduceColumns } from './columns.js';
import { reduceCompare, reduceDetail } from './detail.js';
import { reduceHeatmap } from './heatmap.js';
import { reduceFilterInput, reduceRuns } from './runs.js';
import { reduceSweeps } from './sweeps.js';
import type { AppState, Outcome, Screen, ScreenContext, Settings } from './types.js';

export const GLOBAL_KEYS: readonly Binding<'help' | 'quit' | 'back'>[] = [
  { keys: ['?'], action: 'help', help: 'this help', footer: 'help' },
  { keys: ['esc', 'backspace'], action: 'back', help: 'back', footer: 'back', footerLabel: 'esc' },
  { keys: ['q'], action: 'quit', help: 'quit', footer: 'quit' },
];

export const DEFAULT_SETTINGS: Settings = {
  grouped: false,
  values: 'final',
  smoothing: 0,
  logScale: false,
  columns: {},
};

export function initialState(settings: Partial<Settings> = {}): AppState {
  return {
    stack: [{ kind: 'sweeps', cursor: null }],
    settings: { ...DEFAULT_SETTINGS, ...settings },
    message: null,
    quit: false,
  };
}

export function topScreen(state: AppState): Screen {
  return state.stack[state.stack.length - 1];
}

function apply(state: AppState, outcome: Outcome): AppState {
  let stack = state.stack;
  if (outcome.back) stack = stack.length > 1 ? stack.slice(0, -1) : stack;
  if (outcome.screen) stack = [...stack.slice(0, -1), outcome.screen];
  if (outcome.push) stack = [...stack, outcome.push];
  const settings = outcome.settings ? { ...state.settings, ...outcome.settings } : state.settings;
  return { ...state, stack, settings, message: outcome.message ?? null };
}

function contextFor<K extends ScreenContext['kind']>(
  ctx: ScreenContext | null,
  kind: K,
): Extract<ScreenContext, { kind: K }> | null {
  return ctx !== null && ctx.kind === kind ? (ctx as Extract<ScreenContext, { kind: K }>) : null;
}

function reduceScreen(screen: Screen, key: KeyName, ctx: ScreenContext | null, settings: Settings): Outcome {
  switch (screen.kind) {
    case 'sweeps':
      return reduceSweeps(screen, key, contextFor(ctx, 'sweeps'));
    case 'runs':
      return reduceRuns(screen, key, contextFor(ctx, 'runs'), settings);
    case 'detail':
      return reduceDetail(screen, key, contextFor(ctx, 'detail'), settings);
    case 'compare':
      return reduceCompare(screen, key, settings);
    case 'heatmap':
      return reduceHeatmap(screen, key, settings);
    case 'columns':
      return reduceColumns(screen, key, contextFor(ctx, 'columns'), settings);
    case 'help':
      return { back: true };
  }
}

/**
 * One key press. `ctx` describes what the top screen shows (rows in order,
 * columns); keys that need it do nothing while it is null (not loaded yet).
 */
export function reduceApp(state: AppState, key: KeyName, ctx: ScreenContext | null): AppState {
  const screen = topScreen(state);
  // While the filter is typed every printable key is text, `q` and `?` included.
  if (screen.kind === 'runs' && screen.editing) return apply(state, reduceFilterInput(screen, key));
  switch (actionOf(GLOBAL_KEYS, key)) {
    case 'quit':
      return { ...state, quit: true };
    case 'help':
      return screen.kind === 'help'
        ? apply(state, { back: true })
        : apply(state, { push: { kind: 'help', from: screen.kind } });
    case 'back':
      return apply(state, { back: true });
    default:
      return apply(state, reduceScreen(screen, key, ctx, state.settings));
  }
}
