import { SimdWorkspace, Xoshiro128 } from '@rbm-lab/core';
const ws = new SimdWorkspace(4 * 100 * 784, 784);
const pre = ws.allocate(100 * 784), out = ws.allocate(100 * 784), probs = ws.allocate(100 * 784);
for (let i = 0; i < pre.length; i++) pre[i] = Math.random() * 8 - 4;
const bias = new Float32Array(784);
const rng = new Xoshiro128(1);
for (let rep = 0; rep < 5; rep++) {
  let t = performance.now();
  for (let i = 0; i < 600; i++) ws.sigmoidAddBias(pre, bias, 100, 784, out);
  const sig = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 600; i++) rng.sampleBernoulli(out, probs, 100 * 784);
  const samp = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 600; i++) probs.set(out);
  const copy = performance.now() - t;
  const n = 600 * 100 * 784;
  console.log(`sigmoid ${(sig * 1e6 / n).toFixed(2)} ns/el, sampling ${(samp * 1e6 / n).toFixed(2)} ns/el, copy ${(copy * 1e6 / n).toFixed(2)} ns/el`);
}
