/**
 * The screen on top of the stack, loaded: its data (through its data hook),
 * its view model, the context its keys need, and whether it is ready for keys.
 */
import { useMemo } from 'react';
import type { SweepSummary } from '@rbm-lab/experiments';
import {
  type SubjectData,
  type SubjectsData,
  type SweepData,
  useCompareData,
  useDetailData,
  useSweepData,
  useSweepsData,
} from './data/hooks.js';
import type { Loaded } from './data/use-load.js';
import type { StoreConnection } from './data/use-store.js';
import { topScreen } from './state/app.js';
import type { AppState, Screen, ScreenContext, Settings } from './state/types.js';
import type { CompareModel } from './view-model/compare.js';
import type { RunsTable } from './view-model/runs-table.js';
import {
  columnsScreenModel,
  compareScreenModel,
  detailScreenModel,
  type HeatmapScreenModel,
  heatmapScreenModel,
  runsScreenModel,
  sweepsScreenModel,
} from './view-model/screens.js';
import type { SweepRow } from './view-model/sweeps.js';

export type ScreenModel =
  | { kind: 'sweeps'; rows: SweepRow[] }
  | { kind: 'runs'; sweep: SweepSummary; table: RunsTable }
  | { kind: 'columns'; sweep: SweepSummary; table: RunsTable; visible: readonly string[] }
  | { kind: 'detail'; sweep: SweepSummary | undefined; subject: SubjectData; label: string }
  | { kind: 'compare'; sweep: SweepSummary | undefined; model: CompareModel; data: SubjectData[] }
  | { kind: 'heatmap'; sweep: SweepSummary | undefined; heatmap: HeatmapScreenModel }
  | { kind: 'help' }
  /** The subject of the screen is not in the database (any more). */
  | { kind: 'missing'; what: string };

export interface ActiveScreen {
  /** Null while the screen's data is loading (or there is no database). */
  model: ScreenModel | null;
  ctx: ScreenContext | null;
  /** Keys that need the screen's data wait until this is true. */
  ready: boolean;
  error: string | null;
  /** Where the screen is: sweep name, run, … (for the header). */
  crumbs: string[];
}

interface ScreenData {
  sweeps: Loaded<SweepSummary[]>;
  sweep: Loaded<SweepData>;
  detail: Loaded<SubjectsData>;
  compare: Loaded<SubjectsData>;
}

type Described = Omit<ActiveScreen, 'ready' | 'error'>;

const LOADING: Described = { model: null, ctx: null, crumbs: [] };

/** The screens over one sweep's runs: the runs table, the column chooser, the heatmap. */
function sweepScreen(screen: Screen, loaded: Loaded<SweepData>, settings: Settings, layout: Layout): Described {
  const data = loaded.value;
  if (!data) return LOADING;
  if (!data.sweep) return { ...LOADING, model: { kind: 'missing', what: 'sweep' } };
  const sweep = data.sweep;
  if (screen.kind === 'runs') {
    const m = runsScreenModel(data, screen, settings, layout.page, layout.width);
    return m ? { model: { kind: 'runs', sweep, table: m.table }, ctx: m.ctx, crumbs: [sweep.name] } : LOADING;
  }
  if (screen.kind === 'columns') {
    const m = columnsScreenModel(data, screen, settings, layout.page);
    if (!m) return LOADING;
    return {
      model: { kind: 'columns', sweep, table: m.table, visible: m.ctx.visible },
      ctx: m.ctx,
      crumbs: [sweep.name, 'columns'],
    };
  }
  if (screen.kind !== 'heatmap') return LOADING;
  const heatmap = heatmapScreenModel(data, screen, settings);
  return { model: { kind: 'heatmap', sweep, heatmap }, ctx: null, crumbs: [sweep.name, 'heatmap'] };
}

function describe(state: AppState, data: ScreenData, layout: Layout): Described {
  const screen = topScreen(state);
  switch (screen.kind) {
    case 'sweeps': {
      if (!data.sweeps.value) return LOADING;
      const { rows, ctx } = sweepsScreenModel(data.sweeps.value, layout.page);
      return { model: { kind: 'sweeps', rows }, ctx, crumbs: [] };
    }
    case 'runs':
    case 'columns':
    case 'heatmap':
      return sweepScreen(screen, data.sweep, state.settings, layout);
    case 'detail': {
      const loaded = data.detail.value;
      if (!loaded) return LOADING;
      const { subject, label, ctx } = detailScreenModel(loaded, screen);
      if (!subject) return { ...LOADING, model: { kind: 'missing', what: 'run' } };
      const crumbs = [
        loaded.sweep?.name ?? '',
        subject.runs.length > 1 ? `group ${label}` : `run ${label.split(' ')[0]}`,
      ];
      return { model: { kind: 'detail', sweep: loaded.sweep, subject, label }, ctx, crumbs };
    }
    case 'compare': {
      const loaded = data.compare.value;
      if (!loaded) return LOADING;
      const model = compareScreenModel(loaded);
      if (!model) return { ...LOADING, model: { kind: 'missing', what: 'runs' } };
      const what = model.subjects.some((s) => s.runs.length > 1) ? 'groups' : 'runs';
      const crumbs = [loaded.sweep?.name ?? '', `compare ${model.subjects.length} ${what}`];
      return { model: { kind: 'compare', sweep: loaded.sweep, model, data: loaded.subjects }, ctx: null, crumbs };
    }
    case 'help':
      return { model: { kind: 'help' }, ctx: null, crumbs: ['help'] };
  }
}

function loadedFor(screen: Screen, data: ScreenData): Loaded<unknown> | null {
  if (screen.kind === 'sweeps') return data.sweeps;
  if (screen.kind === 'detail') return data.detail;
  if (screen.kind === 'compare') return data.compare;
  return screen.kind === 'help' ? null : data.sweep;
}

/** The size the screens have: rows per page (pgup/pgdn) and the width. */
export interface Layout {
  page: number;
  width: number;
}

export function useActiveScreen(store: StoreConnection, state: AppState, layout: Layout): ActiveScreen {
  const top = topScreen(state);
  const sweeps = useSweepsData(store, top.kind === 'sweeps');
  const sweepId = top.kind === 'runs' || top.kind === 'columns' || top.kind === 'heatmap' ? top.sweepId : null;
  const sweep = useSweepData(store, sweepId, state.settings.values === 'best');
  const detail = useDetailData(store, top.kind === 'detail' ? top : null);
  const compare = useCompareData(store, top.kind === 'compare' ? top : null);
  return useMemo(() => {
    const data = { sweeps, sweep, detail, compare };
    const loaded = loadedFor(top, data);
    return { ...describe(state, data, layout), ready: loaded?.ready ?? true, error: loaded?.error ?? null };
  }, [state, top, layout, sweeps, sweep, detail, compare]);
}
