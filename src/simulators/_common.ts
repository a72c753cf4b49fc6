/**
 * Helpers shared by the worlds: uniform theta draws, rejection sampling,
 * shock draws, and simulation / IRFs of a linear state space.
 *
 * @module
 */

import { keyedStream, STREAM, type Xoshiro128 } from "../numeric/rng.ts";
import {
  DEFAULT_STORED_DTYPE,
  quantizeTheta,
  quantizeValues,
  type StoredDtype,
} from "../numeric/quantize.ts";
export type { StateSpace } from "./types.ts";
import type { ParamManifest, SampleResult, StateSpace } from "./types.ts";

/** Maximum number of theta draws before `rejectionSample` gives up. */
export const MAX_THETA_ATTEMPTS = 1000;

/**
 * Draw every parameter independently from its uniform prior (its bounds),
 * rounded to the stored type inside the bounds (`quantizeTheta`).
 *
 * @param rng The THETA stream.
 * @param params The parameter manifest (every prior must be uniform).
 * @param dtype The stored type (default float32).
 * @returns theta.
 */
export function drawUniformTheta(
  rng: Xoshiro128,
  params: ParamManifest,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): Float64Array {
  const theta = new Float64Array(params.names.length);
  for (let i = 0; i < theta.length; i++) {
    const [lo, hi] = params.bounds[i];
    theta[i] = rng.uniform(lo, hi);
  }
  return quantizeTheta(theta, params.bounds, dtype);
}

/**
 * Draw until `valid(theta)` holds, at most {@link MAX_THETA_ATTEMPTS} times.
 *
 * @param rng The THETA stream.
 * @param draw Draws one candidate.
 * @param valid The validity check.
 * @param worldId For the error message.
 * @returns The accepted theta and the number of rejected candidates.
 * @throws {Error} If no valid theta was found.
 */
export function rejectionSample(
  rng: Xoshiro128,
  draw: (rng: Xoshiro128) => Float64Array,
  valid: (theta: Float64Array) => boolean,
  worldId: string,
): { theta: Float64Array; nRejections: number } {
  for (let attempt = 0; attempt < MAX_THETA_ATTEMPTS; attempt++) {
    const theta = draw(rng);
    if (valid(theta)) return { theta, nRejections: attempt };
  }
  throw new Error(
    `Cannot sample parameters for world "${worldId}": no valid theta in ${MAX_THETA_ATTEMPTS} draws`,
  );
}

/**
 * The N(0, 1) shocks `(T, nShocks)` of a sample, from its EPS stream,
 * rounded to the stored type (so the shocks simulated are the shocks stored).
 *
 * @param sampleSeed The sample seed.
 * @param worldId The world id.
 * @param attempt The attempt (0 unless a guard redraws).
 * @param T Periods.
 * @param nShocks Shocks.
 * @param dtype The stored type (default float32).
 * @returns The shocks, time-major.
 */
export function drawShocks(
  sampleSeed: number,
  worldId: string,
  attempt: number,
  T: number,
  nShocks: number,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): Float64Array {
  return quantizeValues(
    keyedStream(sampleSeed, worldId, attempt, STREAM.EPS).fillNormal(new Float64Array(T * nShocks)),
    dtype,
  );
}

/** Where {@link simulateStateSpace} starts. */
export interface StateSpaceStart {
  /**
   * The state vector of period −1, `s_{−1}`: the first step is
   * `s_0 = A s_{−1} + B eps_0`. Default zeros.
   */
  x0?: ArrayLike<number>;
  /**
   * Period 0's state before its innovations, `E_{−1} s_0`: the first step is
   * `s_0 = s0 + B eps_0` (A is not applied). For worlds whose state vector
   * holds a lag, so that their period −1 is not one of its values. Exclusive
   * with `x0`.
   */
  s0?: ArrayLike<number>;
}

/**
 * Simulate a linear state space from the steady state (zeros), from a given
 * state of period −1 or from a given pre-innovation state of period 0.
 *
 * @param ss The state space.
 * @param eps Shocks `(T, nk)`, N(0, 1).
 * @param T Periods.
 * @param start `x0` (`s_{−1}`) or `s0` (`E_{−1} s_0`); default zeros.
 * @returns Observables `(T, ny)`.
 * @throws {RangeError} If both are given or one has the wrong length.
 */
