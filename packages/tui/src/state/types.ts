/**
 * The dashboard's state: a stack of screens plus settings shared by the
 * screens. Plain data, changed only by the pure reducers in this folder.
 */

/** Which value a metric cell shows: the final metric, or the best epoch of its per-epoch curve. */
export type ValueMode = 'final' | 'best';

export interface Settings {
  /** Runs that differ only by seed are one row (runs table) or one cell summary (heatmap). */
  grouped: boolean;
  values: ValueMode;
  /** EMA weight of the curve views; 0 is off. */
  smoothing: number;
  logScale: boolean;
  /** Visible runs-table columns per sweep id; a sweep without an entry shows the defaults. */
  columns: Readonly<Record<string, readonly string[]>>;
}

export interface SweepsScreen {
  kind: 'sweeps';
  /** Cursor by sweep id, so refreshes and re-sorting keep it on the same sweep. */
  cursor: string | null;
}

export interface RunsScreen {
  kind: 'runs';
  sweepId: string;
  /** Cursor by row key (a run id, or a group key when grouped). */
  cursor: string | null;
  sortKey: string;
  descending: boolean;
  filter: string;
  editing: boolean;
  /** Marked rows (row keys) for comparison. */
  selected: string[];
  /** How many scrollable columns are scrolled out to the left. */
  scroll: number;
}

/** One run, or a group of runs that differ only by seed. */
export type Subject = readonly string[];

export interface DetailScreen {
  kind: 'detail';
  sweepId: string;
  subject: Subject;
  /** Whether ←/→ step through groups (opened from a grouped table) or runs. */
  grouped: boolean;
  metric: number;
  /**
   * The epoch whose samples are shown (`,`/`.` scrub through them); undefined:
   * the latest, the final samples once the run has them (follows a live run).
   */
  sampleEpoch?: number;
}

export interface CompareScreen {
  kind: 'compare';
  sweepId: string;
  subjects: Subject[];
  metric: number;
}

export interface HeatmapScreen {
  kind: 'heatmap';
  sweepId: string;
  pair: number;
  transpose: boolean;
  metric: number;
}

export interface ColumnsScreen {
  kind: 'columns';
  sweepId: string;
  cursor: string | null;
}

export interface HelpScreen {
  kind: 'help';
  /** The screen the help was opened from; its keys are listed first. */
  from: Screen['kind'];
}

export type Screen =
  | SweepsScreen
  | RunsScreen
  | DetailScreen
  | CompareScreen
  | HeatmapScreen
  | ColumnsScreen
  | HelpScreen;

export interface AppState {
  stack: Screen[];
  settings: Settings;
  /** A one-key message in the status line (cleared by the next key). */
  message: string | null;
  quit: boolean;
}

/** What a screen reducer asks for: replace itself, open a screen, go back, change settings, say something. */
export interface Outcome<S extends Screen = Screen> {
  screen?: S;
  push?: Screen;
  back?: boolean;
  settings?: Partial<Settings>;
  message?: string;
}

// ---------------------------------------------------------------- what the reducers need to know of the data

/** Rows of a list screen in display order, by key, and the page size for pgup/pgdn. */
export interface ListContext {
  keys: readonly string[];
  page: number;
}

export interface RunsContext extends ListContext {
  kind: 'runs';
  /** Run ids behind each row key (one run, or a group). */
  runIds: Readonly<Record<string, readonly string[]>>;
  /** The shown columns, in order, for cycling the sort. */
  sortColumns: ReadonlyArray<{ key: string; lowerIsBetter: boolean | null }>;
  /** How many scroll positions the columns have at the terminal's width (1: all fit). */
  scrollable: number;
}

export interface SweepsContext extends ListContext {
  kind: 'sweeps';
}

export interface DetailContext {
  kind: 'detail';
  /** The runs (or groups) of the sweep in table order, for ←/→. */
  subjects: readonly Subject[];
  /** Epochs with samples from training, ascending, for `,`/`.`. */
  sampleEpochs: readonly number[];
  /** Whether final samples follow the last of them. */
  finalSamples: boolean;
}

export interface ColumnsContext extends ListContext {
  kind: 'columns';
  /** Keys are the choosable columns; these are the shown ones and the defaults. */
  visible: readonly string[];
  defaults: readonly string[];
}

/** What the current screen shows, for the keys that depend on it; screens that need nothing have none. */
export type ScreenContext = SweepsContext | RunsContext | DetailContext | ColumnsContext;
