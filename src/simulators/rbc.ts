/**
 * The `rbc` world: a log-linear real business cycle model (King–Plosser–
 * Rebelo / Hansen) with a technology and an intertemporal preference shock.
 *
 * Preferences `E Σ βᵗ b_t [C^{1−γ}/(1−γ) − χ N^{1+1/ν}/(1+1/ν)]`, technology
 * `Y = A K^α N^{1−α}`, `K' = (1−δ)K + I`, `Y = C + I`. The one endogenous state
 * is capital, so the rational-expectations solution needs only a scalar
 * quadratic in the capital root P (solved with the cancellation-free formula,
 * with a saddle-path check) and two scalar solves for the shock loadings.
 *
 * The state is `S_t = [k_t, a_t, b_t, c_{t−1}]` (log deviations, decimals;
 * `k_t` is capital at the start of t). An initial state `x0` is the economy's
 * state of period −1, `[k_0, a_{−1}, b_{−1}, c_{−1}]` (what period 0 inherits:
 * the capital chosen in period −1, the shocks and consumption of period −1).
 * The canonical observables are `[100 y_t, 400 (c_t − c_{t−1}), 400 r_t]`,
 * with `r_t` the ex-ante real rate (expected return on capital). Extras, in
 * percent: consumption, investment, hours, capital, real wage.
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

const WORLD_ID = "rbc";
const N_PARAMS = 9;
const N_SHOCKS = 2;
const N_STATE = 4;
const N_CANONICAL = 3;
const N_EXTRA = 5;
const SIGMA_HI = 0.02;

const PARAM_NAMES = [
  "beta",
  "alpha",
  "delta",
  "frisch",
  "gamma",
  "rho_a",
  "sigma_a",
  "rho_b",
  "sigma_b",
] as const;

const BOUNDS: readonly (readonly [number, number])[] = [
  [0.985, 0.995],
  [0.25, 0.4],
  [0.02, 0.03],
  [0.5, 3.0],
  [1.0, 3.0],
  [0.0, 0.99],
  [0.005, SIGMA_HI],
  [0.0, 0.95],
  [0.005, SIGMA_HI],
];

const PARAMS: ParamManifest = {
  names: PARAM_NAMES,
  units: [
    "quarterly discount factor",
    "capital share",
    "quarterly depreciation rate",
    "Frisch elasticity of labour supply",
    "CRRA (inverse EIS)",
    "AR(1) coefficient",
    "s.d. (decimal log points)",
    "AR(1) coefficient",
    "s.d. (decimal log points)",
  ],
  bounds: BOUNDS,
  defaults: [0.99, 0.33, 0.025, 1.0, 1.0, 0.95, 0.01, 0.8, 0.01],
  priors: BOUNDS.map(([lo, hi]) => ({ kind: "uniform" as const, lo, hi })),
};

/**
 * Names of the rows of {@link rbcFullIrf} and of `simulate` (canonical, then
 * extras): `output, inflation, rate, consumption, investment, hours, capital,
 * real_wage`.
 *
 * @example Look up a row of the full IRF
 * ```ts
 * import { RBC_FULL_OBSERVABLES } from "./rbc.ts";
 * import assert from "node:assert/strict";
 * assert.equal(RBC_FULL_OBSERVABLES.indexOf("hours"), 5);
 * ```
 */
export const RBC_FULL_OBSERVABLES: readonly string[] = [
  "output",
  "inflation",
  "rate",
  "consumption",
  "investment",
  "hours",
  "capital",
  "real_wage",
];

/**
 * The log-linear solution of the rbc world at one theta: policy coefficients
 * and the elasticities of the static block (all in log deviations).
 */
export interface RbcSolution {
  /** Capital root: `k_{t+1} = P k_t + Q_a a_t + Q_b b_t`, |P| < 1. */
  P: number;
  /** The other root of the capital quadratic (|root| > 1). */
  unstableRoot: number;
  /** Capital loading on technology. */
  Qa: number;
  /** Capital loading on the preference shock. */
  Qb: number;
  /** Consumption policy: `c_t = R_k k_t + S_a a_t + S_b b_t`. */
  Rk: number;
  /** Consumption loading on technology. */
  Sa: number;
  /** Consumption loading on the preference shock. */
  Sb: number;
  /** Hours: `n_t = n_k k_t + n_c c_t + n_a a_t`, coefficient on k. */
  nK: number;
  /** Hours coefficient on c. */
  nC: number;
  /** Hours coefficient on a. */
  nA: number;
  /** Steady-state output-capital ratio Y/K (quarterly). */
  yk: number;
}