export function simulateStateSpace(
  ss: StateSpace,
  eps: ArrayLike<number>,
  T: number,
  start: StateSpaceStart = {},
): Float64Array {
  const { ns, nk, ny, A, B, C } = ss;
  const { x0, s0 } = start;
  if (x0 && s0) throw new RangeError("Cannot start a state space from both x0 and s0");
  const given = x0 ?? s0;
  if (given && given.length !== ns) {
    throw new RangeError(`Initial state must have ${ns} entries: got ${given.length}`);
  }
  const y = new Float64Array(T * ny);
  let s = new Float64Array(ns);
  let next = new Float64Array(ns);
  if (given) s.set(given);
  for (let t = 0; t < T; t++) {
    // With s0, period 0 takes the given pre-innovation state as it is.
    const applyA = t > 0 || !s0;
    for (let i = 0; i < ns; i++) {
      let v = 0;
      if (applyA) {
        for (let j = 0; j < ns; j++) v += A[i * ns + j] * s[j];
      } else {
        v = s[i];
      }
      for (let k = 0; k < nk; k++) v += B[i * nk + k] * eps[t * nk + k];
      next[i] = v;
    }
    const tmp = s;
    s = next;
    next = tmp;
    for (let r = 0; r < ny; r++) {
      let v = 0;
      for (let j = 0; j < ns; j++) v += C[r * ns + j] * s[j];
      y[t * ny + r] = v;
    }
  }
  return y;
}

/**
 * Analytic IRF `C A^h B (shockSize e_k)`, h = 0..H.
 *
 * @param ss The state space.
 * @param shockIndex k.
 * @param shockSize Size in s.d. units.
 * @param H Horizon.
 * @param out Optional output `(H + 1, ny)`.
 * @returns The IRF `(H + 1, ny)`.
 */
export function irfStateSpace(
  ss: StateSpace,
  shockIndex: number,
  shockSize: number,
  H: number,
  out: Float64Array = new Float64Array((H + 1) * ss.ny),
): Float64Array {
  const { ns, nk, ny, A, B, C } = ss;
  let s = new Float64Array(ns);
  let next = new Float64Array(ns);
  for (let i = 0; i < ns; i++) s[i] = B[i * nk + shockIndex] * shockSize;
  for (let h = 0; h <= H; h++) {
    if (h > 0) {
      for (let i = 0; i < ns; i++) {
        let v = 0;
        for (let j = 0; j < ns; j++) v += A[i * ns + j] * s[j];
        next[i] = v;
      }
      const tmp = s;
      s = next;
      next = tmp;
    }
    for (let r = 0; r < ny; r++) {
      let v = 0;
      for (let j = 0; j < ns; j++) v += C[r * ns + j] * s[j];
      out[h * ny + r] = v;
    }
  }
  return out;
}

/**
 * The IRFs of every shock, `(nk, H + 1, ny)`: `irfStateSpace` for k = 0..nk-1.
 *
 * @param ss The state space.
 * @param shockSize Size in s.d. units.
 * @param H Horizon.
 * @returns The IRFs, shock-major.
 */
export function allIrfsStateSpace(ss: StateSpace, shockSize: number, H: number): Float64Array {
  const block = (H + 1) * ss.ny;
  const irfs = new Float64Array(ss.nk * block);
  for (let k = 0; k < ss.nk; k++) {
    irfStateSpace(ss, k, shockSize, H, irfs.subarray(k * block, (k + 1) * block));
  }
  return irfs;
}

/** What {@link linearSample} needs besides the state space. */
export interface LinearSampleParts {
  /** The world id (keys the EPS stream). */
  worldId: string;
  /** The sample seed. */
  sampleSeed: number;
  /** Trajectory length. */
  T: number;
  /** IRF horizon. */
  H: number;
  /** IRF shock size, s.d. units. */
  shockSize: number;
  /** The accepted theta. */
  theta: Float64Array;
  /** Rejected draws before it. */
  nRejections: number;
  /** World-specific metadata (`n_rejections` is added). */
  metadata: Record<string, number | ArrayLike<number>>;
  /** The stored type the shocks are rounded to (default float32). */
  dtype?: StoredDtype;
}

/**
 * Assemble the complete sample of a linear world: shocks from the EPS stream
 * (attempt 0, rounded to the stored type), the trajectory from the steady state, and every IRF.
 *
 * @param ss The solved state space (canonical observables only).
 * @param parts Seed, sizes, theta and metadata.
 * @returns The sample.
 */
export function linearSample(ss: StateSpace, parts: LinearSampleParts): SampleResult {
  const { worldId, sampleSeed, T, H } = parts;
  const shocks = drawShocks(sampleSeed, worldId, 0, T, ss.nk, parts.dtype);
  return {
    theta: parts.theta,
    shocks,
    trajectories: simulateStateSpace(ss, shocks, T),
    irfs: allIrfsStateSpace(ss, parts.shockSize, H),
    metadata: { ...parts.metadata, n_rejections: parts.nRejections },
    nRejections: parts.nRejections,
  };
}
