/**
 * The QZ-free rational-expectations solution of the three-equation New
 * Keynesian model with interest-rate smoothing, shared by the `nk` and `zlb`
 * worlds: the minimum-state-variable solution (McCallum 1983) in the notation
 * of Galí (2015), ch. 3.
 *
 * Model (internal units: percent, quarterly; z = (m, r^n, u)):
 *
 * ```
 * x_t = E x_{t+1} − (1/σ)(i_t − E π_{t+1} − r^n_t)
 * π_t = β E π_{t+1} + κ x_t + u_t
 * i_t = ρ_i i_{t−1} + (1 − ρ_i)(φ_π π_t + φ_y x_t) + m_t
 * ```
 *
 * Minimum-state-variable solution: `x_t = a_x i_{t−1} + b_x·z_t`,
 * `π_t = a_π i_{t−1} + b_π·z_t`, `i_t = ω i_{t−1} + c·z_t`, where ω is the
 * stable root of a scalar cubic and the loadings come from 3×3 solves.
 *
 * @module
 */

/** The twelve nk parameter names, in theta order (zlb appends `r_ss`). */
export const NK_PARAM_NAMES: readonly string[] = [
  "sigma",
  "beta",
  "kappa",
  "phi_pi",
  "phi_y",
  "rho_i",
  "rho_m",
  "rho_r",
  "rho_u",
  "sigma_m",
  "sigma_r",
  "sigma_u",
];

/** Number of nk parameters (the first entries of an nk or zlb theta). */
export const NK_N_PARAMS: number = 12;

/** Units of the 12 nk parameters (shared with zlb). */
export const NK_PARAM_UNITS: readonly string[] = [
  "inverse EIS (CRRA)",
  "quarterly discount factor",
  "Phillips-curve slope (quarterly)",
  "Taylor-rule inflation response",
  "Taylor-rule output-gap response (quarterly rate per % gap)",
  "interest-rate smoothing coefficient",
  "AR(1) coefficient",
  "AR(1) coefficient",
  "AR(1) coefficient",
  "s.d. (decimal, quarterly)",
  "s.d. (decimal, quarterly)",
  "s.d. (decimal, quarterly)",
];

/**
 * Corner statistics shared by nk and zlb: persistence `max(ω, ρ_m, ρ_r, ρ_u)`
 * and volatility `max_k σ_k / upper_k` (unit-free, so σ_r does not dominate).
 *
 * @param theta At least the 12 nk parameters.
 * @param omega The policy root ω (stored metadata).
 * @param sigmaUpper Upper prior bounds of (σ_m, σ_r, σ_u).
 * @returns The persistence and volatility statistics.
 *
 * @example Persistence is the largest root
 * ```ts
 * import { nkCornerStats } from "./_nk_solve.ts";
 * import assert from "node:assert/strict";
 * const th = [1, 0.99, 0.1, 1.5, 0.125, 0.8, 0.5, 0.6, 0.2, 0.005, 0.01, 0.0025];
 * const s = nkCornerStats(th, 0.7, [0.01, 0.02, 0.01]);
 * assert.equal(s.persistence, 0.7);
 * assert.equal(s.volatility, 0.5);
 * ```
 */
export function nkCornerStats(
  theta: ArrayLike<number>,
  omega: number,
  sigmaUpper: readonly number[],
): { persistence: number; volatility: number } {
  return {
    persistence: Math.max(omega, theta[6], theta[7], theta[8]),
    volatility: Math.max(
      theta[9] / sigmaUpper[0],
      theta[10] / sigmaUpper[1],
      theta[11] / sigmaUpper[2],
    ),
  };
}

/** The NK solution at one theta (percent units, quarterly). */
export interface NkSolution {
  /** ω: the coefficient of i_{t−1} in i_t (the stable root of the policy cubic). */
  omega: number;
  /** a_x: the coefficient of i_{t−1} in x_t. */
  ax: number;
  /** a_π: the coefficient of i_{t−1} in π_t (quarterly). */
  api: number;
  /** b_x: loadings of x_t on (m_t, r^n_t, u_t). */
  bx: Float64Array;
  /** b_π: loadings of π_t (quarterly) on (m_t, r^n_t, u_t). */
  bpi: Float64Array;
  /** c: loadings of i_t (quarterly) on (m_t, r^n_t, u_t). */
  bi: Float64Array;
  /** AR(1) coefficients (ρ_m, ρ_r, ρ_u). */
  rho: Float64Array;
  /** Innovation scales in percent (100σ_m, 100σ_r, 100σ_u). */
  scale: Float64Array;
  /** κ(φ_π − 1) + (1 − β)φ_y: positive iff the equilibrium is determinate. */
  taylorMargin: number;
}

