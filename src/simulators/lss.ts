/**
 * The `lss` world: a random stable linear state space with four states, two
 * shocks and three observables.
 *
 * ```
 * x_t = A x_{t−1} + B eps_t        y_t = C x_t        IRF[h] = C A^h B e_k
 * ```
 *
 * theta (36, row-major) is `A_00..A_33`, `B_00..B_31`, `C_00..C_23`. It is
 * drawn by the structured algorithm `lss_v1`: A = Q T Qᵀ with T
 * block-upper-triangular and Q Haar, so the spectral radius of A is exactly
 * the drawn `rho_max` and is stored in metadata.
 *
 * @module
 */

import { keyedStream, STREAM, type Xoshiro128 } from "../numeric/rng.ts";
import { DEFAULT_STORED_DTYPE, quantizeTheta, type StoredDtype } from "../numeric/quantize.ts";
import {
  irfStateSpace,
  linearSample,
  rejectionSample,
  simulateStateSpace,
  type StateSpace,
} from "./_common.ts";
import { spectralRadius } from "../numeric/eigen.ts";
import { type DiagonalBlock, drawPlacedMatrix, isSchurStable } from "./_construct.ts";
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

const NX = 4;
const NK = 2;
const NY = 3;
const N_PARAMS = NX * NX + NX * NK + NY * NX;
const OFF_A = 0;
const OFF_B = NX * NX;
const OFF_C = NX * NX + NX * NK;
const WORLD = "lss";

function matrixNames(prefix: string, rows: number, cols: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.push(`${prefix}_${i}${j}`);
  return out;
}

function lssParams(): ParamManifest {
  const names = [
    ...matrixNames("A", NX, NX),
    ...matrixNames("B", NX, NK),
    ...matrixNames("C", NY, NX),
  ];
  const bounds: (readonly [number, number])[] = names.map((name): readonly [number, number] =>
    name.startsWith("A") ? [-1.5, 1.5] : name.startsWith("B") ? [-3, 3] : [-1, 1]
  );
  const defaults = new Array<number>(N_PARAMS).fill(0);
  for (let i = 0; i < NX; i++) defaults[OFF_A + i * NX + i] = 0.5;
  defaults[OFF_B + 0 * NK + 0] = 1;
  defaults[OFF_B + 1 * NK + 1] = 1;
  for (let i = 0; i < NY; i++) defaults[OFF_C + i * NX + i] = 1;
  const units = names.map((name) => (name.startsWith("B") ? "percent-like per s.d." : "1"));
  const priors: PriorSpec[] = names.map((name) => ({
    kind: "structured",
    algorithm: "lss_v1",
    note: name.startsWith("A")
      ? "A = Q T Qᵀ, T block-triangular with placed eigenvalues, rho_max ~ U[0.5, 0.98], Q Haar"
      : name.startsWith("B")
      ? "B_ij ~ N(0, sB²), sB ~ U[0.2, 1]"
      : "C_ij ~ N(0, 1), rows rescaled to unit norm",
  }));
  return { names, units, bounds, defaults, priors };
}

const PARAMS: ParamManifest = lssParams();

/** One draw of the `lss_v1` algorithm. */
export interface LssDraw {
  /** theta (36): A (4x4), B (4x2), C (3x4), row-major. */
  theta: Float64Array;
  /** The spectral radius of A, exactly the drawn `rho_max`. */
  spectralRadius: number;
  /** Number of complex-conjugate eigenvalue pairs of A (0, 1 or 2). */
  nComplexPairs: number;
  /** The diagonal blocks of T: the eigenvalues of A. */
  blocks: DiagonalBlock[];
}

/**
 * Draw theta by the `lss_v1` algorithm (described below), with no
 * rejection. Every draw is stable; a rare draw can fall outside the manifest
 * bounds, which the world's validity check rejects.
 *
 * Draw order: `rho_max ~ U[0.5, 0.98]`; `n_pairs ~ U{0, 1, 2}`; the matrix
 * construction of `drawPlacedMatrix` (n = 4, off-diagonal s.d. 0.3);
 * `sB ~ U[0.2, 1]`; B row-major (`sB · N(0, 1)`); C row-major (N(0, 1)), then
 * each row of C is rescaled to unit norm.
 *
 * @param rng The THETA stream.
 * @returns theta and its construction facts.
 *
 * @example The spectral radius is in the prior range
 * ```ts
 * import { drawLssTheta } from "./lss.ts";
 * import { keyedStream } from "../numeric/rng.ts";
 * import assert from "node:assert/strict";
 * const d = drawLssTheta(keyedStream(7, "lss", 0, 0));
 * assert.equal(d.theta.length, 36);
 * assert.ok(d.spectralRadius >= 0.5 && d.spectralRadius < 0.98);
 * ```
 */
