import { createRng, shuffleInPlace, type Rng } from '@rbm-lab/datasets';

/**
 * Seeded randomness for the generators, on the datasets package's
 * PRNG. All randomness (initialiser seeds, batch order, latent codes, Bernoulli
 * draws) comes from here rather than from tfjs' random ops, so a seed gives the
 * same numbers on every backend.
 */
export class SeededRandom {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = createRng(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.rng.next();
  }

  normal(): number {
    return this.rng.normal();
  }

  normalArray(length: number): Float32Array {
    const out = new Float32Array(length);
    this.fillNormal(out);
    return out;
  }

  /** Fills out[0..n) with standard normals (the training loops' preallocated noise buffers). */
  fillNormal(out: Float32Array, n = out.length): void {
    for (let i = 0; i < n; i++) out[i] = this.rng.normal();
  }

  /** A seed for an independent sub-stream (layer initialisers, evaluation noise). */
  nextSeed(): number {
    return this.rng.nextUint32();
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    return shuffleInPlace(
      Int32Array.from({ length: n }, (_, i) => i),
      this.rng,
    );
  }
}
