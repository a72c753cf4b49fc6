/**
 * The `nk` world: the three-equation New Keynesian model with interest-rate
 * smoothing and AR(1) monetary, demand (natural-rate) and cost-push shocks
 * (Galí 2015, ch. 3, with a smoothed Taylor rule).
 *
 * The solution is QZ-free (see `_nk_solve.ts`): the policy root ω of a scalar
 * cubic, then 3×3 solves for the shock loadings. The state is
 * `S_t = [m_t, r^n_t, u_t, i_{t−1}]` in percent (an initial state `x0` is not
 * `S_{−1}` but the economy's state of period −1, `[m_{−1}, r^n_{−1}, u_{−1},
 * i_{−1}]`, as in zlb); the canonical observables are
 * `[x_t, 4π_t, 4i_t]` (output gap in percent, annualized inflation and policy
 * rate deviations in percentage points). Extras: the ex-ante real rate
 * `4(i_t − E_t π_{t+1})` and the natural rate `4 r^n_t`, annualized.
 *
 * @module
 */

import { keyedStream, STREAM, type Xoshiro128 } from "../numeric/rng.ts";
import { DEFAULT_STORED_DTYPE, type StoredDtype } from "../numeric/quantize.ts";
import {
  drawUniformTheta,
  irfStateSpace,
  linearSample,
  rejectionSample,
  simulateStateSpace,
  type StateSpace,
} from "./_common.ts";
import {
  NK_N_PARAMS,
  NK_PARAM_NAMES,
  NK_PARAM_UNITS,
  nkCornerStats,
  nkDeterminacy,
  type NkSolution,
  solveNk,
} from "./_nk_solve.ts";
import type {
  MetaFieldSpec,
  ParamManifest,
  SampleResult,
  SimOutput,
  SimulateOptions,
  SplitStats,
  WorldAdapter,
} from "./types.ts";
import { CANONICAL_OBSERVABLES } from "./types.ts";

export { NK_PARAM_NAMES, nkDeterminacy, solveNk };
export type { NkDeterminacy, NkSolution } from "./_nk_solve.ts";

const WORLD_ID = "nk";
const N_SHOCKS = 3;
const N_STATE = 4;
const N_CANONICAL = 3;
const N_EXTRA = 2;

const BOUNDS: readonly (readonly [number, number])[] = [
  [0.5, 2.5],
  [0.985, 0.995],
  [0.01, 0.5],
  [1.05, 3.5],
  [0.0, 1.0],
  [0.0, 0.9],
  [0.0, 0.9],
  [0.0, 0.95],
  [0.0, 0.9],
  [0.001, 0.01],
  [0.005, 0.02],
  [0.001, 0.01],
];

const PARAMS: ParamManifest = {
  names: NK_PARAM_NAMES,
  units: NK_PARAM_UNITS,
  bounds: BOUNDS,
  defaults: [1.0, 0.99, 0.1, 1.5, 0.125, 0.8, 0.5, 0.5, 0.5, 0.0025, 0.01, 0.0025],
  priors: BOUNDS.map(([lo, hi]) => ({ kind: "uniform" as const, lo, hi })),
};

/**
 * The linear state space of an NK solution: `S_t = A S_{t−1} + B eps_t`,
 * `y_t = C S_t`, with `S_t = [m_t, r^n_t, u_t, i_{t−1}]` (percent) and `eps`
 * in N(0, 1) units.
 *
 * @param sol A solution from {@link solveNk}.
 * @param options `extras`: append the rows `real_rate_ann` and
 *   `natural_rate_ann` to the three canonical rows (default false).
 * @returns The state space (`ny` = 3, or 5 with extras).
 *
 * @example The monetary impact on the rate is 4 c_m (100 σ_m)
 * ```ts
 * import { nkStateSpace, nkWorld, solveNk } from "./nk.ts";
 * import assert from "node:assert/strict";
 * const sol = solveNk(nkWorld.params.defaults);
 * const ss = nkStateSpace(sol);
 * assert.equal(ss.ny, 3);
 * assert.ok(Math.abs(ss.C[2 * 4] - 4 * sol.bi[0]) < 1e-15);
 * ```
 */