export function drawLssTheta(rng: Xoshiro128): LssDraw {
  const rhoMax = rng.uniform(0.5, 0.98);
  const nPairs = rng.integer(0, 2);
  const placed = drawPlacedMatrix(rng, {
    n: NX,
    nPairs,
    leadModulus: rhoMax,
    offDiagonalSd: 0.3,
  });
  const theta = new Float64Array(N_PARAMS);
  theta.set(placed.matrix, OFF_A);
  const sB = rng.uniform(0.2, 1);
  for (let i = 0; i < NX * NK; i++) theta[OFF_B + i] = sB * rng.nextNormal();
  for (let i = 0; i < NY * NX; i++) theta[OFF_C + i] = rng.nextNormal();
  for (let r = 0; r < NY; r++) {
    let ss = 0;
    for (let j = 0; j < NX; j++) ss += theta[OFF_C + r * NX + j] ** 2;
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < NX; j++) theta[OFF_C + r * NX + j] *= inv;
  }
  return { theta, spectralRadius: rhoMax, nComplexPairs: nPairs, blocks: placed.blocks };
}

function checkTheta(theta: ArrayLike<number>): void {
  if (theta.length !== N_PARAMS) {
    throw new RangeError(`lss theta must have ${N_PARAMS} entries: got ${theta.length}`);
  }
}

/**
 * The state space `x_t = A x_{t−1} + B eps_t`, `y_t = C x_t` of an lss theta.
 * The matrices are views into theta (no copy).
 *
 * @param theta The 36 parameters.
 * @returns The state space (ns = 4, nk = 2, ny = 3).
 * @throws {RangeError} If theta does not have 36 entries.
 *
 * @example The default theta
 * ```ts
 * import { lssStateSpace, lssWorld } from "./lss.ts";
 * import assert from "node:assert/strict";
 * const ss = lssStateSpace(Float64Array.from(lssWorld.params.defaults));
 * assert.equal(ss.A[0], 0.5);
 * assert.deepEqual([ss.ns, ss.nk, ss.ny], [4, 2, 3]);
 * ```
 */
export function lssStateSpace(theta: Float64Array): StateSpace {
  checkTheta(theta);
  return {
    ns: NX,
    nk: NK,
    ny: NY,
    A: theta.subarray(OFF_A, OFF_B),
    B: theta.subarray(OFF_B, OFF_C),
    C: theta.subarray(OFF_C, N_PARAMS),
  };
}

function withinBounds(theta: ArrayLike<number>): boolean {
  for (let i = 0; i < N_PARAMS; i++) {
    const [lo, hi] = PARAMS.bounds[i];
    const v = theta[i];
    if (!(v >= lo && v <= hi)) return false;
  }
  return true;
}

function lssValid(theta: Float64Array): boolean {
  return theta.length === N_PARAMS && withinBounds(theta) &&
    isSchurStable(theta.subarray(OFF_A, OFF_B), NX);
}

/**
 * Draw until valid, each candidate rounded to the stored type first (so the
 * checks and the facts are those of the stored theta); the spectral radius
 * is then that of the rounded A (numerical eigenvalues), not the placed
 * rho_max it differs from by the rounding.
 */
function sampleWithFacts(
  rng: Xoshiro128,
  dtype: StoredDtype,
): { draw: LssDraw; nRejections: number } {
  let last: LssDraw | undefined;
  const { nRejections } = rejectionSample(
    rng,
    (r) => quantizeTheta((last = drawLssTheta(r)).theta, PARAMS.bounds, dtype),
    lssValid,
    WORLD,
  );
  const draw = last as LssDraw;
  return {
    draw: { ...draw, spectralRadius: spectralRadius(draw.theta.subarray(OFF_A, OFF_B), NX) },
    nRejections,
  };
}

function impactNorm(theta: ArrayLike<number>): number {
  let best = 0;
  for (let k = 0; k < NK; k++) {
    let ss = 0;
    for (let r = 0; r < NY; r++) {
      let v = 0;
      for (let j = 0; j < NX; j++) v += theta[OFF_C + r * NX + j] * theta[OFF_B + j * NK + k];
      ss += v * v;
    }
    if (ss > best) best = ss;
  }
  return Math.sqrt(best);
}

