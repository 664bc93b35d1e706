// @jsxRuntime automatic
// @jsxImportSource react
/** What the body of the frame shows: the screen on top, or why it cannot be shown. */
import { Text } from 'ink';
import type { StoreConnection } from './data/use-store.js';
import { ColumnsView } from './screens/columns.js';
import { CompareView } from './screens/compare.js';
import { DetailView } from './screens/detail.js';
import { EmptyView } from './screens/empty.js';
import { HeatmapView } from './screens/heatmap.js';
import { HelpView } from './screens/help.js';
import { RunsView } from './screens/runs.js';
import { SweepsView } from './screens/sweeps.js';
import { helpSections } from './state/keymap.js';
import { topScreen } from './state/app.js';
import type { AppState } from './state/types.js';
import type { ActiveScreen } from './use-screen.js';

export interface ScreenBodyProps {
  state: AppState;
  active: ActiveScreen;
  store: StoreConnection;
  dbPath: string;
  width: number;
  height: number;
}

/** What shows instead of the screen while there is no database, it cannot be read, or the screen is loading. */
function Unavailable({ active, store, dbPath, width, height }: Omit<ScreenBodyProps, 'state'>) {
  if (store.status === 'opening') return <Text dimColor>{`opening ${dbPath}…`}</Text>;
  if (store.reader === null) {
    const reason = store.status === 'failed' ? 'error' : 'missing';
    return <EmptyView dbPath={dbPath} reason={reason} error={store.error ?? undefined} width={width} height={height} />;
  }
  const error = store.error ?? active.error;
  if (error) {
    return (
      <Text color="red" wrap="wrap">
        {`cannot read the database: ${error}`}
      </Text>
    );
  }
  return active.model === null ? <Text dimColor>loading…</Text> : null;
}

export function ScreenBody({ state, active, store, dbPath, width, height }: ScreenBodyProps) {
  const screen = topScreen(state);
  const { settings } = state;
  const model = active.model;
  if (screen.kind === 'help') return <HelpView sections={helpSections(screen.from)} width={width} height={height} />;
  if (model === null || store.reader === null || store.error || active.error)
    return <Unavailable active={active} store={store} dbPath={dbPath} width={width} height={height} />;
  switch (model.kind) {
    case 'sweeps': {
      if (model.rows.length === 0)
        return <EmptyView dbPath={dbPath} reason="no-sweeps" width={width} height={height} />;
      const cursor = Math.max(
        0,
        model.rows.findIndex((r) => screen.kind === 'sweeps' && r.sweep.id === screen.cursor),
      );
      return <SweepsView rows={model.rows} cursor={cursor} width={width} height={height} />;
    }
    case 'runs':
      return screen.kind === 'runs' ? (
        <RunsView
          sweep={model.sweep}
          table={model.table}
          screen={screen}
          settings={settings}
          width={width}
          height={height}
        />
      ) : null;
    case 'columns':
      return (
        <ColumnsView
          choosable={model.table.choosable}
          visible={model.visible}
          defaults={model.table.defaults}
          cursor={screen.kind === 'columns' ? screen.cursor : null}
          mainMetric={model.sweep.mainMetric.name}
          width={width}
          height={height}
        />
      );
    case 'detail':
    case 'compare': {
      const metricIndex = screen.kind === model.kind && 'metric' in screen ? screen.metric : 0;
      const curves = { sweep: model.sweep, settings, metricIndex, width, height };
      return model.kind === 'detail' ? (
        <DetailView subject={model.subject} label={model.label} {...curves} />
      ) : (
        <CompareView model={model.model} data={model.data} {...curves} />
      );
    }
    case 'heatmap':
      return <HeatmapView {...model.heatmap} settings={settings} width={width} height={height} />;
    case 'missing':
      return <Text color="yellow">{`${model.what} not found`}</Text>;
    default:
      return null;
  }
}