/** Parameters unpacked from theta, with `invNu = 1/ν` (0 for ν = ∞). */
interface RbcParams {
  beta: number;
  alpha: number;
  delta: number;
  invNu: number;
  gamma: number;
  rhoA: number;
  sigmaA: number;
  rhoB: number;
  sigmaB: number;
}

function unpack(theta: ArrayLike<number>): RbcParams | string {
  if (theta.length !== N_PARAMS) return `theta must have ${N_PARAMS} entries: got ${theta.length}`;
  const [beta, alpha, delta, frisch, gamma, rhoA, sigmaA, rhoB, sigmaB] = Array.from(theta);
  for (let i = 0; i < N_PARAMS; i++) {
    const v = theta[i];
    if (Number.isNaN(v) || (i !== 3 && !Number.isFinite(v))) {
      return `${PARAM_NAMES[i]} must be finite: got ${v}`;
    }
  }
  if (!(beta > 0 && beta < 1)) return `beta must lie in (0, 1): got ${beta}`;
  if (!(alpha > 0 && alpha < 1)) return `alpha must lie in (0, 1): got ${alpha}`;
  if (!(delta > 0 && delta <= 1)) return `delta must lie in (0, 1]: got ${delta}`;
  if (!(frisch > 0)) return `frisch must be positive (Infinity allowed): got ${frisch}`;
  if (!(gamma > 0)) return `gamma must be positive: got ${gamma}`;
  if (!(Math.abs(rhoA) < 1)) return `rho_a must lie in (-1, 1): got ${rhoA}`;
  if (!(Math.abs(rhoB) < 1)) return `rho_b must lie in (-1, 1): got ${rhoB}`;
  if (!(sigmaA >= 0 && sigmaB >= 0)) {
    return `shock s.d. must be non-negative: got ${sigmaA}, ${sigmaB}`;
  }
  return { beta, alpha, delta, invNu: 1 / frisch, gamma, rhoA, sigmaA, rhoB, sigmaB };
}

/** Solve, or return why there is no unique stable solution. */
function solveCore(p: RbcParams): RbcSolution | string {
  const { beta, alpha, delta, invNu, gamma, rhoA, rhoB } = p;
  const yk = (1 / beta - 1 + delta) / alpha; // Y/K
  const ck = yk - delta; // C/K
  if (!(ck > 0)) return `steady-state consumption must be positive: C/K = ${ck}`;
  const psi = 1 - beta * (1 - delta);
  const d = alpha + invNu;
  // Static block: n = (a + α k − γ c)/(α + 1/ν); y = a + α k + (1 − α) n.
  const nK = alpha / d;
  const nC = -gamma / d;
  const nA = 1 / d;
  const yK = alpha + (1 - alpha) * nK;
  const yC = (1 - alpha) * nC;
  const yA = 1 + (1 - alpha) * nA;
  // Resource constraint: k' = g_k k + g_c c + g_a a.
  const gK = 1 - delta + yk * yK;
  const gC = yk * yC - ck;
  const gA = yk * yA;
  // Euler: Γ E c' − γ c − ψ(y_k − 1) k' − ψ y_a ρ_a a − (ρ_b − 1) b = 0.
  const bigGamma = gamma - psi * yC;
  const m = psi * (yK - 1);
  // Γ P² − B P + γ g_k = 0, cancellation-free roots.
  const qa = bigGamma;
  const qb = bigGamma * gK + gamma + m * gC;
  const qc = gamma * gK;
  const disc = qb * qb - 4 * qa * qc;
  if (!(disc >= 0)) return `the capital quadratic has complex roots: discriminant ${disc}`;
  const q = 0.5 * (qb + (qb >= 0 ? 1 : -1) * Math.sqrt(disc));
  if (q === 0) return "the capital quadratic is degenerate";
  const r1 = q / qa;
  const r2 = qc / q;
  const [small, large] = Math.abs(r1) <= Math.abs(r2) ? [r1, r2] : [r2, r1];
  if (!(Math.abs(small) < 1 && Math.abs(large) > 1)) {
    return `no saddle path: roots ${small} and ${large}`;
  }
  const P = small;
  const Rk = (P - gK) / gC;
  const base = bigGamma * Rk * gC - gamma - m * gC;
  const denA = base + bigGamma * rhoA;
  const denB = base + bigGamma * rhoB;
  if (denA === 0 || denB === 0) return "singular shock-loading equation";
  const Sa = (psi * yA * rhoA - bigGamma * Rk * gA + m * gA) / denA;
  const Sb = (rhoB - 1) / denB;
  const Qa = gC * Sa + gA;
  const Qb = gC * Sb;
  const sol = { P, unstableRoot: large, Qa, Qb, Rk, Sa, Sb, nK, nC, nA, yk };
  for (const v of Object.values(sol)) {
    if (!Number.isFinite(v)) return "non-finite solution coefficient";
  }
  return sol;
}

