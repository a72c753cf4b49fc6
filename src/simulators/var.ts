/**
 * The `var` world: a stable VAR(p) in three variables with Cholesky
 * (lower-triangular) shock impact, p ∈ {1, 2, 3, 4}.
 *
 * ```
 * y_t = Σ_{ℓ=1}^{p} A_ℓ y_{t−ℓ} + L eps_t
 * ```
 *
 * theta (43) is `[p, A1_00..A1_22, A2_.., A3_.., A4_.., L_00, L_10, L_11,
 * L_20, L_21, L_22]`, with `A_ℓ = 0` for ℓ > p. It is drawn by the structured
 * algorithm `var_v1`: the lag polynomial is built as a product
 * `I − Σ A_ℓ L^ℓ = (I − M_1 L) ⋯ (I − M_p L)` of factors with placed
 * eigenvalues, so the companion eigenvalues are exactly the union of the
 * eig(M_ℓ) and the spectral radius is the drawn `rho_max`. L is the Bartlett
 * factor of a Wishart draw.
 *
 * @module
 */

import { spectralRadius } from "../numeric/eigen.ts";
import { identity } from "../numeric/linalg.ts";
import { keyedStream, STREAM, type Xoshiro128 } from "../numeric/rng.ts";
import { DEFAULT_STORED_DTYPE, quantizeTheta, type StoredDtype } from "../numeric/quantize.ts";
import { drawShocks, rejectionSample } from "./_common.ts";
import { bartlettCholesky, drawPlacedMatrix, isSchurStable } from "./_construct.ts";
import type {
  MetaFieldSpec,
  ParamManifest,
  PriorSpec,
  SampleResult,
  SimOutput,
  SimulateOptions,
  SplitStats,
  WorldAdapter,
} from "./types.ts";
import { CANONICAL_OBSERVABLES } from "./types.ts";

const N = 3;
const MAX_P = 4;
const NN = N * N;
const OFF_A = 1;
const OFF_L = 1 + MAX_P * NN;
const N_PARAMS = OFF_L + (N * (N + 1)) / 2;
const WISHART_DF = N + 2;
/** Largest eigenvalue modulus of the lag-polynomial factors M_ℓ, ℓ ≥ 2. */
const FACTOR_MODULUS_MAX = 0.5;
const WORLD = "var";

/** The coefficients of an n-variable VAR(p) `y_t = Σ A_ℓ y_{t−ℓ} + impact · eps_t`. */
export interface VarCoefficients {
  /** Number of variables (and of shocks). */
  n: number;
  /** `A_1..A_p`, each n x n row-major; p is the length of the list. */
  lags: readonly ArrayLike<number>[];
  /** The impact matrix (L), n x n row-major; column k is the impact of shock k. */
  impact: ArrayLike<number>;
}

function lagNames(): string[] {
  const out: string[] = [];
  for (let l = 1; l <= MAX_P; l++) {
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out.push(`A${l}_${i}${j}`);
  }
  return out;
}

function lowerNames(): string[] {
  const out: string[] = [];
  for (let i = 0; i < N; i++) for (let j = 0; j <= i; j++) out.push(`L_${i}${j}`);
  return out;
}

function varParams(): ParamManifest {
  const names = ["p", ...lagNames(), ...lowerNames()];
  const bounds = names.map((name): readonly [number, number] => {
    if (name === "p") return [1, MAX_P];
    if (name.startsWith("A")) return [-2.5, 2.5];
    return name[2] === name[3] ? [0, 9] : [-6, 6];
  });
  const defaults = new Array<number>(N_PARAMS).fill(0);
  defaults[0] = 1;
  for (let i = 0; i < N; i++) defaults[OFF_A + i * N + i] = 0.5;
  for (let i = 0; i < N; i++) defaults[OFF_L + (i * (i + 1)) / 2 + i] = 1;
  const units = names.map((name) =>
    name === "p" ? "lags" : name.startsWith("A") ? "1" : "percent-like per s.d."
  );
  const priors: PriorSpec[] = names.map((name) => ({
    kind: "structured",
    algorithm: "var_v1",
    note: name === "p"
      ? "p ~ U{1, 2, 3, 4}"
      : name.startsWith("A")
      ? "I − Σ A_ℓ L^ℓ = Π (I − M_ℓ L), M_ℓ with placed eigenvalues, spectral radius ~ U[0.5, 0.98]"
      : "L = chol of Wishart(5, s² I / 5) by Bartlett, s ~ U[0.5, 5]",
  }));
  return { names, units, bounds, defaults, priors };
}