function checkLengths(T: number, H: number): void {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`T must be a positive integer: got ${T}`);
  if (!Number.isInteger(H) || H < 0) {
    throw new RangeError(`H must be a non-negative integer: got ${H}`);
  }
}

function metaNumber(meta: Readonly<Record<string, number>>, name: string): number {
  const v = meta[name];
  if (typeof v !== "number") {
    throw new TypeError(`Cannot compute lss split statistics: metadata "${name}" is missing`);
  }
  return v;
}

/**
 * The `lss` world adapter: `x_t = A x_{t−1} + B eps_t`, `y_t = C x_t`, theta
 * drawn by {@link drawLssTheta}. `simulate`'s `x0` is the state of period −1,
 * `x_{−1}` (4 entries); IRFs do not depend on it (the model is linear).
 *
 * @example Generate one sample
 * ```ts
 * import { lssWorld } from "./lss.ts";
 * import assert from "node:assert/strict";
 * const s = lssWorld.generateSample(42, 50, 10);
 * assert.equal(s.trajectories.length, 50 * 3);
 * assert.equal(s.irfs.length, 2 * 11 * 3);
 * assert.ok(Number(s.metadata.spectral_radius) < 0.98);
 * ```
 */
export const lssWorld: WorldAdapter = {
  id: WORLD,
  version: "lss_v1",
  description: "Random stable linear state space: 4 states, 2 shocks, 3 observables, " +
    "eigenvalues placed exactly (spectral radius ~ U[0.5, 0.98])",
  params: PARAMS,
  shocks: { names: ["shock_0", "shock_1"], sigmaDefault: [1, 1], irfShockSize: 1 },
  observables: {
    canonical: CANONICAL_OBSERVABLES,
    units: ["percent-like", "percent-like", "percent-like"],
    extra: [],
  },
  sliceRule: {
    statistic: "spectral_radius",
    op: ">",
    threshold: 0.95,
    description: "Near-unit-root dynamics: spectral radius of A above 0.95, " +
      "6.25% of the prior (rho_max ~ U[0.5, 0.98])",
  },
  cornerDescription: {
    persistence: "spectral_radius: the spectral radius of A (metadata)",
    volatility: "max_k ‖C B e_k‖₂: the largest impact-response norm over the shocks",
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
      {
        name: "spectral_radius",
        dtype: "float64",
        shape: [],
        dims: [],
        description:
          "Spectral radius of A of the stored theta (QR eigenvalues: the placed rho_max up to the rounding of theta to the stored type)",
      },
      {
        name: "n_complex_pairs",
        dtype: "int8",
        shape: [],
        dims: [],
        description: "Number of complex-conjugate eigenvalue pairs of A (0, 1 or 2)",
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
    return lssValid(theta);
  },
  simulate(
    theta: Float64Array,
    eps: Float64Array,
    T: number,
    options?: SimulateOptions,
  ): SimOutput {
    const ss = lssStateSpace(theta);
    if (eps.length !== T * NK) {
      throw new RangeError(`lss shocks must have T * ${NK} = ${T * NK} entries: got ${eps.length}`);
    }
    const x0 = options?.x0;
    if (x0 && x0.length !== NX) {
      throw new RangeError(`lss initial state must have ${NX} entries: got ${x0.length}`);
    }
    return { y: simulateStateSpace(ss, eps, T, { x0 }) };
  },
  computeIrf(
    theta: Float64Array,
    shockIndex: number,
    shockSize: number,
    H: number,
    _options?: { x0?: Float64Array },
  ): Float64Array {
    if (!Number.isInteger(shockIndex) || shockIndex < 0 || shockIndex >= NK) {
      throw new RangeError(`lss shock index must be 0 or 1: got ${shockIndex}`);
    }
    return irfStateSpace(lssStateSpace(theta), shockIndex, shockSize, H);
  },
  splitStats(theta: ArrayLike<number>, meta: Readonly<Record<string, number>>): SplitStats {
    checkTheta(theta);
    const rho = metaNumber(meta, "spectral_radius");
    return { slice: rho, persistence: rho, volatility: impactNorm(theta) };
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
    return linearSample(lssStateSpace(draw.theta), {
      worldId: WORLD,
      sampleSeed,
      T,
      H,
      shockSize: lssWorld.shocks.irfShockSize,
      theta: draw.theta,
      nRejections,
      metadata: { spectral_radius: draw.spectralRadius, n_complex_pairs: draw.nComplexPairs },
      dtype,
    });
  },
};