/**
 * Solve the log-linear rbc model at theta (undetermined coefficients, as in
 * Uhlig's toolkit, reduced to a scalar quadratic).
 *
 * P is the stable root of `Γ P² − [Γ g_k + γ + ψ(y_k − 1) g_c] P + γ g_k = 0`,
 * found with the cancellation-free quadratic formula; exactly one root must lie
 * inside the unit circle. Then `R_k = (P − g_k)/g_c` and, per shock,
 * `S_z` and `Q_z = g_c S_z + g_z`. `frisch = Infinity` (indivisible labour) is
 * allowed.
 *
 * @param theta The 9 parameters `[beta, alpha, delta, frisch, gamma, rho_a,
 *   sigma_a, rho_b, sigma_b]`.
 * @returns The policy coefficients.
 * @throws {RangeError} If theta is malformed or has no unique stable (saddle-path) solution.
 *
 * @example Brock–Mirman (δ = 1, log utility): P = α and S_a = 1
 * ```ts
 * import { solveRbc } from "./rbc.ts";
 * import assert from "node:assert/strict";
 * const s = solveRbc(new Float64Array([0.99, 0.33, 1, 1, 1, 0.9, 0.01, 0.5, 0.01]));
 * assert.ok(Math.abs(s.P - 0.33) < 1e-12);
 * assert.ok(Math.abs(s.Sa - 1) < 1e-12);
 * ```
 */
export function solveRbc(theta: ArrayLike<number>): RbcSolution {
  const p = unpack(theta);
  if (typeof p === "string") throw new RangeError(`Invalid rbc theta: ${p}`);
  const sol = solveCore(p);
  if (typeof sol === "string") throw new RangeError(`Cannot solve the rbc model: ${sol}`);
  return sol;
}

/** Build the state space; `full` adds the five extras after the canonical rows. */
function buildStateSpace(p: RbcParams, s: RbcSolution, full: boolean): StateSpace {
  const { alpha, delta, gamma, rhoA, rhoB, sigmaA, sigmaB } = p;
  const { P, Qa, Qb, Rk, Sa, Sb } = s;
  // deno-fmt-ignore
  const A = new Float64Array([
    P, Qa, Qb, 0,
    0, rhoA, 0, 0,
    0, 0, rhoB, 0,
    Rk, Sa, Sb, 0,
  ]);
  const B = new Float64Array([0, 0, sigmaA, 0, 0, sigmaB, 0, 0]);
  // Rows over S = [k, a, b, c_{-1}], decimals.
  const c = [Rk, Sa, Sb, 0];
  const n = [s.nK + s.nC * Rk, s.nA + s.nC * Sa, s.nC * Sb, 0];
  const y = [alpha + (1 - alpha) * n[0], 1 + (1 - alpha) * n[1], (1 - alpha) * n[2], 0];
  const kNext = [P, Qa, Qb, 0];
  const ecNext = [Rk * P, Rk * Qa + Sa * rhoA, Rk * Qb + Sb * rhoB, 0];
  const r = [
    gamma * (ecNext[0] - c[0]),
    gamma * (ecNext[1] - c[1]),
    gamma * (ecNext[2] - c[2]) + (1 - rhoB),
    0,
  ];
  const rows: number[][] = [
    y.map((v) => 100 * v),
    [400 * c[0], 400 * c[1], 400 * c[2], -400],
    r.map((v) => 400 * v),
  ];
  if (full) {
    rows.push(
      c.map((v) => 100 * v),
      kNext.map((v, j) => (100 * (v - (j === 0 ? 1 - delta : 0))) / delta),
      n.map((v) => 100 * v),
      [100, 0, 0, 0],
      y.map((v, j) => 100 * (v - n[j])),
    );
  }
  const C = new Float64Array(rows.length * N_STATE);
  rows.forEach((row, i) => C.set(row, i * N_STATE));
  return { ns: N_STATE, nk: N_SHOCKS, ny: rows.length, A, B, C };
}

