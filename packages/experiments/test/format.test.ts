import { describe, expect, it } from 'vitest';
import { formatNumber } from '../src/index.js';
import { formatNumber as cliFormatNumber } from '../src/cli/format.js';

describe('formatNumber (the one number format of the CLI and the dashboard)', () => {
  it('prints 4 significant digits, trailing zeros dropped', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(-180.94)).toBe('-180.9');
    expect(formatNumber(0.01)).toBe('0.01');
    expect(formatNumber(12.5)).toBe('12.5');
  });

  it('keeps integers whole and uses exponents only for tiny or huge magnitudes', () => {
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(123456789)).toBe('123456789');
    expect(formatNumber(0.0002)).toBe('2e-4');
    expect(formatNumber(0.000123456)).toBe('1.235e-4');
    expect(formatNumber(1234567.5)).toBe('1.235e+6');
    expect(formatNumber(0)).toBe('0');
  });

  it('spells NaN and infinities, and takes fewer digits for axis labels', () => {
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(formatNumber(0.123456, 3)).toBe('0.123');
  });

  it('is the very function the CLI tables use', () => {
    expect(cliFormatNumber).toBe(formatNumber);
  });
});