const PARAMS: ParamManifest = varParams();

/**
 * Expand `(I − M_1 L)(I − M_2 L) ⋯ (I − M_p L)` into `I − Σ A_ℓ L^ℓ` and
 * return `A_1..A_p`. The companion matrix of the result has exactly the
 * eigenvalues of the factors, because
 * `det(λ^p I − Σ A_ℓ λ^{p−ℓ}) = Π_ℓ det(λ I − M_ℓ)`.
 *
 * @param factors `M_1..M_p`, each n x n row-major (multiplied in this order).
 * @param n Size.
 * @returns `A_1..A_p`, each n x n.
 *
 * @example Two scalar factors give an AR(2)
 * ```ts
 * import { expandLagPolynomial } from "./var.ts";
 * import assert from "node:assert/strict";
 * // (1 − 0.9 L)(1 − 0.5 L) = 1 − 1.4 L + 0.45 L²
 * const [a1, a2] = expandLagPolynomial([[0.9], [0.5]], 1);
 * assert.ok(Math.abs(a1[0] - 1.4) < 1e-15 && Math.abs(a2[0] + 0.45) < 1e-15);
 * ```
 */
export function expandLagPolynomial(
  factors: readonly ArrayLike<number>[],
  n: number,
): Float64Array[] {
  const nn = n * n;
  // coef[d] is the coefficient matrix of L^d.
  let coef: Float64Array[] = [identity(n)];
  for (const m of factors) {
    const next: Float64Array[] = [];
    for (let d = 0; d <= coef.length; d++) next.push(new Float64Array(nn));
    for (let d = 0; d < coef.length; d++) {
      const c = coef[d];
      const same = next[d];
      const up = next[d + 1];
      for (let i = 0; i < nn; i++) same[i] += c[i];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let l = 0; l < n; l++) s += c[i * n + l] * m[l * n + j];
          up[i * n + j] -= s;
        }
      }
    }
    coef = next;
  }
  return coef.slice(1).map((c) => c.map((v) => -v));
}

/**
 * The companion matrix of a VAR(p): first block row `[A_1 … A_p]`, identity
 * blocks below the diagonal.
 *
 * @param coef The VAR coefficients.
 * @returns The (n p) x (n p) companion matrix, row-major.
 *
 * @example Companion of an AR(2)
 * ```ts
 * import { varCompanion } from "./var.ts";
 * import assert from "node:assert/strict";
 * const f = varCompanion({ n: 1, lags: [[1.4], [-0.45]], impact: [1] });
 * assert.deepEqual(Array.from(f), [1.4, -0.45, 1, 0]);
 * ```
 */
export function varCompanion(coef: VarCoefficients): Float64Array {
  const { n, lags } = coef;
  const p = lags.length;
  const m = n * p;
  const f = new Float64Array(m * m);
  for (let l = 0; l < p; l++) {
    const a = lags[l];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) f[i * m + l * n + j] = a[i * n + j];
  }
  for (let i = n; i < m; i++) f[i * m + i - n] = 1;
  return f;
}

/** Options of {@link varIrfs}. */
export interface VarIrfOptions {
  /** Shock size in s.d. units (default 1). */
  shockSize?: number;
  /** Output array `(n, H + 1, n)` (default: a new one). */
  out?: Float64Array;
}