/** The determinacy verdict at one theta. */
export interface NkDeterminacy {
  /** True iff exactly one root of the policy cubic lies inside the unit circle and the margin is positive. */
  determinate: boolean;
  /** True iff the deflated quadratic has both roots outside the unit circle (and a root in [0, 1) was found). */
  determinateByDeflation: boolean;
  /** The root in [0, 1) (NaN if the cubic has no sign change on [0, 1]). */
  omega: number;
  /** The smallest modulus of the two other roots (NaN if omega is NaN). */
  otherRootMinModulus: number;
  /** κ(φ_π − 1) + (1 − β)φ_y. */
  taylorMargin: number;
}

/**
 * Coefficients `[c0, c1, c2, c3]` of the policy cubic
 * `f(ω) = c3 ω³ + c2 ω² + c1 ω + c0`: the MSV guess `i_t = ω i_{t−1} + …`
 * substituted into the IS curve, Phillips curve and Taylor rule.
 *
 * @param theta At least the 12 nk parameters, in {@link NK_PARAM_NAMES} order.
 * @returns The four coefficients, lowest degree first.
 *
 * @example With ρ_i = 0 the cubic has the root ω = 0
 * ```ts
 * import { nkPolicyCubic } from "./_nk_solve.ts";
 * import assert from "node:assert/strict";
 * const c = nkPolicyCubic([1, 0.99, 0.1, 1.5, 0.125, 0, 0.5, 0.5, 0.5, 0.0025, 0.01, 0.0025]);
 * assert.ok(c[0] === 0);
 * assert.ok(Math.abs(c[3] - 0.99) < 1e-15);
 * ```
 */
export function nkPolicyCubic(theta: ArrayLike<number>): Float64Array {
  const sigma = theta[0], beta = theta[1], kappa = theta[2];
  const phiPi = theta[3], phiY = theta[4], rhoI = theta[5];
  return new Float64Array([
    -rhoI * sigma,
    sigma * (1 + rhoI) + beta * sigma * rhoI + kappa * rhoI +
    (1 - rhoI) * (kappa * phiPi + phiY),
    -(sigma * (1 + beta) + kappa + beta * sigma * rhoI + beta * phiY * (1 - rhoI)),
    beta * sigma,
  ]);
}

/** ω and the minimum modulus of the other two roots; NaN when no root in [0, 1). */
function policyRoot(theta: ArrayLike<number>, out: Float64Array): void {
  const sigma = theta[0], beta = theta[1], kappa = theta[2];
  const phiPi = theta[3], phiY = theta[4], rhoI = theta[5];
  const c0 = -rhoI * sigma;
  const c1 = sigma * (1 + rhoI) + beta * sigma * rhoI + kappa * rhoI +
    (1 - rhoI) * (kappa * phiPi + phiY);
  const c2 = -(sigma * (1 + beta) + kappa + beta * sigma * rhoI + beta * phiY * (1 - rhoI));
  const c3 = beta * sigma;
  let omega: number;
  if (c0 === 0) {
    omega = 0;
  } else {
    const f1 = c0 + c1 + c2 + c3;
    if (!(c0 < 0 && f1 > 0)) {
      out[0] = NaN;
      out[1] = NaN;
      return;
    }
    let lo = 0, hi = 1;
    for (let k = 0; k < 60; k++) {
      const mid = 0.5 * (lo + hi);
      const f = ((c3 * mid + c2) * mid + c1) * mid + c0;
      if (f < 0) lo = mid;
      else hi = mid;
    }
    omega = 0.5 * (lo + hi);
    const f = ((c3 * omega + c2) * omega + c1) * omega + c0;
    const df = (3 * c3 * omega + 2 * c2) * omega + c1;
    if (df !== 0) {
      const polished = omega - f / df;
      if (polished >= 0 && polished < 1) omega = polished;
    }
  }
  // Deflate: f(w) = (w − ω) q(w), q(w) = qa w² + qb w + qc.
  const qa = c3;
  const qb = c2 + c3 * omega;
  const qc = c1 + qb * omega;
  const disc = qb * qb - 4 * qa * qc;
  let minMod: number;
  if (disc < 0) {
    minMod = Math.sqrt(qc / qa);
  } else {
    const q = -0.5 * (qb + (qb >= 0 ? 1 : -1) * Math.sqrt(disc));
    const r1 = q / qa;
    const r2 = q !== 0 ? qc / q : 0;
    minMod = Math.min(Math.abs(r1), Math.abs(r2));
  }
  out[0] = omega;
  out[1] = minMod;
}

