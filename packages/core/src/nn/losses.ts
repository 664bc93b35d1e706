/**
 * Losses over row-major blocks, each returning the loss summed over rows and
 * optionally writing scale * dLoss/dinput into `gradient` (scale = 1 / rows
 * gives the gradient of the mean over rows). They read logits, not
 * probabilities, so large activations neither overflow nor lose the gradient.
 */

/**
 * Softmax cross-entropy with integer labels: per row
 * L = -log softmax(z)_y = logsumexp(z) - z_y, dL/dz = softmax(z) - onehot(y).
 * `errors` (optional, one slot) receives the count of rows whose argmax is not the label.
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: ArrayLike<number>,
  rows: number,
  classes: number,
  gradient?: Float32Array,
  scale = 1,
): { loss: number; errors: number } {
  let loss = 0;
  let errors = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let max = logits[base];
    let argmax = 0;
    for (let c = 1; c < classes; c++) {
      if (logits[base + c] > max) {
        max = logits[base + c];
        argmax = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[base + c] - max);
    const label = labels[r];
    loss += max + Math.log(sum) - logits[base + label];
    if (argmax !== label) errors++;
    if (gradient !== undefined) {
      for (let c = 0; c < classes; c++) {
        gradient[base + c] = scale * (Math.exp(logits[base + c] - max) / sum - (c === label ? 1 : 0));
      }
    }
  }
  return { loss, errors };
}

/** Row-wise softmax of logits into out (may be the same array). */
export function softmaxRows(logits: Float32Array, rows: number, classes: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let max = logits[base];
    for (let c = 1; c < classes; c++) max = Math.max(max, logits[base + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[base + c] - max);
      out[base + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[base + c] /= sum;
  }
}

/**
 * Bernoulli cross-entropy (negative log-likelihood, nats) of targets x in [0, 1]
 * under logits l: per element softplus(l) - x l = -[x log s(l) + (1 - x) log(1 - s(l))],
 * d/dl = s(l) - x, with s the logistic sigmoid. `perRow` (optional) receives each
 * row's sum over columns.
 */
export function bernoulliCrossEntropyWithLogits(
  logits: Float32Array,
  targets: Float32Array,
  rows: number,
  cols: number,
  gradient?: Float32Array,
  scale = 1,
  perRow?: Float64Array,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let rowSum = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const l = logits[base + c];
      const x = targets[base + c];
      // softplus(l) = max(l, 0) + log1p(exp(-|l|)); exp(-|l|) also gives the sigmoid without overflow.
      const e = Math.exp(-Math.abs(l));
      rowSum += Math.max(l, 0) + Math.log1p(e) - x * l;
      if (gradient !== undefined) gradient[base + c] = scale * ((l >= 0 ? 1 / (1 + e) : e / (1 + e)) - x);
    }
    if (perRow !== undefined) perRow[r] = rowSum;
    total += rowSum;
  }
  return total;
}

/** Sum of squared differences (p - t)^2 over n elements; d/dp = 2 (p - t). */
export function squaredError(
  predictions: Float32Array,
  targets: Float32Array,
  n: number,
  gradient?: Float32Array,
  scale = 1,
): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = predictions[i] - targets[i];
    total += d * d;
    if (gradient !== undefined) gradient[i] = 2 * scale * d;
  }
  return total;
}