/**
 * Impulse responses of a VAR to every shock, by the MA recursion
 * `Θ_0 = impact`, `Θ_h = Σ_{ℓ=1}^{min(h, p)} A_ℓ Θ_{h−ℓ}` (so `Θ_h = Ψ_h L`
 * with `Ψ_0 = I`, `Ψ_h = Σ A_ℓ Ψ_{h−ℓ}`), and `IRF_k[h] = shockSize · Θ_h e_k`.
 *
 * @param coef The VAR coefficients.
 * @param H Horizon.
 * @param options Shock size, output array.
 * @returns The IRFs `(n shocks, H + 1, n variables)`, row-major.
 *
 * @example AR(2) with roots 0.9 and 0.5: ψ_1 = 1.4
 * ```ts
 * import { varIrfs } from "./var.ts";
 * import assert from "node:assert/strict";
 * const irf = varIrfs({ n: 1, lags: [[1.4], [-0.45]], impact: [1] }, 4);
 * assert.equal(irf[0], 1);
 * assert.ok(Math.abs(irf[1] - 1.4) < 1e-15 && Math.abs(irf[4] - 1.3981) < 1e-12);
 * ```
 */
export function varIrfs(
  coef: VarCoefficients,
  H: number,
  options: VarIrfOptions = {},
): Float64Array {
  const { n, lags, impact } = coef;
  const p = lags.length;
  const nn = n * n;
  const size = options.shockSize ?? 1;
  const out = options.out ?? new Float64Array(n * (H + 1) * n);
  const theta = new Float64Array((H + 1) * nn);
  for (let i = 0; i < nn; i++) theta[i] = impact[i];
  for (let h = 1; h <= H; h++) {
    const dst = h * nn;
    const top = Math.min(h, p);
    for (let l = 1; l <= top; l++) {
      const a = lags[l - 1];
      const src = (h - l) * nn;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < n; k++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += a[i * n + j] * theta[src + j * n + k];
          theta[dst + i * n + k] += s;
        }
      }
    }
  }
  for (let k = 0; k < n; k++) {
    for (let h = 0; h <= H; h++) {
      const o = (k * (H + 1) + h) * n;
      for (let i = 0; i < n; i++) out[o + i] = size * theta[h * nn + i * n + k];
    }
  }
  return out;
}

/** Options of {@link simulateVar}. */
export interface SimulateVarOptions {
  /**
   * Initial lags `[y_{−1}, y_{−2}, …]`, n values per lag (length a multiple of
   * n); missing lags are zero and lags beyond p are ignored. Default: all zero.
   */
  x0?: ArrayLike<number>;
}

/**
 * Simulate a VAR from given initial lags: `y_t = Σ A_ℓ y_{t−ℓ} + impact eps_t`.
 *
 * @param coef The VAR coefficients.
 * @param eps Shocks `(T, n)`, N(0, 1); T is `eps.length / n`.
 * @param options Initial lags.
 * @returns y `(T, n)`.
 * @throws {RangeError} If `eps.length` or `x0.length` is not a multiple of n.
 *
 * @example An impulse through an AR(1)
 * ```ts
 * import { simulateVar } from "./var.ts";
 * import assert from "node:assert/strict";
 * const y = simulateVar({ n: 1, lags: [[0.5]], impact: [2] }, new Float64Array([1, 0, 0]));
 * assert.deepEqual(Array.from(y), [2, 1, 0.5]);
 * ```
 */
export function simulateVar(
  coef: VarCoefficients,
  eps: ArrayLike<number>,
  options: SimulateVarOptions = {},
): Float64Array {
  const { n, lags, impact } = coef;
  const p = lags.length;
  if (eps.length % n !== 0) {
    throw new RangeError(`Shocks must have a multiple of ${n} entries: got ${eps.length}`);
  }
  const x0 = options.x0;
  if (x0 && x0.length % n !== 0) {
    throw new RangeError(`Initial lags must have a multiple of ${n} entries: got ${x0.length}`);
  }
  const nLag0 = x0 ? x0.length / n : 0;
  const T = eps.length / n;
  const y = new Float64Array(T * n);
  for (let t = 0; t < T; t++) {
    const o = t * n;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += impact[i * n + k] * eps[o + k];
      y[o + i] = v;
    }
    for (let l = 1; l <= p; l++) {
      const a = lags[l - 1];
      let base: ArrayLike<number>;
      let off: number;
      if (t >= l) {
        base = y;
        off = (t - l) * n;
      } else {
        const lag = l - t - 1;
        if (lag >= nLag0) continue;
        base = x0 as ArrayLike<number>;
        off = lag * n;
      }
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += a[i * n + j] * base[off + j];
        y[o + i] += v;
      }
    }
  }
  return y;
}

