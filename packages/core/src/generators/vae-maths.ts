/**
 * The VAE's Gaussian posterior terms as pure functions over row-major blocks.
 * The encoder outputs, per row, [mean (latent) | log variance (latent)].
 */

/** z = mean + exp(logvar / 2) * eps, rows x latent. */
export function reparameterise(
  posterior: Float32Array,
  eps: Float32Array,
  rows: number,
  latent: number,
  z: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const p = r * 2 * latent;
    for (let j = 0; j < latent; j++) {
      z[r * latent + j] = posterior[p + j] + Math.exp(0.5 * posterior[p + latent + j]) * eps[r * latent + j];
    }
  }
}

/** The posterior means (rows x latent) copied out of the encoder's output. */
export function posteriorMeans(posterior: Float32Array, rows: number, latent: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) out.set(posterior.subarray(r * 2 * latent, r * 2 * latent + latent), r * latent);
}

/** Sum over rows of KL(N(mean, diag(exp(logvar))) || N(0, I)) = 0.5 sum_j (exp(logvar) + mean^2 - 1 - logvar), nats. */
export function gaussianKl(posterior: Float32Array, rows: number, latent: number): number {
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const p = r * 2 * latent;
    for (let j = 0; j < latent; j++) {
      const mean = posterior[p + j];
      const logVariance = posterior[p + latent + j];
      sum += 0.5 * (Math.exp(logVariance) + mean * mean - 1 - logVariance);
    }
  }
  return sum;
}

/**
 * Gradient of (reconstruction + scale * KL) with respect to the encoder output,
 * given g = d reconstruction / dz (already scaled) through z = mean + exp(logvar / 2) eps:
 * d/dmean = g + scale * mean;  d/dlogvar = g * eps * exp(logvar / 2) / 2 + scale * (exp(logvar) - 1) / 2.
 */
export function posteriorGradient(
  posterior: Float32Array,
  eps: Float32Array,
  codeGradient: Float32Array,
  rows: number,
  latent: number,
  scale: number,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const p = r * 2 * latent;
    for (let j = 0; j < latent; j++) {
      const g = codeGradient[r * latent + j];
      const mean = posterior[p + j];
      const logVariance = posterior[p + latent + j];
      out[p + j] = g + scale * mean;
      out[p + latent + j] =
        0.5 * g * eps[r * latent + j] * Math.exp(0.5 * logVariance) + 0.5 * scale * (Math.exp(logVariance) - 1);
    }
  }
}
