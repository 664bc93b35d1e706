/** The report's samples-over-epochs figure: rows of samples drawn during training (eval.sample_every). */
import type { RunStoreReader } from '../store/types.js';
import { type PixelImage, samplesGridPng, samplesStripSvg, type StripRow } from './montage.js';

/** Columns of a strip at most: longer trainings show evenly spaced epochs, always with the last. */
export const STRIP_COLUMNS = 10;
/** Images per cell (2 x 2). */
const IMAGES_PER_CELL = 4;

/** At most `count` of the epochs, evenly spaced, the first and the last included. */
export function spacedEpochs(epochs: readonly number[], count = STRIP_COLUMNS): number[] {
  if (epochs.length <= count) return [...epochs];
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(epochs[Math.round((i * (epochs.length - 1)) / (count - 1))]);
  return [...picked];
}

function cellImage(samples: { data: Float32Array; n: number; height: number; width: number }): PixelImage {
  return samplesGridPng(samples, { maxImages: IMAGES_PER_CELL, columns: 2, scale: 2 });
}

/**
 * One strip per subject (a run, or a group: its first run with samples over
 * training), or undefined when none of them has samples over training.
 */
export async function samplesStripRows(
  reader: RunStoreReader,
  subjects: Array<{ label: string; runIds: string[] }>,
): Promise<StripRow[]> {
  const rows: StripRow[] = [];
  for (const subject of subjects) {
    for (const runId of subject.runIds) {
      const epochs = await reader.listSampleEpochs(runId);
      if (epochs.length === 0) continue;
      const cells: StripRow['cells'] = [];
      for (const epoch of spacedEpochs(epochs)) {
        const samples = await reader.getSamples(runId, { epoch });
        if (samples && samples.n > 0) cells.push({ caption: `epoch ${epoch}`, image: cellImage(samples) });
      }
      const final = await reader.getSamples(runId);
      if (final && final.n > 0) cells.push({ caption: 'final', image: cellImage(final) });
      const of = subject.runIds.length > 1 ? ` (run ${runId.slice(0, 8)} of ${subject.runIds.length})` : '';
      rows.push({ label: `${subject.label}${of}`, cells });
      break;
    }
  }
  return rows;
}

export function samplesStripFigure(sweepName: string, rows: StripRow[]): string {
  return samplesStripSvg(
    `Samples over training: ${sweepName}`,
    `${IMAGES_PER_CELL} of the images drawn every eval.sample_every epochs (white = pixel on), then the final samples`,
    rows,
  );
}
