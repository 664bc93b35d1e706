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