export function nkStateSpace(sol: NkSolution, options: { extras?: boolean } = {}): StateSpace {
  const { omega, ax, api, bx, bpi, bi, rho, scale } = sol;
  // deno-fmt-ignore
  const A = new Float64Array([
    rho[0], 0, 0, 0,
    0, rho[1], 0, 0,
    0, 0, rho[2], 0,
    bi[0], bi[1], bi[2], omega,
  ]);
  // deno-fmt-ignore
  const B = new Float64Array([
    scale[0], 0, 0,
    0, scale[1], 0,
    0, 0, scale[2],
    0, 0, 0,
  ]);
  const ny = options.extras ? N_CANONICAL + N_EXTRA : N_CANONICAL;
  const C = new Float64Array(ny * N_STATE);
  for (let j = 0; j < 3; j++) {
    C[j] = bx[j];
    C[N_STATE + j] = 4 * bpi[j];
    C[2 * N_STATE + j] = 4 * bi[j];
  }
  C[3] = ax;
  C[N_STATE + 3] = 4 * api;
  C[2 * N_STATE + 3] = 4 * omega;
  if (options.extras) {
    // real rate: 4[(1 − a_π) i_t − b_π·(ρ ⊙ z_t)], with i_t = c·z_t + ω i_{t−1}
    for (let j = 0; j < 3; j++) C[3 * N_STATE + j] = 4 * ((1 - api) * bi[j] - bpi[j] * rho[j]);
    C[3 * N_STATE + 3] = 4 * (1 - api) * omega;
    C[4 * N_STATE + 1] = 4;
  }
  return { ns: N_STATE, nk: N_SHOCKS, ny, A, B, C };
}

function checkTheta(theta: ArrayLike<number>): void {
  if (theta.length !== NK_N_PARAMS) {
    throw new RangeError(`Invalid nk theta: expected ${NK_N_PARAMS} entries, got ${theta.length}`);
  }
}

function checkShock(shockIndex: number): void {
  if (!Number.isInteger(shockIndex) || shockIndex < 0 || shockIndex >= N_SHOCKS) {
    throw new RangeError(`Shock index must be 0, 1 or 2 for nk: got ${shockIndex}`);
  }
}

function checkValidity(theta: Float64Array): boolean {
  if (theta.length !== NK_N_PARAMS) return false;
  for (let i = 0; i < NK_N_PARAMS; i++) if (!Number.isFinite(theta[i])) return false;
  if (!(theta[0] > 0 && theta[1] > 0 && theta[1] < 1 && theta[2] > 0)) return false;
  if (!(theta[5] >= 0 && theta[5] < 1)) return false;
  for (let j = 6; j < 9; j++) if (!(Math.abs(theta[j]) < 1)) return false;
  return nkDeterminacy(theta).determinate;
}

function sampleParameters(
  rng: Xoshiro128,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): { theta: Float64Array; nRejections: number } {
  return rejectionSample(rng, (r) => drawUniformTheta(r, PARAMS, dtype), checkValidity, WORLD_ID);
}

/**
 * Period 0's state before its innovations, `E_{−1} S_0 = [ρ ⊙ z_{−1}, i_{−1}]`,
 * from the economy's state of period −1, `x0 = [m_{−1}, r^n_{−1}, u_{−1},
 * i_{−1}]`. `S_{−1}` itself cannot be used: it holds `i_{−2}`, which cannot be
 * backed out of `i_{−1}` (ω is 0 without smoothing).
 */
function startOf(sol: NkSolution, x0: ArrayLike<number>): Float64Array {
  const { rho } = sol;
  return Float64Array.of(rho[0] * x0[0], rho[1] * x0[1], rho[2] * x0[2], x0[3]);
}

/**
 * Simulate T periods of `S_t = A S_{t−1} + B eps_t`. `options.x0` is the
 * economy's state in period −1, `[m_{−1}, r^n_{−1}, u_{−1}, i_{−1}]`: the
 * shock processes (percent) and last period's policy rate (quarterly percent
 * deviation), exactly as in zlb; default the steady state (zeros).
 */
function simulate(
  theta: Float64Array,
  eps: Float64Array,
  T: number,
  options: SimulateOptions = {},
): SimOutput {
  checkTheta(theta);
  if (eps.length < T * N_SHOCKS) {
    throw new RangeError(
      `Shocks must have T * ${N_SHOCKS} = ${T * N_SHOCKS} entries: got ${eps.length}`,
    );
  }
  if (options.x0 && options.x0.length !== N_STATE) {
    throw new RangeError(`Initial state must have ${N_STATE} entries: got ${options.x0.length}`);
  }
  const sol = solveNk(theta);
  const all = simulateStateSpace(nkStateSpace(sol, { extras: true }), eps, T, {
    s0: options.x0 && startOf(sol, options.x0),
  });
  const ny = N_CANONICAL + N_EXTRA;
  const y = new Float64Array(T * N_CANONICAL);
  const yExtra = new Float64Array(T * N_EXTRA);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < N_CANONICAL; j++) y[t * N_CANONICAL + j] = all[t * ny + j];
    for (let j = 0; j < N_EXTRA; j++) yExtra[t * N_EXTRA + j] = all[t * ny + N_CANONICAL + j];
  }
  return { y, yExtra, meta: { omega: sol.omega, taylor_margin: sol.taylorMargin } };
}

