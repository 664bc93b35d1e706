/*
 * Single-precision GEMM for WebAssembly SIMD (f32x4), the kernel of the
 * 'wasm-sgemm' compute path (wasm-sgemm.ts). Built by scripts/build-wasm-sgemm.sh
 * into wasm-sgemm-binary.ts; nothing is compiled at install or run time.
 *
 * The layout follows Goto/BLIS: op(B) is packed into KC x NR column panels,
 * op(A) into MC x KC blocks of MR-row panels, and a 4 x 8 register-blocked
 * micro-kernel does C[4 x 8] += A[4 x kc] B[kc x 8] with 8 f32x4 accumulators.
 * Larger tiles (6x8, 4x12, 8x8) run at half the speed in V8: it has 15 usable
 * xmm registers and spills. Relaxed-SIMD FMA (behind a flag in Node 20) gave
 * no gain either: the mul and add ports run in parallel.
 *
 * Threads: every call computes columns [j0, j1) of C, so threads sharing one
 * memory split the columns. The code uses no wasm stack and no globals
 * (the caller passes per-thread scratch), so instances in several workers can
 * share one memory safely.
 */
#include <wasm_simd128.h>

#define MR 4
#define NV 2
#define NR (NV * 4)
#define KC 256
#define MC 128
#define NC 1024

/* Floats of per-thread scratch sgemm needs: packed A, packed B and one edge tile. */
__attribute__((export_name("scratch_floats"))) int scratch_floats(void) { return MC * KC + KC * NC + MR * NR; }

/* acc = Ap (kc x MR panel) * Bp (kc x NR panel); C[mr x nr] = alpha acc + beta C (beta = 0 ignores C). */
static void micro_kernel(int kc, const float *restrict ap, const float *restrict bp, float *restrict c, int ldc,
                         int mr, int nr, float alpha, float beta, float *restrict tile) {
  v128_t acc[MR][NV];
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; i++)
#pragma clang loop unroll(full)
    for (int j = 0; j < NV; j++) acc[i][j] = wasm_f32x4_splat(0.0f);
  for (int p = 0; p < kc; p++) {
    v128_t b[NV];
#pragma clang loop unroll(full)
    for (int j = 0; j < NV; j++) b[j] = wasm_v128_load(bp + j * 4);
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
      v128_t a = wasm_v128_load32_splat(ap + i);
#pragma clang loop unroll(full)
      for (int j = 0; j < NV; j++) acc[i][j] = wasm_f32x4_add(acc[i][j], wasm_f32x4_mul(a, b[j]));
    }
    ap += MR;
    bp += NR;
  }
  v128_t va = wasm_f32x4_splat(alpha);
  if (mr == MR && nr == NR) {
    if (beta == 0.0f) {
#pragma clang loop unroll(full)
      for (int i = 0; i < MR; i++)
#pragma clang loop unroll(full)
        for (int j = 0; j < NV; j++) wasm_v128_store(c + i * ldc + j * 4, wasm_f32x4_mul(acc[i][j], va));
    } else {
      v128_t vb = wasm_f32x4_splat(beta);
#pragma clang loop unroll(full)
      for (int i = 0; i < MR; i++)
#pragma clang loop unroll(full)
        for (int j = 0; j < NV; j++) {
          float *cp = c + i * ldc + j * 4;
          wasm_v128_store(cp, wasm_f32x4_add(wasm_f32x4_mul(acc[i][j], va), wasm_f32x4_mul(wasm_v128_load(cp), vb)));
        }
    }
    return;
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; i++)
#pragma clang loop unroll(full)
    for (int j = 0; j < NV; j++) wasm_v128_store(tile + i * NR + j * 4, acc[i][j]);
  for (int i = 0; i < mr; i++) {
    for (int j = 0; j < nr; j++) {
      float *cp = c + i * ldc + j;
      *cp = beta == 0.0f ? alpha * tile[i * NR + j] : alpha * tile[i * NR + j] + beta * *cp;
    }
  }
}

/* Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) as MR-row panels laid out [panel][p][MR], zero padded. */
static void pack_a(int transA, const float *a, int lda, int i0, int mc, int p0, int kc, float *restrict out) {
  for (int ir = 0; ir < mc; ir += MR) {
    int mr = mc - ir < MR ? mc - ir : MR;
    for (int p = 0; p < kc; p++) {
      for (int i = 0; i < MR; i++) {
        int row = i0 + ir + i;
        out[p * MR + i] = i >= mr ? 0.0f : transA ? a[(p0 + p) * lda + row] : a[row * lda + p0 + p];
      }
    }
    out += MR * kc;
  }
}

/* Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) as NR-column panels laid out [panel][p][NR], zero padded. */
static void pack_b(int transB, const float *b, int ldb, int p0, int kc, int j0, int nc, float *restrict out) {
  for (int jr = 0; jr < nc; jr += NR) {
    int nr = nc - jr < NR ? nc - jr : NR;
    for (int p = 0; p < kc; p++) {
      if (!transB && nr == NR) {
        const float *src = b + (p0 + p) * ldb + j0 + jr;
#pragma clang loop unroll(full)
        for (int j = 0; j < NV; j++) wasm_v128_store(out + p * NR + j * 4, wasm_v128_load(src + j * 4));
      } else {
        for (int j = 0; j < NR; j++) {
          int col = j0 + jr + j;
          out[p * NR + j] = j >= nr ? 0.0f : transB ? b[col * ldb + p0 + p] : b[(p0 + p) * ldb + col];
        }
      }
    }
    out += NR * kc;
  }
}

/*
 * Row-major C = alpha op(A) op(B) + beta C on columns [j0, j1) of C only, with op(A) m x k and
 * op(B) k x n; lda, ldb, ldc are the stored row lengths. scratch holds scratch_floats() floats
 * owned by the calling thread. k > 0.
 */
__attribute__((export_name("sgemm"))) void sgemm(int transA, int transB, int m, int k, float alpha, const float *a,
                                                 int lda, const float *b, int ldb, float beta, float *c, int ldc,
                                                 int j0, int j1, float *scratch) {
  float *packA = scratch;
  float *packB = scratch + MC * KC;
  float *tile = packB + KC * NC;
  /* Equal k blocks (784 = 4 x 196, not 3 x 256 + 16) keep every block's kernel loop long. */
  int blocks = (k + KC - 1) / KC;
  int kcStep = (k + blocks - 1) / blocks;
  for (int jc = j0; jc < j1; jc += NC) {
    int nc = j1 - jc < NC ? j1 - jc : NC;
    for (int p0 = 0; p0 < k; p0 += kcStep) {
      int kc = k - p0 < kcStep ? k - p0 : kcStep;
      /* Later k blocks accumulate onto the first block's result. */
      float blockBeta = p0 == 0 ? beta : 1.0f;
      pack_b(transB, b, ldb, p0, kc, jc, nc, packB);
      for (int i0 = 0; i0 < m; i0 += MC) {
        int mc = m - i0 < MC ? m - i0 : MC;
        pack_a(transA, a, lda, i0, mc, p0, kc, packA);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            micro_kernel(kc, packA + ir * kc, packB + jr * kc, c + (i0 + ir) * ldc + jc + jr, ldc, mr, nr, alpha,
                         blockBeta, tile);
          }
        }
      }
    }
  }
}

/* y[0 .. n) += alpha x[0 .. n). */
__attribute__((export_name("saxpy"))) void saxpy(int n, float alpha, const float *x, float *y) {
  v128_t va = wasm_f32x4_splat(alpha);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
  for (; i < n; i++) y[i] += alpha * x[i];
}

/*
 * out[r * cols + c] = sign * sigmoid(pre[r * cols + c] + bias[c]) for rows x cols, cols a multiple of 4:
 * sigmoid(x) = 0.5 + 0.5 tanh(x / 2), tanh by Eigen's float32 rational approximation
 * (clamp to +-7.905, then v p(v^2) / q(v^2)), the same operations in the same order as
 * sigmoidAddBias in elementwise.ts, so every path gets the same probabilities.
 * Two vectors per iteration: each is a long dependent chain (13 mul/add, a division),
 * so interleaving two keeps the FP units busy.
 */