function prepare(theta: ArrayLike<number>): { p: RbcParams; s: RbcSolution } {
  const p = unpack(theta);
  if (typeof p === "string") throw new RangeError(`Invalid rbc theta: ${p}`);
  const s = solveCore(p);
  if (typeof s === "string") throw new RangeError(`Cannot solve the rbc model: ${s}`);
  return { p, s };
}

function checkShock(shockIndex: number): void {
  if (!Number.isInteger(shockIndex) || shockIndex < 0 || shockIndex >= N_SHOCKS) {
    throw new RangeError(`Shock index must be 0 or 1 for rbc: got ${shockIndex}`);
  }
}

/**
 * The analytic IRF of every rbc observable, canonical and extra
 * ({@link RBC_FULL_OBSERVABLES} order), for one shock.
 *
 * @param theta The 9 parameters.
 * @param shockIndex 0 technology, 1 preference.
 * @param shockSize Size in s.d. units.
 * @param H Horizon.
 * @returns The IRF `(H + 1, 8)`, row-major.
 * @throws {RangeError} If theta has no saddle-path solution or the shock index is bad.
 *
 * @example Technology raises investment more than output on impact
 * ```ts
 * import { rbcFullIrf, rbcWorld } from "./rbc.ts";
 * import assert from "node:assert/strict";
 * const irf = rbcFullIrf(new Float64Array(rbcWorld.params.defaults), 0, 1, 4);
 * assert.ok(irf[4] > 2 * irf[0]); // investment vs output at h = 0
 * ```
 */
export function rbcFullIrf(
  theta: ArrayLike<number>,
  shockIndex: number,
  shockSize: number,
  H: number,
): Float64Array {
  checkShock(shockIndex);
  const { p, s } = prepare(theta);
  return irfStateSpace(buildStateSpace(p, s, true), shockIndex, shockSize, H);
}

function checkValidity(theta: Float64Array): boolean {
  const p = unpack(theta);
  return typeof p !== "string" && typeof solveCore(p) !== "string";
}

function sampleParameters(
  rng: Xoshiro128,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): { theta: Float64Array; nRejections: number } {
  return rejectionSample(rng, (r) => drawUniformTheta(r, PARAMS, dtype), checkValidity, WORLD_ID);
}

/**
 * Simulate T periods of `S_t = A S_{t−1} + B eps_t`. `options.x0` is the
 * economy's state in period −1, `[k_0, a_{−1}, b_{−1}, c_{−1}]` (log
 * deviations, decimals): the capital stock chosen in period −1 (with which
 * period 0 starts), last period's technology and preference shocks, and last
 * period's consumption; default the steady state (zeros). Period 0 starts
 * from `E_{−1} S_0 = [k_0, ρ_a a_{−1}, ρ_b b_{−1}, c_{−1}]`.
 */
function simulate(
  theta: Float64Array,
  eps: Float64Array,
  T: number,
  options: SimulateOptions = {},
): SimOutput {
  if (eps.length < T * N_SHOCKS) {
    throw new RangeError(
      `Shocks must have T * ${N_SHOCKS} = ${T * N_SHOCKS} entries: got ${eps.length}`,
    );
  }
  if (options.x0 && options.x0.length !== N_STATE) {
    throw new RangeError(`Initial state must have ${N_STATE} entries: got ${options.x0.length}`);
  }
  const { p, s } = prepare(theta);
  const x0 = options.x0;
  const s0 = x0 && Float64Array.of(x0[0], p.rhoA * x0[1], p.rhoB * x0[2], x0[3]);
  const all = simulateStateSpace(buildStateSpace(p, s, true), eps, T, { s0 });
  const ny = N_CANONICAL + N_EXTRA;
  const y = new Float64Array(T * N_CANONICAL);
  const yExtra = new Float64Array(T * N_EXTRA);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < N_CANONICAL; j++) y[t * N_CANONICAL + j] = all[t * ny + j];
    for (let j = 0; j < N_EXTRA; j++) yExtra[t * N_EXTRA + j] = all[t * ny + N_CANONICAL + j];
  }
  return { y, yExtra, meta: { capital_root: s.P, unstable_root: s.unstableRoot } };
}

/** Analytic IRF `C A^h B e_k`; linear, so the same from every initial state. */
function computeIrf(
  theta: Float64Array,
  shockIndex: number,
  shockSize: number,
  H: number,
): Float64Array {
  checkShock(shockIndex);
  const { p, s } = prepare(theta);
  return irfStateSpace(buildStateSpace(p, s, false), shockIndex, shockSize, H);
}