/**
 * Analytic IRF `C A^h B e_k`: the model is linear, so shocked minus baseline
 * is the same from every initial state `x0` (which is therefore not taken).
 */
function computeIrf(
  theta: Float64Array,
  shockIndex: number,
  shockSize: number,
  H: number,
): Float64Array {
  checkTheta(theta);
  checkShock(shockIndex);
  return irfStateSpace(nkStateSpace(solveNk(theta)), shockIndex, shockSize, H);
}

function metadataFields(): MetaFieldSpec[] {
  return [
    {
      name: "omega",
      dtype: "float64",
      shape: [],
      dims: [],
      description: "Policy root: coefficient of i_{t-1} in i_t (stable root of the cubic)",
    },
    {
      name: "taylor_margin",
      dtype: "float64",
      shape: [],
      dims: [],
      description: "kappa (phi_pi - 1) + (1 - beta) phi_y; positive iff determinate",
    },
    {
      name: "n_rejections",
      dtype: "int32",
      shape: [],
      dims: [],
      description: "Theta draws rejected (indeterminate) before the accepted one",
    },
  ];
}

const SIGMA_UPPER = [BOUNDS[9][1], BOUNDS[10][1], BOUNDS[11][1]];

function splitStats(theta: ArrayLike<number>, meta: Readonly<Record<string, number>>): SplitStats {
  const omega = meta.omega;
  if (typeof omega !== "number") throw new TypeError("Missing nk metadata: omega");
  return { slice: theta[3], ...nkCornerStats(theta, omega, SIGMA_UPPER) };
}

function generateSample(
  sampleSeed: number,
  T: number,
  H: number,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): SampleResult {
  const { theta, nRejections } = sampleParameters(
    keyedStream(sampleSeed, WORLD_ID, 0, STREAM.THETA),
    dtype,
  );
  const sol = solveNk(theta);
  return linearSample(nkStateSpace(sol), {
    worldId: WORLD_ID,
    sampleSeed,
    T,
    H,
    shockSize: 1,
    theta,
    nRejections,
    metadata: { omega: sol.omega, taylor_margin: sol.taylorMargin },
    dtype,
  });
}

/**
 * The nk world adapter: 12 parameters, shocks
 * `[monetary, demand, cost_push]`, canonical `[x, 4π, 4i]`, extras
 * `real_rate_ann`, `natural_rate_ann`. `simulate`'s `x0` is the state of
 * period −1, `[m_{−1}, r^n_{−1}, u_{−1}, i_{−1}]` (percent; the rate a
 * quarterly deviation), the same as zlb's; IRFs do not depend on it.
 *
 * @example Generate one sample
 * ```ts
 * import { nkWorld } from "./nk.ts";
 * import assert from "node:assert/strict";
 * const s = nkWorld.generateSample(1, 20, 8);
 * assert.equal(s.trajectories.length, 20 * 3);
 * assert.equal(s.irfs.length, 3 * 9 * 3);
 * assert.ok(s.irfs[0] < 0); // a monetary tightening lowers the output gap on impact
 * ```
 */
export const nkWorld: WorldAdapter = {
  id: WORLD_ID,
  version: "nk_v1",
  description:
    "Three-equation New Keynesian model with interest-rate smoothing; QZ-free scalar-cubic RE solution",
  params: PARAMS,
  shocks: {
    names: ["monetary", "demand", "cost_push"],
    sigmaDefault: [0.0025, 0.01, 0.0025],
    irfShockSize: 1,
  },
  observables: {
    canonical: CANONICAL_OBSERVABLES,
    units: [
      "% deviation (output gap)",
      "annualized pp deviation (4 pi)",
      "annualized pp deviation (4 i)",
    ],
    extra: ["real_rate_ann", "natural_rate_ann"],
  },
  sliceRule: {
    statistic: "phi_pi",
    op: ">",
    threshold: 3.38,
    description: "Hawkish policy: phi_pi > 3.38, 4.9% of the U[1.05, 3.5] prior",
  },
  cornerDescription: {
    persistence: "max(omega, rho_m, rho_r, rho_u)",
    volatility: "max(sigma_m / 0.01, sigma_r / 0.02, sigma_u / 0.01) (upper prior bounds)",
  },
  metadataFields,
  sampleParameters,
  checkValidity,
  simulate,
  computeIrf,
  splitStats,
  generateSample,
};