static inline v128_t horner7(v128_t v2) {
  v128_t p = wasm_f32x4_splat(-2.76076847742355e-16f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(2.00018790482477e-13f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(-8.60467152213735e-11f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(5.12229709037114e-8f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(1.48572235717979e-5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(6.37261928875436e-4f));
  return wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(4.89352455891786e-3f));
}

static inline v128_t horner4(v128_t v2) {
  v128_t q = wasm_f32x4_splat(1.19825839466702e-6f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, v2), wasm_f32x4_splat(1.18534705686654e-4f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, v2), wasm_f32x4_splat(2.268434632439e-3f));
  return wasm_f32x4_add(wasm_f32x4_mul(q, v2), wasm_f32x4_splat(4.89352518554385e-3f));
}

static inline v128_t sigmoid4(v128_t pre, v128_t bias, v128_t sign) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  v128_t v = wasm_f32x4_mul(wasm_f32x4_add(pre, bias), half);
  /* pmin/pmax (one minps/maxps each; min/max cost six instructions in V8 for NaN and -0 rules) give
     the same result here: v is the first operand, so a NaN v stays NaN, and the bounds are not zero. */
  v = wasm_f32x4_pmax(wasm_f32x4_pmin(v, wasm_f32x4_splat(7.90531110763549805f)), wasm_f32x4_splat(-7.90531110763549805f));
  v128_t v2 = wasm_f32x4_mul(v, v);
  v128_t p = wasm_f32x4_mul(horner7(v2), v);
  v128_t q = horner4(v2);
  return wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_div(p, q), half), half), sign);
}

__attribute__((export_name("sigmoid_bias"))) void sigmoid_bias(const float *pre, const float *bias, int rows, int cols,
                                                               float *out, float sign) {
  v128_t vsign = wasm_f32x4_splat(sign);
  for (int r = 0; r < rows; r++) {
    const float *in = pre + r * cols;
    float *o = out + r * cols;
    int c = 0;
    for (; c + 8 <= cols; c += 8) {
      v128_t x0 = sigmoid4(wasm_v128_load(in + c), wasm_v128_load(bias + c), vsign);
      v128_t x1 = sigmoid4(wasm_v128_load(in + c + 4), wasm_v128_load(bias + c + 4), vsign);
      wasm_v128_store(o + c, x0);
      wasm_v128_store(o + c + 4, x1);
    }
    if (c < cols) wasm_v128_store(o + c, sigmoid4(wasm_v128_load(in + c), wasm_v128_load(bias + c), vsign));
  }
}

/*
 * Adam's update of n parameters (nn/optimizers.ts), four at a time; n is a multiple of 4
 * (callers pad with zeros, which the update leaves at zero):
 * m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p = p - step m / (sqrt(v inv_c2) + eps),
 * with step = lr / (1 - b1^t) and inv_c2 = 1 / (1 - b2^t) folding in the bias corrections.
 */
__attribute__((export_name("adam"))) void adam(float *restrict p, const float *restrict g, float *restrict m,
                                               float *restrict v, int n, float b1, float b2, float step,
                                               float inv_c2, float eps) {
  const v128_t vb1 = wasm_f32x4_splat(b1), va1 = wasm_f32x4_splat(1.0f - b1);
  const v128_t vb2 = wasm_f32x4_splat(b2), va2 = wasm_f32x4_splat(1.0f - b2);
  const v128_t vstep = wasm_f32x4_splat(step), vinv = wasm_f32x4_splat(inv_c2), veps = wasm_f32x4_splat(eps);
  for (int i = 0; i < n; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(va1, gi));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)), wasm_f32x4_mul(va2, wasm_f32x4_mul(gi, gi)));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    v128_t denominator = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_mul(vi, vinv)), veps);
    v128_t update = wasm_f32x4_div(wasm_f32x4_mul(vstep, mi), denominator);
    wasm_v128_store(p + i, wasm_f32x4_sub(wasm_v128_load(p + i), update));
  }
}

/*
 * Sums of softplus along each row at two inverse temperatures, for the Metropolis swaps of parallel
 * tempering (rbm/tempering.ts): out[2r + t] = sum_c softplus(beta_t (pre[r cols + c] + bias[c])), t = 0, 1,
 * cols a multiple of 4. softplus(z) = max(z, 0) + log1p(exp(-|z|)) with
 *   exp(y), -87 <= y <= 0: 2^n p(x), n = nearest(y / ln 2), x = y - n ln 2 (ln 2 in two parts, Cody-Waite),
 *     p the Taylor polynomial of degree 7 (|x| <= ln 2 / 2: truncation below 5e-9 relative);
 *   log1p(e), 0 < e <= 1: 2 atanh(s) = 2 (s + s^3/3 + ... + s^13/13) with s = e / (2 + e) <= 1/3
 *     (truncation below 2e-8 relative).
 * Each term is within a few float32 ulps of the exact value; the sums are kept in float64.
 * The TypeScript fallback is softplusSums in elementwise.ts.
 */
