import { describe, expect, it } from 'vitest';
import { warningLines } from '../src/screens/detail.js';
import { run } from './records.js';

describe('run detail warnings', () => {
  it('wrap at word boundaries within the width, losing no word', () => {
    const message =
      'validation free-energy gap still growing: 57.6 nats at epoch 270, 67.3 nats at epoch 360: the model keeps overfitting';
    const withWarning = { ...run(0, {}, {}), warnings: [{ code: 'free_energy_gap_growing', message }] };
    const lines = warningLines([withWarning], 30).map((line) => line.text);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
    // Every line ends at a word's end: no word is split between two lines.
    expect(lines.join(' ').split(/\s+/)).toEqual(`! ${message}`.split(/\s+/));
  });
});
