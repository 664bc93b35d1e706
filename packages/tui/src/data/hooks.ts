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

import type { EpochCurves } from '@rbm-lab/experiments';

export type EpochMetrics = EpochCurves;

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
  /** Epochs of that run with samples from training, ascending. */
  sampleEpochs: number[];
  /** Whether that run has final samples. */
  finalSamples: boolean;
  /** The epoch of the samples shown; undefined for the final ones. */
  samplesEpoch: number | undefined;
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
  return { sweep, runs, curves: await reader.getEpochMetricsOfRuns(runs.map((r) => r.id)) };
}

/** A sweep and its runs: the runs table, the column chooser and the heatmap. */
export function useSweepData(store: StoreConnection, sweepId: string | null, withCurves: boolean): Loaded<SweepData> {
  const load = useCallback<Load<SweepData>>(
    (reader) => readSweep(reader, sweepId ?? '', withCurves),
    [sweepId, withCurves],
  );
  return useLoad(store, sweepId === null ? null : load);
}

type SamplesData = Pick<SubjectData, 'samples' | 'samplesOf' | 'sampleEpochs' | 'finalSamples' | 'samplesEpoch'>;

/**
 * The samples of the first run that has any: those of `epoch`, else the
 * final ones, else (a run still training) those of its latest sampled epoch.
 */
async function readSamples(reader: RunStoreReader, runs: RunRecord[], epoch: number | undefined): Promise<SamplesData> {
  for (const run of runs) {
    const sampleEpochs = await reader.listSampleEpochs(run.id);
    const final = await reader.getSamples(run.id);
    if (final === undefined && sampleEpochs.length === 0) continue;
    const shown = epoch ?? (final === undefined ? sampleEpochs[sampleEpochs.length - 1] : undefined);
    const samples = shown === undefined ? final : await reader.getSamples(run.id, { epoch: shown });
    return { samples, samplesOf: run, sampleEpochs, finalSamples: final !== undefined, samplesEpoch: shown };
  }
  return { samples: undefined, samplesOf: undefined, sampleEpochs: [], finalSamples: false, samplesEpoch: undefined };
}

async function readSubject(reader: RunStoreReader, runs: RunRecord[], epoch?: number): Promise<SubjectData> {
  const byRun = await reader.getEpochMetricsOfRuns(runs.map((r) => r.id));
  const curves = runs.map((r) => byRun.get(r.id) ?? {});
  return { runs, curves, ...(await readSamples(reader, runs, epoch)) };
}

async function readSubjects(
  reader: RunStoreReader,
  sweepId: string,
  subjects: readonly Subject[],
  sampleEpoch?: number,
): Promise<SubjectsData> {
  const sweep = await reader.getSweep(sweepId);
  const runs = sweep ? await reader.listRuns(sweep.id) : [];
  const byId = new Map(runs.map((r) => [r.id, r]));
  const members = subjects.map((ids) => ids.map((id) => byId.get(id)).filter((r): r is RunRecord => r !== undefined));
  return { sweep, runs, subjects: await Promise.all(members.map((m) => readSubject(reader, m, sampleEpoch))) };
}

/** One run or group: its curves and samples, and the sweep's runs for ←/→. */
export function useDetailData(store: StoreConnection, screen: DetailScreen | null): Loaded<SubjectsData> {
  const sweepId = screen?.sweepId ?? '';
  const subject = screen?.subject;
  const sampleEpoch = screen?.sampleEpoch;
  const load = useCallback<Load<SubjectsData>>(
    (reader) => readSubjects(reader, sweepId, subject ? [subject] : [], sampleEpoch),
    [sweepId, subject, sampleEpoch],
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
