/**
 * The one number format of RBM Lab's text output: the CLI tables, `show`,
 * `compare` and the dashboard print a number the same way.
 *
 * - integers that are exact in a double are printed whole (seeds, counts, epochs);
 * - very small or very large magnitudes (|x| < 1e-3 or >= 1e6) use exponent
 *   notation with `digits` significant digits, trailing zeros dropped (2e-4, 1.235e+6);
 * - everything else is rounded to `digits` significant digits, trailing zeros
 *   dropped (0.01000 -> 0.01);
 * - NaN and infinities are spelt as JavaScript spells them.
 */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isSafeInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
    return `${Number(mantissa)}e${exponent}`;
  }
  return String(Number(value.toPrecision(digits)));
}

/** The summary a mean ± std cell is made from (see analysis/stats.ts). */
export interface SpreadSummary {
  mean: number;
  /** Sample standard deviation; undefined for one value (no spread measured). */
  std: number | undefined;
  n: number;
}

/**
 * mean±std the way the CLI tables and the dashboard print a group's cell:
 * the mean with `digits` significant digits, the std with one fewer
 * (`-148.8±4.25`); a group of one run has no ±. `separator` goes around ±.
 */
export function formatSpread(summary: SpreadSummary, digits = 4, separator = ''): string {
  const spread = summary.std === undefined ? '' : `${separator}±${separator}${formatNumber(summary.std, digits - 1)}`;
  return `${formatNumber(summary.mean, digits)}${spread}`;
}

/**
 * mean and std rounded as papers print them: the std to one significant digit
 * (two when that digit would be 1, so 0.14 is not shown as 0.1), the mean to
 * the same decimal place. Returns the two numbers as text, e.g. 0.1234 and
 * 0.0042 -> ['0.123', '0.004']; -148.83 and 14.2 -> ['-149', '14'].
 * Without a std (one run) the mean keeps formatNumber's digits.
 */
export function roundMeanStd(mean: number, std: number | undefined): [string, string | undefined] {
  if (std === undefined || !Number.isFinite(std) || !Number.isFinite(mean)) {
    return [formatNumber(mean), std === undefined ? undefined : formatNumber(std)];
  }
  if (std === 0) return [formatNumber(mean), '0'];
  const exponent = Math.floor(Math.log10(std));
  const leading = Math.floor(std / 10 ** exponent);
  // decimals = how many digits after the point the last significant digit of the std sits at
  const decimals = Math.max(0, -(exponent - (leading === 1 ? 1 : 0)));
  const scale = 10 ** Math.max(0, exponent - (leading === 1 ? 1 : 0));
  if (decimals > 0) return [mean.toFixed(decimals), std.toFixed(decimals)];
  return [String(Math.round(mean / scale) * scale), String(Math.round(std / scale) * scale)];
}