function checkTheta(theta: ArrayLike<number>): void {
  if (theta.length !== N_PARAMS) {
    throw new RangeError(`var theta must have ${N_PARAMS} entries: got ${theta.length}`);
  }
}

function lagOrder(theta: ArrayLike<number>): number {
  const p = theta[0];
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) {
    throw new RangeError(`var lag order p must be an integer in [1, ${MAX_P}]: got ${p}`);
  }
  return p;
}

/**
 * The VAR coefficients of a var theta: `A_1..A_p` (views into theta) and
 * the lower-triangular L.
 *
 * @param theta The 43 parameters.
 * @returns The coefficients (n = 3).
 * @throws {RangeError} If theta has the wrong length or p is not in {1..4}.
 *
 * @example The default theta is a VAR(1)
 * ```ts
 * import { varCoefficients, varWorld } from "./var.ts";
 * import assert from "node:assert/strict";
 * const c = varCoefficients(Float64Array.from(varWorld.params.defaults));
 * assert.equal(c.lags.length, 1);
 * assert.deepEqual(Array.from(c.impact), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
 * ```
 */
export function varCoefficients(theta: Float64Array): VarCoefficients {
  checkTheta(theta);
  const p = lagOrder(theta);
  const lags: Float64Array[] = [];
  for (let l = 0; l < p; l++) lags.push(theta.subarray(OFF_A + l * NN, OFF_A + (l + 1) * NN));
  const impact = new Float64Array(NN);
  let idx = OFF_L;
  for (let i = 0; i < N; i++) for (let j = 0; j <= i; j++) impact[i * N + j] = theta[idx++];
  return { n: N, lags, impact };
}

/** One draw of the `var_v1` algorithm. */
export interface VarDraw {
  /** theta (43). */
  theta: Float64Array;
  /** The lag order p. */
  p: number;
  /** The spectral radius of the companion matrix, exactly the drawn `rho_max`. */
  spectralRadius: number;
  /** The factors `M_1..M_p` of the lag polynomial (their eigenvalues are the companion's). */
  factors: Float64Array[];
}

/**
 * Draw theta by the `var_v1` algorithm (described below), with no
 * rejection. Every draw is stable; a rare draw can fall outside the manifest
 * bounds, which the world's validity check rejects.
 *
 * Draw order: `p ~ U{1..4}`; `rho_max ~ U[0.5, 0.98]`; for ℓ = 1..p: the
 * modulus of the first block (ℓ = 1: `rho_max`, no draw; ℓ ≥ 2: `U[0, 0.5]`),
 * then `n_pairs ~ U{0, 1}`, then the construction of `drawPlacedMatrix`
 * (n = 3, off-diagonal s.d. 0.2; the other moduli are at most `rho_max` for
 * ℓ = 1 and at most 0.5 for ℓ ≥ 2) giving `M_ℓ`; then `s ~ U[0.5, 5]` and the
 * Bartlett factor `L` of Wishart(5, s² I / 5) (`bartlettCholesky`). Every
 * eigenvalue of `M_ℓ`, ℓ ≥ 2, has modulus at most 0.5 < rho_max.
 *
 * @param rng The THETA stream.
 * @returns theta and its construction facts.
 *
 * @example The spectral radius is in the prior range
 * ```ts
 * import { drawVarTheta } from "./var.ts";
 * import { keyedStream } from "../numeric/rng.ts";
 * import assert from "node:assert/strict";
 * const d = drawVarTheta(keyedStream(7, "var", 0, 0));
 * assert.equal(d.theta[0], d.p);
 * assert.ok(d.spectralRadius >= 0.5 && d.spectralRadius < 0.98);
 * ```
 */