static inline v128_t exp_neg4(v128_t y) {
  y = wasm_f32x4_pmax(y, wasm_f32x4_splat(-87.0f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(y, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t x = wasm_f32x4_sub(y, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.0f / 5040.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(1.0f / 720.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x), wasm_f32x4_splat(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

static inline v128_t softplus4(v128_t z) {
  v128_t e = exp_neg4(wasm_f32x4_neg(wasm_f32x4_abs(z)));
  v128_t s = wasm_f32x4_div(e, wasm_f32x4_add(e, wasm_f32x4_splat(2.0f)));
  v128_t s2 = wasm_f32x4_mul(s, s);
  v128_t q = wasm_f32x4_splat(1.0f / 13.0f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, s2), wasm_f32x4_splat(1.0f / 11.0f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, s2), wasm_f32x4_splat(1.0f / 9.0f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, s2), wasm_f32x4_splat(1.0f / 7.0f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, s2), wasm_f32x4_splat(1.0f / 5.0f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, s2), wasm_f32x4_splat(1.0f / 3.0f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, s2), wasm_f32x4_splat(1.0f));
  v128_t log1p = wasm_f32x4_mul(wasm_f32x4_mul(s, q), wasm_f32x4_splat(2.0f));
  return wasm_f32x4_add(wasm_f32x4_pmax(z, wasm_f32x4_splat(0.0f)), log1p);
}

/* acc += the four lanes of x, in float64. */
static inline void add_f64(v128_t *acc, v128_t x) {
  acc[0] = wasm_f64x2_add(acc[0], wasm_f64x2_promote_low_f32x4(x));
  acc[1] = wasm_f64x2_add(acc[1], wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x, x, 2, 3, 0, 1)));
}

static inline double sum_f64(const v128_t *acc) {
  v128_t s = wasm_f64x2_add(acc[0], acc[1]);
  return wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
}

__attribute__((export_name("softplus_sums"))) void softplus_sums(const float *pre, const float *bias, int rows, int cols,
                                                                 float beta0, float beta1, double *out) {
  v128_t b0 = wasm_f32x4_splat(beta0), b1 = wasm_f32x4_splat(beta1);
  for (int r = 0; r < rows; r++) {
    const float *in = pre + r * cols;
    v128_t acc0[2] = {wasm_f64x2_splat(0.0), wasm_f64x2_splat(0.0)};
    v128_t acc1[2] = {wasm_f64x2_splat(0.0), wasm_f64x2_splat(0.0)};
    for (int c = 0; c < cols; c += 4) {
      v128_t z = wasm_f32x4_add(wasm_v128_load(in + c), wasm_v128_load(bias + c));
      add_f64(acc0, softplus4(wasm_f32x4_mul(b0, z)));
      add_f64(acc1, softplus4(wasm_f32x4_mul(b1, z)));
    }
    out[2 * r] = sum_f64(acc0);
    out[2 * r + 1] = sum_f64(acc1);
  }
}

/* out[2r] = x_r . a, out[2r + 1] = x_r . b for rows of x (rows x cols, cols a multiple of 4), summed in float64. */
__attribute__((export_name("row_dots"))) void row_dots(const float *x, const float *a, const float *b, int rows, int cols,
                                                       double *out) {
  for (int r = 0; r < rows; r++) {
    const float *in = x + r * cols;
    v128_t acc0[2] = {wasm_f64x2_splat(0.0), wasm_f64x2_splat(0.0)};
    v128_t acc1[2] = {wasm_f64x2_splat(0.0), wasm_f64x2_splat(0.0)};
    for (int c = 0; c < cols; c += 4) {
      v128_t v = wasm_v128_load(in + c);
      add_f64(acc0, wasm_f32x4_mul(v, wasm_v128_load(a + c)));
      add_f64(acc1, wasm_f32x4_mul(v, wasm_v128_load(b + c)));
    }
    out[2 * r] = sum_f64(acc0);
    out[2 * r + 1] = sum_f64(acc1);
  }
}