const ROOT_SCRATCH = new Float64Array(2);

/**
 * The Taylor-principle margin `κ(φ_π − 1) + (1 − β)φ_y` (Bullard–Mitra 2002):
 * the smoothed rule is determinate iff it is positive.
 *
 * @param theta At least the 12 nk parameters.
 * @returns The margin.
 *
 * @example Passive policy has a negative margin
 * ```ts
 * import { nkTaylorMargin } from "./_nk_solve.ts";
 * import assert from "node:assert/strict";
 * assert.ok(nkTaylorMargin([1, 0.99, 0.1, 0.9, 0, 0.5, 0.5, 0.5, 0.5, 0.0025, 0.01, 0.0025]) < 0);
 * ```
 */
export function nkTaylorMargin(theta: ArrayLike<number>): number {
  return theta[2] * (theta[3] - 1) + (1 - theta[1]) * theta[4];
}

/**
 * Determinacy of the NK model at theta, two ways: by deflating the policy
 * cubic at its root in [0, 1) (both other roots must lie outside the unit
 * circle) and by the Taylor-principle margin. Cheap (about 60 cubic
 * evaluations); never throws on finite input.
 *
 * @param theta At least the 12 nk parameters.
 * @returns The verdict, the root and the margin.
 *
 * @example Active policy is determinate, passive is not
 * ```ts
 * import { nkDeterminacy } from "./_nk_solve.ts";
 * import assert from "node:assert/strict";
 * const th = [1, 0.99, 0.1, 1.5, 0.125, 0.8, 0.5, 0.5, 0.5, 0.0025, 0.01, 0.0025];
 * assert.ok(nkDeterminacy(th).determinate);
 * th[3] = 0.8;
 * th[4] = 0;
 * assert.ok(!nkDeterminacy(th).determinate);
 * ```
 */
export function nkDeterminacy(theta: ArrayLike<number>): NkDeterminacy {
  policyRoot(theta, ROOT_SCRATCH);
  const omega = ROOT_SCRATCH[0];
  const otherRootMinModulus = ROOT_SCRATCH[1];
  const taylorMargin = nkTaylorMargin(theta);
  const determinateByDeflation = !Number.isNaN(omega) && otherRootMinModulus > 1;
  return {
    determinate: determinateByDeflation && taylorMargin > 0,
    determinateByDeflation,
    omega,
    otherRootMinModulus,
    taylorMargin,
  };
}