function metadataFields(): MetaFieldSpec[] {
  return [
    {
      name: "capital_root",
      dtype: "float64",
      shape: [],
      dims: [],
      description: "Stable root P of the capital quadratic: k_{t+1} = P k_t + ...",
    },
    {
      name: "unstable_root",
      dtype: "float64",
      shape: [],
      dims: [],
      description: "The other (explosive) root of the capital quadratic",
    },
    {
      name: "n_rejections",
      dtype: "int32",
      shape: [],
      dims: [],
      description: "Theta draws rejected (no saddle path) before the accepted one",
    },
  ];
}

function splitStats(theta: ArrayLike<number>, meta: Readonly<Record<string, number>>): SplitStats {
  const capitalRoot = meta.capital_root;
  if (typeof capitalRoot !== "number") {
    throw new TypeError("Missing rbc metadata: capital_root");
  }
  return {
    slice: theta[5],
    persistence: Math.max(capitalRoot, theta[5], theta[7]),
    volatility: Math.max(theta[6], theta[8]) / SIGMA_HI,
  };
}

function generateSample(
  sampleSeed: number,
  T: number,
  H: number,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): SampleResult {
  const solved: { p?: RbcParams; s?: RbcSolution } = {};
  const { theta, nRejections } = rejectionSample(
    keyedStream(sampleSeed, WORLD_ID, 0, STREAM.THETA),
    (r) => drawUniformTheta(r, PARAMS, dtype),
    (th) => {
      const p = unpack(th);
      if (typeof p === "string") return false;
      const s = solveCore(p);
      if (typeof s === "string") return false;
      solved.p = p;
      solved.s = s;
      return true;
    },
    WORLD_ID,
  );
  const { p, s } = solved;
  if (!p || !s) throw new Error("Unreachable: accepted rbc theta without a solution");
  return linearSample(buildStateSpace(p, s, false), {
    worldId: WORLD_ID,
    sampleSeed,
    T,
    H,
    shockSize: rbcWorld.shocks.irfShockSize,
    theta,
    nRejections,
    metadata: { capital_root: s.P, unstable_root: s.unstableRoot },
    dtype,
  });
}

/**
 * The rbc world adapter: 9 parameters, shocks
 * `[technology, preference]`, canonical `[100 y, 400 Δc, 400 r]`, extras
 * consumption, investment, hours, capital, real_wage (percent). `simulate`'s
 * `x0` is the state of period −1, `[k_0, a_{−1}, b_{−1}, c_{−1}]` (decimals);
 * IRFs do not depend on it (the model is linear).
 *
 * @example Generate one sample
 * ```ts
 * import { rbcWorld } from "./rbc.ts";
 * import assert from "node:assert/strict";
 * const s = rbcWorld.generateSample(1, 20, 8);
 * assert.equal(s.trajectories.length, 20 * 3);
 * assert.equal(s.irfs.length, 2 * 9 * 3);
 * assert.ok((s.metadata.capital_root as number) < 1);
 * ```
 */
export const rbcWorld: WorldAdapter = {
  id: WORLD_ID,
  version: "rbc_v1",
  description:
    "Log-linear RBC (KPR/Hansen) with technology and preference shocks; scalar-quadratic RE solution",
  params: PARAMS,
  shocks: { names: ["technology", "preference"], sigmaDefault: [0.01, 0.01], irfShockSize: 1 },
  observables: {
    canonical: CANONICAL_OBSERVABLES,
    units: [
      "% deviation of output",
      "annualized pp: consumption growth 400(c_t - c_{t-1})",
      "annualized pp: ex-ante real rate 400 E_t r^k_{t+1}",
    ],
    extra: RBC_FULL_OBSERVABLES.slice(N_CANONICAL),
  },
  sliceRule: {
    statistic: "rho_a",
    op: ">",
    threshold: 0.95,
    description: "Highly persistent technology: rho_a > 0.95, 4.0% of the U[0, 0.99] prior",
  },
  cornerDescription: {
    persistence: "max(capital_root, rho_a, rho_b)",
    volatility: "max(sigma_a, sigma_b) / 0.02 (upper prior bound)",
  },
  metadataFields,
  sampleParameters,
  checkValidity,
  simulate,
  computeIrf,
  splitStats,
  generateSample,
};
