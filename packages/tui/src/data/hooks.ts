/**
 * One data hook per screen: each reads what its screen shows, re-reading when
 * the store's version moves. A hook given no screen (another one is shown)
 * reads nothing.
 */
import { useCallback } from 'react';
import type { RunRecord, RunStoreReader, SweepSummary } from '@rbm-lab/experiments';
import type { Samples } from '../samples.js';
import type { CompareScreen, DetailScreen, Subject } from '../state/types.js';
import { type Load, type Loaded, useLoad } from './use-load.js';
import type { StoreConnection } from './use-store.js';

export type EpochMetrics = Record<string, Array<{ step: number; value: number }>>;

export interface SweepData {
  /** Undefined when no sweep has that id. */
  sweep: SweepSummary | undefined;
  runs: RunRecord[];
  /** Per-epoch curves of every run, by run id; read only when best-epoch values are shown. */
  curves: ReadonlyMap<string, EpochMetrics> | null;
}

export interface SubjectData {
  runs: RunRecord[];
  /** Per-epoch curves of each of `runs`, in the same order. */
  curves: EpochMetrics[];
  samples: Samples | undefined;
  /** The run the samples come from (the first of a group that has samples). */
  samplesOf: RunRecord | undefined;
}

export interface SubjectsData {
  sweep: SweepSummary | undefined;
  /** Every run of the sweep (for ←/→ and group numbers). */
  runs: RunRecord[];
  subjects: SubjectData[];
}

/** The sweeps list. */
export function useSweepsData(store: StoreConnection, active: boolean): Loaded<SweepSummary[]> {
  const load = useCallback<Load<SweepSummary[]>>((reader) => reader.listSweeps(), []);
  return useLoad(store, active ? load : null);
}

async function readSweep(reader: RunStoreReader, sweepId: string, withCurves: boolean): Promise<SweepData> {
  const sweep = await reader.getSweep(sweepId);
  const runs = sweep ? await reader.listRuns(sweep.id) : [];
  if (!withCurves) return { sweep, runs, curves: null };
  const curves = await Promise.all(runs.map((r) => reader.getEpochMetrics(r.id)));
  return { sweep, runs, curves: new Map(runs.map((r, i) => [r.id, curves[i]])) };
}

/** A sweep and its runs: the runs table, the column chooser and the heatmap. */
export function useSweepData(store: StoreConnection, sweepId: string | null, withCurves: boolean): Loaded<SweepData> {
  const load = useCallback<Load<SweepData>>(
    (reader) => readSweep(reader, sweepId ?? '', withCurves),
    [sweepId, withCurves],
  );
  return useLoad(store, sweepId === null ? null : load);
}

async function readSubject(reader: RunStoreReader, runs: RunRecord[]): Promise<SubjectData> {
  const curves = await Promise.all(runs.map((r) => reader.getEpochMetrics(r.id)));
  for (const run of runs) {
    const samples = await reader.getSamples(run.id);
    if (samples) return { runs, curves, samples, samplesOf: run };
  }
  return { runs, curves, samples: undefined, samplesOf: undefined };
}

async function readSubjects(
  reader: RunStoreReader,
  sweepId: string,
  subjects: readonly Subject[],
): Promise<SubjectsData> {
  const sweep = await reader.getSweep(sweepId);
  const runs = sweep ? await reader.listRuns(sweep.id) : [];
  const byId = new Map(runs.map((r) => [r.id, r]));
  const members = subjects.map((ids) => ids.map((id) => byId.get(id)).filter((r): r is RunRecord => r !== undefined));
  return { sweep, runs, subjects: await Promise.all(members.map((m) => readSubject(reader, m))) };
}

/** One run or group: its curves and samples, and the sweep's runs for ←/→. */
export function useDetailData(store: StoreConnection, screen: DetailScreen | null): Loaded<SubjectsData> {
  const sweepId = screen?.sweepId ?? '';
  const subject = screen?.subject;
  const load = useCallback<Load<SubjectsData>>(
    (reader) => readSubjects(reader, sweepId, subject ? [subject] : []),
    [sweepId, subject],
  );
  return useLoad(store, screen === null ? null : load);
}

/** 2 to 4 runs or groups side by side. */
export function useCompareData(store: StoreConnection, screen: CompareScreen | null): Loaded<SubjectsData> {
  const sweepId = screen?.sweepId ?? '';
  const subjects = screen?.subjects;
  const load = useCallback<Load<SubjectsData>>(
    (reader) => readSubjects(reader, sweepId, subjects ?? []),
    [sweepId, subjects],
  );
  return useLoad(store, screen === null ? null : load);
}