export function drawVarTheta(rng: Xoshiro128): VarDraw {
  const p = rng.integer(1, MAX_P);
  const rhoMax = rng.uniform(0.5, 0.98);
  const factors: Float64Array[] = [];
  for (let l = 1; l <= p; l++) {
    const lead = l === 1 ? rhoMax : rng.uniform(0, FACTOR_MODULUS_MAX);
    const nPairs = rng.integer(0, 1);
    const placed = drawPlacedMatrix(rng, {
      n: N,
      nPairs,
      leadModulus: lead,
      otherModulusMax: l === 1 ? rhoMax : FACTOR_MODULUS_MAX,
      offDiagonalSd: 0.2,
    });
    factors.push(placed.matrix);
  }
  const s = rng.uniform(0.5, 5);
  const l = bartlettCholesky(rng, N, { df: WISHART_DF, scale: s });
  const theta = new Float64Array(N_PARAMS);
  theta[0] = p;
  expandLagPolynomial(factors, N).forEach((a, i) => theta.set(a, OFF_A + i * NN));
  let idx = OFF_L;
  for (let i = 0; i < N; i++) for (let j = 0; j <= i; j++) theta[idx++] = l[i * N + j];
  return { theta, p, spectralRadius: rhoMax, factors };
}

function varValid(theta: Float64Array): boolean {
  if (theta.length !== N_PARAMS) return false;
  const p = theta[0];
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) return false;
  for (let i = 1; i < N_PARAMS; i++) {
    const [lo, hi] = PARAMS.bounds[i];
    const v = theta[i];
    if (!(v >= lo && v <= hi)) return false;
  }
  for (let i = OFF_A + p * NN; i < OFF_L; i++) if (theta[i] !== 0) return false;
  for (let i = 0; i < N; i++) if (!(theta[OFF_L + (i * (i + 1)) / 2 + i] > 0)) return false;
  return isSchurStable(varCompanion(varCoefficients(theta)), N * p);
}

/**
 * Draw until valid, each candidate rounded to the stored type first (so the
 * checks and the facts are those of the stored theta); the spectral radius
 * is then that of the rounded companion matrix (numerical eigenvalues), not
 * the placed rho_max it differs from by the rounding.
 */
function sampleWithFacts(
  rng: Xoshiro128,
  dtype: StoredDtype,
): { draw: VarDraw; nRejections: number } {
  let last: VarDraw | undefined;
  const { nRejections } = rejectionSample(
    rng,
    (r) => quantizeTheta((last = drawVarTheta(r)).theta, PARAMS.bounds, dtype),
    varValid,
    WORLD,
  );
  const draw = last as VarDraw;
  const companion = varCompanion(varCoefficients(draw.theta));
  return {
    draw: { ...draw, spectralRadius: spectralRadius(companion, N * draw.p) },
    nRejections,
  };
}

function checkLengths(T: number, H: number): void {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`T must be a positive integer: got ${T}`);
  if (!Number.isInteger(H) || H < 0) {
    throw new RangeError(`H must be a non-negative integer: got ${H}`);
  }
}

function maxRowNorm(theta: ArrayLike<number>): number {
  let best = 0;
  let idx = OFF_L;
  for (let i = 0; i < N; i++) {
    let ss = 0;
    for (let j = 0; j <= i; j++, idx++) ss += theta[idx] * theta[idx];
    if (ss > best) best = ss;
  }
  return Math.sqrt(best);
}

/**
 * The `var` world adapter: `y_t = Σ A_ℓ y_{t−ℓ} + L eps_t`, theta drawn by
 * {@link drawVarTheta}. `simulate`'s `x0` is the state of period −1, the
 * lags `[y_{−1}, y_{−2}, …]` (3 values per lag, see {@link simulateVar});
 * IRFs do not depend on it (the model is linear).
 *
 * @example Generate one sample
 * ```ts
 * import { varWorld } from "./var.ts";
 * import assert from "node:assert/strict";
 * const s = varWorld.generateSample(42, 50, 10);
 * assert.equal(s.irfs.length, 3 * 11 * 3);
 * assert.equal(s.metadata.p, s.theta[0]);
 * ```
 */