/** Solve a 3×3 system by Gaussian elimination with partial pivoting (in place). */
function solve3(m: Float64Array, b: Float64Array, out: Float64Array, offset: number): void {
  for (let k = 0; k < 3; k++) {
    let p = k;
    let best = Math.abs(m[k * 3 + k]);
    for (let i = k + 1; i < 3; i++) {
      const v = Math.abs(m[i * 3 + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < 3; j++) {
        const t = m[k * 3 + j];
        m[k * 3 + j] = m[p * 3 + j];
        m[p * 3 + j] = t;
      }
      const t = b[k];
      b[k] = b[p];
      b[p] = t;
    }
    const d = m[k * 3 + k];
    for (let i = k + 1; i < 3; i++) {
      const f = m[i * 3 + k] / d;
      for (let j = k + 1; j < 3; j++) m[i * 3 + j] -= f * m[k * 3 + j];
      b[i] -= f * b[k];
    }
  }
  const z = b[2] / m[8];
  const y = (b[1] - m[5] * z) / m[4];
  const x = (b[0] - m[1] * y - m[2] * z) / m[0];
  out[offset] = x;
  out[offset + 3] = y;
  out[offset + 6] = z;
}

/**
 * Solve the NK model at theta (MSV solution): the policy root ω by
 * bisection on [0, 1] plus a Newton polish, determinacy by deflation and by
 * the Taylor margin, then `a_x`, `a_π` and the 3×3 shock-loading systems.
 *
 * @param theta At least the 12 nk parameters, in {@link NK_PARAM_NAMES} order
 *   (a zlb theta works: `r_ss` is ignored).
 * @returns The solution coefficients.
 * @throws {RangeError} If the equilibrium is not determinate or a coefficient is not finite.
 *
 * @example Without smoothing the monetary loading matches Galí's closed form
 * ```ts
 * import { solveNk } from "./_nk_solve.ts";
 * import assert from "node:assert/strict";
 * const s = solveNk([1, 0.99, 0.1275, 1.5, 0.125, 0, 0.5, 0.5, 0.5, 0.0025, 0.01, 0.0025]);
 * const lambda = 1 / ((1 - 0.99 * 0.5) * (0.5 + 0.125) + 0.1275 * (1.5 - 0.5));
 * assert.equal(s.omega, 0);
 * assert.ok(Math.abs(s.bx[0] + (1 - 0.99 * 0.5) * lambda) < 1e-14);
 * ```
 */
export function solveNk(theta: ArrayLike<number>): NkSolution {
  const sigma = theta[0], beta = theta[1], kappa = theta[2];
  const phiPi = theta[3], phiY = theta[4], rhoI = theta[5];
  policyRoot(theta, ROOT_SCRATCH);
  const omega = ROOT_SCRATCH[0];
  const taylorMargin = nkTaylorMargin(theta);
  if (Number.isNaN(omega) || !(ROOT_SCRATCH[1] > 1) || !(taylorMargin > 0)) {
    throw new RangeError(
      `Cannot solve the nk model: indeterminate equilibrium (taylor_margin ${taylorMargin}, ` +
        `omega ${omega}, smallest other root modulus ${ROOT_SCRATCH[1]})`,
    );
  }
  const ax = -omega * (1 - beta * omega) /
    (sigma * (1 - omega) * (1 - beta * omega) - kappa * omega);
  const api = kappa * ax / (1 - beta * omega);
  const rho = new Float64Array([theta[6], theta[7], theta[8]]);
  const scale = new Float64Array([100 * theta[9], 100 * theta[10], 100 * theta[11]]);
  const coef = new Float64Array(9); // rows bx, bpi, bi; columns m, r, u
  const m = new Float64Array(9);
  const b = new Float64Array(3);
  const omr = 1 - rhoI;
  for (let j = 0; j < 3; j++) {
    const r = rho[j];
    m[0] = 1 - r;
    m[1] = -r / sigma;
    m[2] = -ax + (1 - api) / sigma;
    m[3] = -kappa;
    m[4] = 1 - beta * r;
    m[5] = -beta * api;
    m[6] = -omr * phiY;
    m[7] = -omr * phiPi;
    m[8] = 1;
    b[0] = j === 1 ? 1 / sigma : 0;
    b[1] = j === 2 ? 1 : 0;
    b[2] = j === 0 ? 1 : 0;
    solve3(m, b, coef, j);
  }
  const sol: NkSolution = {
    omega,
    ax,
    api,
    bx: coef.slice(0, 3),
    bpi: coef.slice(3, 6),
    bi: coef.slice(6, 9),
    rho,
    scale,
    taylorMargin,
  };
  for (let k = 0; k < 9; k++) {
    if (!Number.isFinite(coef[k])) {
      throw new RangeError(`Cannot solve the nk model: non-finite shock loading ${coef[k]}`);
    }
  }
  if (!Number.isFinite(ax) || !Number.isFinite(api)) {
    throw new RangeError(`Cannot solve the nk model: non-finite a_x ${ax} or a_pi ${api}`);
  }
  return sol;
}