export const varWorld: WorldAdapter = {
  id: WORLD,
  version: "var_v1",
  description: "Stable VAR(p) in 3 variables, p in {1..4}, Cholesky shocks; companion " +
    "eigenvalues placed exactly by factorising the lag polynomial (spectral radius ~ U[0.5, 0.98])",
  params: PARAMS,
  shocks: { names: ["shock_0", "shock_1", "shock_2"], sigmaDefault: [1, 1, 1], irfShockSize: 1 },
  observables: {
    canonical: CANONICAL_OBSERVABLES,
    units: ["percent-like", "percent-like", "percent-like"],
    extra: [],
  },
  sliceRule: {
    statistic: "spectral_radius",
    op: ">",
    threshold: 0.95,
    description: "Near-unit-root dynamics: companion spectral radius above 0.95, " +
      "6.25% of the prior (rho_max ~ U[0.5, 0.98])",
  },
  cornerDescription: {
    persistence: "spectral_radius: the spectral radius of the companion matrix (metadata)",
    volatility: "max_i ‖L_{i,:}‖₂: the one-step forecast-error s.d. of the noisiest variable",
  },
  metadataFields(_T: number, _H: number): MetaFieldSpec[] {
    return [
      {
        name: "n_rejections",
        dtype: "int32",
        shape: [],
        dims: [],
        description: "Rejected theta draws (out of the manifest bounds) before acceptance",
      },
      { name: "p", dtype: "int8", shape: [], dims: [], description: "Lag order p (1 to 4)" },
      {
        name: "spectral_radius",
        dtype: "float64",
        shape: [],
        dims: [],
        description:
          "Spectral radius of the companion matrix of the stored theta (QR eigenvalues: the placed rho_max up to the rounding of theta to the stored type)",
      },
    ];
  },
  sampleParameters(
    rng: Xoshiro128,
    dtype: StoredDtype = DEFAULT_STORED_DTYPE,
  ): { theta: Float64Array; nRejections: number } {
    const { draw, nRejections } = sampleWithFacts(rng, dtype);
    return { theta: draw.theta, nRejections };
  },
  checkValidity(theta: Float64Array): boolean {
    return varValid(theta);
  },
  simulate(
    theta: Float64Array,
    eps: Float64Array,
    T: number,
    options?: SimulateOptions,
  ): SimOutput {
    const coef = varCoefficients(theta);
    if (eps.length !== T * N) {
      throw new RangeError(`var shocks must have T * ${N} = ${T * N} entries: got ${eps.length}`);
    }
    return { y: simulateVar(coef, eps, { x0: options?.x0 }) };
  },
  computeIrf(
    theta: Float64Array,
    shockIndex: number,
    shockSize: number,
    H: number,
    _options?: { x0?: Float64Array },
  ): Float64Array {
    if (!Number.isInteger(shockIndex) || shockIndex < 0 || shockIndex >= N) {
      throw new RangeError(`var shock index must be 0, 1 or 2: got ${shockIndex}`);
    }
    const all = varIrfs(varCoefficients(theta), H, { shockSize });
    return all.slice(shockIndex * (H + 1) * N, (shockIndex + 1) * (H + 1) * N);
  },
  splitStats(theta: ArrayLike<number>, meta: Readonly<Record<string, number>>): SplitStats {
    checkTheta(theta);
    const rho = meta.spectral_radius;
    if (typeof rho !== "number") {
      throw new TypeError(
        'Cannot compute var split statistics: metadata "spectral_radius" is missing',
      );
    }
    return { slice: rho, persistence: rho, volatility: maxRowNorm(theta) };
  },
  generateSample(
    sampleSeed: number,
    T: number,
    H: number,
    dtype: StoredDtype = DEFAULT_STORED_DTYPE,
  ): SampleResult {
    checkLengths(T, H);
    const { draw, nRejections } = sampleWithFacts(
      keyedStream(sampleSeed, WORLD, 0, STREAM.THETA),
      dtype,
    );
    const coef = varCoefficients(draw.theta);
    const shocks = drawShocks(sampleSeed, WORLD, 0, T, N, dtype);
    const trajectories = simulateVar(coef, shocks);
    const irfs = varIrfs(coef, H, { shockSize: varWorld.shocks.irfShockSize });
    return {
      theta: draw.theta,
      shocks,
      trajectories,
      irfs,
      metadata: { n_rejections: nRejections, p: draw.p, spectral_radius: draw.spectralRadius },
      nRejections,
    };
  },
};
