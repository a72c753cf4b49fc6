/**
 * The `zlb` world: the nk model with an occasionally binding zero lower bound
 * on the policy rate.
 *
 * The shadow (notional) rate follows the smoothed Taylor rule and the actual
 * rate is `i_t = max(i*_t, −r_ss/4)` (quarterly percent deviations; `r_ss` is
 * the steady-state nominal rate, annualized %). Each period is solved as a
 * piecewise-linear perfect-foresight path (OccBin logic, Guerrieri–Iacoviello
 * 2015): agents expect no future innovations, the binding periods are found by
 * guess-and-verify, and only period 0 of the path is kept. Every recursion is
 * scalar; nothing allocates per period.
 *
 * The state is `S_t = [m_t, r^n_t, u_t, i_{t−1}]` (percent). An initial
 * state `x0` is the economy's state of period −1, `[m_{−1}, r^n_{−1}, u_{−1},
 * i_{−1}]` (the rate a quarterly percent deviation, at or above the floor),
 * the same convention as nk; canonical
 * observables `[x_t, 4π_t, 4i_t]` are deviations (the rate's floor is
 * `−r_ss`); extras are the levels `rate_level = r_ss + 4i_t ≥ 0` and
 * `shadow_rate_level = r_ss + 4i*_t`. Stored IRFs start at the steady state
 * with shock size −1 (rates-down direction).
 *
 * @module
 */

import { keyedStream, STREAM, type Xoshiro128 } from "../numeric/rng.ts";
import { DEFAULT_STORED_DTYPE, type StoredDtype } from "../numeric/quantize.ts";
import { drawShocks, drawUniformTheta, rejectionSample } from "./_common.ts";
import {
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

const WORLD_ID = "zlb";
const N_PARAMS = 13;
const N_SHOCKS = 3;
const N_STATE = 4;
const N_CANONICAL = 3;
const N_EXTRA = 2;

/** Horizon N of the perfect-foresight path solved each period. */
export const ZLB_HORIZON: number = 160;
/** Cap on guess-and-verify iterations of the binding set. */
export const ZLB_MAX_OCCBIN_ITER: number = 50;
/** Stress filter: shock size (s.d.) of the four scenarios. */
export const ZLB_STRESS_SHOCK: number = -3;
/** Stress filter: most binding quarters allowed in a scenario path. */
export const ZLB_STRESS_MAX_BINDING: number = 12;
/** Stress filter: largest |x| and |4π| allowed in a scenario path (percent). */
export const ZLB_STRESS_MAX_ABS: number = 25;
/** Trajectory guard: longest binding spell allowed (quarters). */
export const ZLB_GUARD_MAX_SPELL: number = 20;
/** Trajectory guard: largest |y| allowed in the trajectory and the IRFs. */
export const ZLB_GUARD_MAX_ABS: number = 50;
/** Guard attempts per sample before `generateSample` gives up. */
export const ZLB_MAX_ATTEMPTS: number = 100;

const BOUNDS: readonly (readonly [number, number])[] = [
  [0.5, 2.5],
  [0.985, 0.995],
  [0.01, 0.5],
  [1.05, 3.5],
  [0.0, 1.0],
  [0.0, 0.9],
  [0.0, 0.8],
  [0.0, 0.8],
  [0.0, 0.8],
  [0.001, 0.005],
  [0.002, 0.008],
  [0.001, 0.005],
  [0.5, 4.0],
];

const PARAMS: ParamManifest = {
  names: [...NK_PARAM_NAMES, "r_ss"],
  units: [...NK_PARAM_UNITS, "steady-state nominal policy rate (annualized %)"],
  bounds: BOUNDS,
  defaults: [1.0, 0.99, 0.1, 1.5, 0.125, 0.8, 0.5, 0.8, 0.5, 0.0025, 0.005, 0.0025, 2.0],
  priors: BOUNDS.map(([lo, hi]) => ({ kind: "uniform" as const, lo, hi })),
};

const SIGMA_UPPER = [BOUNDS[9][1], BOUNDS[10][1], BOUNDS[11][1]];

/**
 * The piecewise-linear perfect-foresight solver for one theta, with
 * preallocated work arrays. After {@link OccBin.solve} the path (quarterly
 * percent deviations) is in `xs`, `ps`, `is`, `ss` for h = 0..`last`, and the
 * converged binding set in `flags`.
 */
class OccBin {
  readonly horizon: number;
  sol!: NkSolution;
  floor = 0;
  rss = 0;
  #sigmaInv = 0;
  #beta = 0;
  #kappa = 0;
  #phiPi = 0;
  #phiY = 0;
  #rhoI = 0;
  #omr = 0;
  #bound = 0;
  #pm: Float64Array;
  #pr: Float64Array;
  #pu: Float64Array;
  #ai: Float64Array;
  #gi: Float64Array;
  #mx: Float64Array;
  #nx: Float64Array;
  #mp: Float64Array;
  #np: Float64Array;
  /** Path of x, π, i and the shadow rate, valid for h = 0..last. */
  readonly xs: Float64Array;
  readonly ps: Float64Array;
  readonly is: Float64Array;
  readonly ss: Float64Array;
  /** The binding set of the last solve (h = 0..N−1). */
  flags: Uint8Array;
  #next: Uint8Array;
  #flagsMax = -1;
  #nextMax = -1;
  #minI = 0;
  #nBinding = 0;
  /** Last index of the path computed by the last solve. */
  last = 0;
  /** Guess-and-verify iterations of the last solve (0 on the fast path). */
  iterations = 0;
  /** Whether the last solve converged. */
  converged = true;
  /** Number of binding periods in the converged path. */
  nBinding = 0;

  constructor(horizon: number) {
    this.horizon = horizon;
    const n = horizon;
    this.#pm = new Float64Array(n + 1);
    this.#pr = new Float64Array(n + 1);
    this.#pu = new Float64Array(n + 1);
    this.#ai = new Float64Array(n);
    this.#gi = new Float64Array(n);
    this.#mx = new Float64Array(n);
    this.#nx = new Float64Array(n);
    this.#mp = new Float64Array(n);
    this.#np = new Float64Array(n);
    this.xs = new Float64Array(n);
    this.ps = new Float64Array(n);
    this.is = new Float64Array(n);
    this.ss = new Float64Array(n);
    this.flags = new Uint8Array(n);
    this.#next = new Uint8Array(n);
  }

  /** Set theta (13 zlb parameters); theta must be determinate. */
  setTheta(theta: ArrayLike<number>, sol: NkSolution = solveNk(theta)): void {
    this.sol = sol;
    this.rss = theta[12];
    this.floor = -theta[12] / 4;
    this.#sigmaInv = 1 / theta[0];
    this.#beta = theta[1];
    this.#kappa = theta[2];
    this.#phiPi = theta[3];
    this.#phiY = theta[4];
    this.#rhoI = theta[5];
    this.#omr = 1 - theta[5];
    const [rm, rr, ru] = sol.rho;
    let pm = 1, pr = 1, pu = 1;
    for (let h = 0; h <= this.horizon; h++) {
      this.#pm[h] = pm;
      this.#pr[h] = pr;
      this.#pu[h] = pu;
      pm *= rm;
      pr *= rr;
      pu *= ru;
    }
    // sup_{k ≥ 1} k μ^k bounds every future term of the linear rate path.
    const mu = Math.max(sol.omega, Math.abs(rm), Math.abs(rr), Math.abs(ru));
    this.#bound = mu <= 0 ? 0 : Math.max(mu, 1 / (Math.E * Math.log(1 / mu)));
  }

  /**
   * Solve the path from `(iPrev, z)`; returns whether it converged.
   * `full` computes all N periods (otherwise the linear tail stops as soon as
   * it provably never reaches the floor).
   */
  solve(iPrev: number, zm: number, zr: number, zu: number, full: boolean): boolean {
    this.iterations = 0;
    this.#clear(this.flags, this.#flagsMax);
    this.#flagsMax = -1;
    this.#forward(iPrev, zm, zr, zu, -1, full);
    if (this.#nextMax < 0) return this.#finish(true);
    this.#swap();
    for (let it = 1; it <= ZLB_MAX_OCCBIN_ITER; it++) {
      this.iterations = it;
      if (!this.#backward(zm, zr, zu, this.#flagsMax)) return this.#finish(false);
      this.#forward(iPrev, zm, zr, zu, this.#flagsMax, full);
      if (this.#sameSet()) return this.#finish(this.#minI >= this.floor - 1e-9);
      this.#swap();
    }
    return this.#finish(false);
  }

  #finish(ok: boolean): boolean {
    this.converged = ok;
    this.nBinding = this.#nBinding;
    return ok;
  }

  #clear(a: Uint8Array, max: number): void {
    for (let h = 0; h <= max; h++) a[h] = 0;
  }

  #swap(): void {
    const t = this.flags;
    this.flags = this.#next;
    this.#next = t;
    const m = this.#flagsMax;
    this.#flagsMax = this.#nextMax;
    this.#nextMax = m;
  }

  #sameSet(): boolean {
    if (this.#flagsMax !== this.#nextMax) return false;
    const a = this.flags, b = this.#next;
    for (let h = 0; h <= this.#flagsMax; h++) if (a[h] !== b[h]) return false;
    return true;
  }

  /** Backward recursion over h = hEnd..0 for the binding set `flags`. */
  #backward(zm: number, zr: number, zu: number, hEnd: number): boolean {
    const s = this.sol;
    const pm = this.#pm, pr = this.#pr, pu = this.#pu, flags = this.flags;
    const sigmaInv = this.#sigmaInv, beta = this.#beta, kappa = this.#kappa;
    const phiPi = this.#phiPi, phiY = this.#phiY, rhoI = this.#rhoI, omr = this.#omr;
    const floor = this.floor;
    const bx = s.bx, bpi = s.bpi;
    // After the last binding period the path follows the MSV policy (the
    // fixed point of this recursion), so start there instead of at N.
    const e = hEnd + 1;
    let ax = s.ax;
    let ap = s.api;
    let gx = bx[0] * zm * pm[e] + bx[1] * zr * pr[e] + bx[2] * zu * pu[e];
    let gp = bpi[0] * zm * pm[e] + bpi[1] * zr * pr[e] + bpi[2] * zu * pu[e];
    for (let h = hEnd; h >= 0; h--) {
      const mx = ax - (1 - ap) * sigmaInv;
      const nx = gx + (gp + zr * pr[h]) * sigmaInv;
      const mp = beta * ap + kappa * mx;
      const np = beta * gp + kappa * nx + zu * pu[h];
      let ai: number, gi: number;
      if (flags[h]) {
        ai = 0;
        gi = floor;
      } else {
        const d = 1 - omr * (phiPi * mp + phiY * mx);
        if (!(Math.abs(d) >= 1e-12)) return false;
        ai = rhoI / d;
        gi = (omr * (phiPi * np + phiY * nx) + zm * pm[h]) / d;
      }
      this.#ai[h] = ai;
      this.#gi[h] = gi;
      this.#mx[h] = mx;
      this.#nx[h] = nx;
      this.#mp[h] = mp;
      this.#np[h] = np;
      ax = mx * ai;
      gx = mx * gi + nx;
      ap = mp * ai;
      gp = mp * gi + np;
    }
    return true;
  }

  /** Forward pass: the path for `flags` (h ≤ hEnd) and the MSV tail; the new set goes to `#next`. */
  #forward(iPrev: number, zm: number, zr: number, zu: number, hEnd: number, full: boolean): void {
    const s = this.sol;
    const next = this.#next;
    this.#clear(next, this.#nextMax);
    const pm = this.#pm, pr = this.#pr, pu = this.#pu;
    const phiPi = this.#phiPi, phiY = this.#phiY, rhoI = this.#rhoI, omr = this.#omr;
    const floor = this.floor;
    const xs = this.xs, ps = this.ps, is = this.is, ss = this.ss;
    let ip = iPrev;
    let nextMax = -1;
    let nb = 0;
    let minI = Infinity;
    for (let h = 0; h <= hEnd; h++) {
      const i = this.#ai[h] * ip + this.#gi[h];
      const x = this.#mx[h] * i + this.#nx[h];
      const p = this.#mp[h] * i + this.#np[h];
      const sh = rhoI * ip + omr * (phiPi * p + phiY * x) + zm * pm[h];
      xs[h] = x;
      ps[h] = p;
      is[h] = i;
      ss[h] = sh;
      if (sh < floor) {
        next[h] = 1;
        nextMax = h;
        nb++;
      }
      if (i < minI) minI = i;
      ip = i;
    }
    const n = this.horizon;
    const { omega, ax, api, bx, bpi, bi } = s;
    const bx0 = bx[0], bx1 = bx[1], bx2 = bx[2];
    const bp0 = bpi[0], bp1 = bpi[1], bp2 = bpi[2];
    const bi0 = bi[0], bi1 = bi[1], bi2 = bi[2];
    const bound = this.#bound;
    let last = hEnd;
    for (let h = hEnd + 1; h < n; h++) {
      const zmh = zm * pm[h], zrh = zr * pr[h], zuh = zu * pu[h];
      const x = ax * ip + bx0 * zmh + bx1 * zrh + bx2 * zuh;
      const p = api * ip + bp0 * zmh + bp1 * zrh + bp2 * zuh;
      const i = omega * ip + bi0 * zmh + bi1 * zrh + bi2 * zuh;
      xs[h] = x;
      ps[h] = p;
      is[h] = i;
      ss[h] = rhoI * ip + omr * (phiPi * p + phiY * x) + zmh;
      last = h;
      if (i < floor) {
        next[h] = 1;
        nextMax = h;
        nb++;
      }
      if (i < minI) minI = i;
      ip = i;
      if (!full) {
        const tail = Math.abs(bi0 * zmh) + Math.abs(bi1 * zrh) + Math.abs(bi2 * zuh);
        if (Math.min(0, i) - bound * tail > floor) break;
      }
    }
    this.last = last;
    this.#nextMax = nextMax;
    this.#nBinding = nb;
    this.#minI = minI;
  }
}

/** Per-run statistics of a zlb simulation. */
interface RunStats {
  maxIter: number;
  failures: number;
  maxAbs: number;
  maxSpell: number;
  nBinding: number;
}

function newStats(): RunStats {
  return { maxIter: 0, failures: 0, maxAbs: 0, maxSpell: 0, nBinding: 0 };
}

/**
 * Simulate T periods: z_t = ρ ⊙ z_{t−1} + 100σ ⊙ eps_t, solve the
 * path, keep period 0. Starts from x0 = `[m_{−1}, r^n_{−1}, u_{−1}, i_{−1}]`
 * (default zeros). Writes canonical y (T, 3), optional extras (T, 2) and
 * binding flags (T).
 */
function run(
  ob: OccBin,
  eps: ArrayLike<number>,
  T: number,
  x0: ArrayLike<number> | undefined,
  y: Float64Array,
  yExtra: Float64Array | null,
  flags: Uint8Array | null,
  stats: RunStats,
): void {
  const { rho, scale } = ob.sol;
  const rm = rho[0], rr = rho[1], ru = rho[2];
  const sm = scale[0], sr = scale[1], su = scale[2];
  let m = 0, r = 0, u = 0, ip = 0;
  if (x0) {
    m = x0[0];
    r = x0[1];
    u = x0[2];
    ip = x0[3];
  }
  let spell = 0;
  const rss = ob.rss;
  for (let t = 0; t < T; t++) {
    m = rm * m + sm * eps[3 * t];
    r = rr * r + sr * eps[3 * t + 1];
    u = ru * u + su * eps[3 * t + 2];
    if (!ob.solve(ip, m, r, u, false)) stats.failures++;
    if (ob.iterations > stats.maxIter) stats.maxIter = ob.iterations;
    const x = ob.xs[0], pa = 4 * ob.ps[0], ia = 4 * ob.is[0];
    y[3 * t] = x;
    y[3 * t + 1] = pa;
    y[3 * t + 2] = ia;
    const ax = Math.max(Math.abs(x), Math.abs(pa), Math.abs(ia));
    if (!(ax <= stats.maxAbs)) stats.maxAbs = Number.isNaN(ax) ? Infinity : ax;
    if (yExtra) {
      yExtra[2 * t] = rss + ia;
      yExtra[2 * t + 1] = rss + 4 * ob.ss[0];
    }
    const b = ob.flags[0];
    if (flags) flags[t] = b;
    if (b) {
      stats.nBinding++;
      spell++;
      if (spell > stats.maxSpell) stats.maxSpell = spell;
    } else {
      spell = 0;
    }
    ip = ob.is[0];
  }
}

/** IRF (H + 1, 3) into `out`: shocked minus baseline simulation from x0. */
function irfInto(
  ob: OccBin,
  shockIndex: number,
  shockSize: number,
  H: number,
  x0: ArrayLike<number> | undefined,
  out: Float64Array,
  flags: Uint8Array | null,
  stats: RunStats,
): void {
  const eps = new Float64Array((H + 1) * N_SHOCKS);
  eps[shockIndex] = shockSize;
  run(ob, eps, H + 1, x0, out, null, flags, stats);
  let nonzero = false;
  if (x0) { for (let j = 0; j < N_STATE; j++) if (x0[j] !== 0) nonzero = true; }
  if (nonzero) {
    const base = new Float64Array((H + 1) * N_CANONICAL);
    eps[shockIndex] = 0;
    run(ob, eps, H + 1, x0, base, null, null, newStats());
    for (let k = 0; k < base.length; k++) out[k] -= base[k];
  }
}

const SHARED = new OccBin(ZLB_HORIZON);

function checkTheta(theta: ArrayLike<number>): void {
  if (theta.length !== N_PARAMS) {
    throw new RangeError(`Invalid zlb theta: expected ${N_PARAMS} entries, got ${theta.length}`);
  }
  if (!(theta[12] > 0)) {
    throw new RangeError(`Invalid zlb theta: r_ss must be positive: got ${theta[12]}`);
  }
}

function checkShock(shockIndex: number): void {
  if (!Number.isInteger(shockIndex) || shockIndex < 0 || shockIndex >= N_SHOCKS) {
    throw new RangeError(`Shock index must be 0, 1 or 2 for zlb: got ${shockIndex}`);
  }
}

/** Structural checks plus determinacy; returns the NK solution or null. */
function admissible(theta: ArrayLike<number>): NkSolution | null {
  if (theta.length !== N_PARAMS) return null;
  for (let i = 0; i < N_PARAMS; i++) if (!Number.isFinite(theta[i])) return null;
  if (!(theta[0] > 0 && theta[1] > 0 && theta[1] < 1 && theta[2] > 0 && theta[12] > 0)) return null;
  if (!(theta[5] >= 0 && theta[5] < 1)) return null;
  for (let j = 6; j < 9; j++) if (!(Math.abs(theta[j]) < 1)) return null;
  if (!nkDeterminacy(theta).determinate) return null;
  return solveNk(theta);
}

/** The stress filter (see {@link zlbStressTest}) on a solver already set to theta. */
function passesStress(ob: OccBin): boolean {
  const sc = ob.sol.scale;
  const s = ZLB_STRESS_SHOCK;
  for (let k = 0; k < 4; k++) {
    const zm = k === 0 || k === 3 ? s * sc[0] : 0;
    const zr = k === 1 || k === 3 ? s * sc[1] : 0;
    const zu = k === 2 || k === 3 ? s * sc[2] : 0;
    if (!ob.solve(0, zm, zr, zu, true)) return false;
    if (ob.nBinding > ZLB_STRESS_MAX_BINDING) return false;
    for (let h = 0; h <= ob.last; h++) {
      if (!(Math.abs(ob.xs[h]) <= ZLB_STRESS_MAX_ABS)) return false;
      if (!(Math.abs(4 * ob.ps[h]) <= ZLB_STRESS_MAX_ABS)) return false;
    }
  }
  return true;
}

function checkValidity(theta: Float64Array): boolean {
  const sol = admissible(theta);
  if (!sol) return false;
  SHARED.setTheta(theta, sol);
  return passesStress(SHARED);
}

function sampleParameters(
  rng: Xoshiro128,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): { theta: Float64Array; nRejections: number } {
  return rejectionSample(rng, (r) => drawUniformTheta(r, PARAMS, dtype), checkValidity, WORLD_ID);
}

function prepare(theta: ArrayLike<number>): OccBin {
  checkTheta(theta);
  SHARED.setTheta(theta);
  return SHARED;
}

/**
 * Simulate T periods from `options.x0`, the economy's state in period −1,
 * `[m_{−1}, r^n_{−1}, u_{−1}, i_{−1}]`: the shock processes (percent) and last
 * period's actual policy rate (quarterly percent deviation), exactly as in
 * nk; default the steady state (zeros).
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
  const ob = prepare(theta);
  const y = new Float64Array(T * N_CANONICAL);
  const yExtra = new Float64Array(T * N_EXTRA);
  const bindingFlags = new Uint8Array(T);
  const stats = newStats();
  run(ob, eps, T, options.x0, y, yExtra, bindingFlags, stats);
  return {
    y,
    yExtra,
    bindingFlags,
    meta: {
      binding_fraction: T > 0 ? stats.nBinding / T : 0,
      max_spell: stats.maxSpell,
      occbin_max_iter: stats.maxIter,
      occbin_failures: stats.failures,
      max_abs_y: stats.maxAbs,
      omega: ob.sol.omega,
      taylor_margin: ob.sol.taylorMargin,
    },
  };
}

/**
 * Shocked minus baseline simulation, both from `options.x0` (the state of
 * period −1, as in {@link simulate}); from the steady state the baseline is 0.
 */
function computeIrf(
  theta: Float64Array,
  shockIndex: number,
  shockSize: number,
  H: number,
  options: { x0?: Float64Array } = {},
): Float64Array {
  checkShock(shockIndex);
  if (options.x0 && options.x0.length !== N_STATE) {
    throw new RangeError(`Initial state must have ${N_STATE} entries: got ${options.x0.length}`);
  }
  const ob = prepare(theta);
  const out = new Float64Array((H + 1) * N_CANONICAL);
  irfInto(ob, shockIndex, shockSize, H, options.x0, out, null, newStats());
  return out;
}

/** One perfect-foresight path of the zlb model (quarterly percent deviations). */
export interface ZlbPath {
  /** Output gap x_h, h = 0..N−1. */
  x: Float64Array;
  /** Quarterly inflation π_h. */
  pi: Float64Array;
  /** Actual (constrained) quarterly rate deviation i_h ≥ −r_ss/4. */
  i: Float64Array;
  /** Shadow rate i*_h from the Taylor rule. */
  shadow: Float64Array;
  /** The converged binding set: 1 where i_h is at the floor. */
  binding: Uint8Array;
  /** The floor −r_ss/4 (quarterly deviation). */
  floor: number;
  /** Guess-and-verify iterations (0: the unconstrained path never hits the floor). */
  iterations: number;
  /** Whether the binding set converged within the cap. */
  converged: boolean;
}

/**
 * Solve the piecewise-linear perfect-foresight path of the zlb model from one
 * state (OccBin logic, Guerrieri–Iacoviello 2015): future innovations are
 * expected to be zero, so `z_{t+h} = ρ^h ⊙ z_t`; the binding set is found by
 * guess-and-verify (at most {@link ZLB_MAX_OCCBIN_ITER} iterations), with the
 * unconstrained nk policy after the last binding period.
 *
 * @param theta The 13 zlb parameters (nk order, then `r_ss`).
 * @param state `[m_t, r^n_t, u_t, i_{t−1}]` in percent (z_t includes the
 *   period-t innovation).
 * @param options `horizon`: path length N (default {@link ZLB_HORIZON}).
 * @returns The whole path and its binding set.
 * @throws {RangeError} If theta is malformed or indeterminate.
 *
 * @example A large adverse demand shock at r_ss = 1 binds on impact
 * ```ts
 * import { zlbPath, zlbWorld } from "./zlb.ts";
 * import assert from "node:assert/strict";
 * const theta = Float64Array.from(zlbWorld.params.defaults);
 * theta[12] = 1;
 * const p = zlbPath(theta, [0, -1.5, 0, 0]);
 * assert.ok(p.converged);
 * assert.equal(p.binding[0], 1);
 * assert.equal(p.i[0], -0.25);
 * assert.ok(p.shadow[0] < p.i[0]);
 * ```
 */
export function zlbPath(
  theta: ArrayLike<number>,
  state: ArrayLike<number>,
  options: { horizon?: number } = {},
): ZlbPath {
  checkTheta(theta);
  if (state.length !== N_STATE) {
    throw new RangeError(`State must have ${N_STATE} entries: got ${state.length}`);
  }
  const n = options.horizon ?? ZLB_HORIZON;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Horizon must be a positive integer: got ${n}`);
  }
  const ob = new OccBin(n);
  ob.setTheta(theta);
  const converged = ob.solve(state[3], state[0], state[1], state[2], true);
  return {
    x: ob.xs.slice(),
    pi: ob.ps.slice(),
    i: ob.is.slice(),
    shadow: ob.ss.slice(),
    binding: ob.flags.slice(),
    floor: ob.floor,
    iterations: ob.iterations,
    converged,
  };
}

/**
 * Whether theta passes the zlb stress filter: from the
 * steady state, −3 s.d. monetary, demand, cost-push and all three together
 * must each converge, bind at most 12 quarters and keep |x| and |4π| ≤ 25
 * over the N-period path. Determinacy is checked first.
 *
 * @param theta The 13 zlb parameters.
 * @returns True if theta is admissible (same as `zlbWorld.checkValidity`).
 *
 * @example The defaults pass; a very low, long-lasting natural-rate shock does not
 * ```ts
 * import { zlbStressTest, zlbWorld } from "./zlb.ts";
 * import assert from "node:assert/strict";
 * const theta = Float64Array.from(zlbWorld.params.defaults);
 * assert.ok(zlbStressTest(theta));
 * theta[7] = 0.8; theta[10] = 0.008; theta[12] = 0.5; theta[2] = 0.5;
 * assert.ok(!zlbStressTest(theta));
 * ```
 */
export function zlbStressTest(theta: ArrayLike<number>): boolean {
  return checkValidity(Float64Array.from(theta));
}

function metadataFields(T: number, H: number): MetaFieldSpec[] {
  const scalar = (name: string, dtype: MetaFieldSpec["dtype"], description: string) => ({
    name,
    dtype,
    shape: [],
    dims: [],
    description,
  });
  return [
    {
      name: "binding_flags",
      dtype: "uint8",
      shape: [T],
      dims: ["time"],
      description: "1 where the policy rate is at the floor in the trajectory",
    },
    scalar("binding_fraction", "float64", "Fraction of trajectory periods at the floor"),
    scalar("max_spell", "int32", "Longest run of consecutive binding periods (quarters)"),
    {
      name: "irf_binding_flags",
      dtype: "uint8",
      shape: [N_SHOCKS, H + 1],
      dims: ["shock", "horizon"],
      description: "1 where the rate is at the floor along each stored IRF (shock size -1)",
    },
    scalar(
      "occbin_max_iter",
      "int32",
      "Most guess-and-verify iterations of any period (trajectory and IRFs; 0 = fast path)",
    ),
    scalar(
      "n_rejections",
      "int32",
      "Theta draws rejected by the stress filter plus samples redrawn by the trajectory guard",
    ),
    scalar("n_guard_redraws", "int32", "Whole samples redrawn by the trajectory guard"),
    scalar("omega", "float64", "Policy root of the unconstrained nk policy"),
    scalar("taylor_margin", "float64", "kappa (phi_pi - 1) + (1 - beta) phi_y"),
  ];
}

function splitStats(theta: ArrayLike<number>, meta: Readonly<Record<string, number>>): SplitStats {
  const omega = meta.omega;
  if (typeof omega !== "number") throw new TypeError("Missing zlb metadata: omega");
  return { slice: theta[12], ...nkCornerStats(theta, omega, SIGMA_UPPER) };
}

function generateSample(
  sampleSeed: number,
  T: number,
  H: number,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): SampleResult {
  let nRejections = 0;
  let nGuard = 0;
  const block = (H + 1) * N_CANONICAL;
  for (let attempt = 0; attempt < ZLB_MAX_ATTEMPTS; attempt++) {
    const drawn = sampleParameters(
      keyedStream(sampleSeed, WORLD_ID, attempt, STREAM.THETA),
      dtype,
    );
    nRejections += drawn.nRejections;
    const theta = drawn.theta;
    const ob = prepare(theta);
    const shocks = drawShocks(sampleSeed, WORLD_ID, attempt, T, N_SHOCKS, dtype);
    const trajectories = new Float64Array(T * N_CANONICAL);
    const bindingFlags = new Uint8Array(T);
    const stats = newStats();
    run(ob, shocks, T, undefined, trajectories, null, bindingFlags, stats);
    const trajStats = { ...stats };
    const irfs = new Float64Array(N_SHOCKS * block);
    const irfFlags = new Uint8Array(N_SHOCKS * (H + 1));
    if (guardOk(stats)) {
      for (let k = 0; k < N_SHOCKS; k++) {
        irfInto(
          ob,
          k,
          zlbWorld.shocks.irfShockSize,
          H,
          undefined,
          irfs.subarray(k * block, (k + 1) * block),
          irfFlags.subarray(k * (H + 1), (k + 1) * (H + 1)),
          stats,
        );
      }
    }
    if (!guardOk(stats)) {
      nRejections++;
      nGuard++;
      continue;
    }
    return {
      theta,
      shocks,
      trajectories,
      irfs,
      metadata: {
        binding_flags: bindingFlags,
        binding_fraction: T > 0 ? trajStats.nBinding / T : 0,
        max_spell: trajStats.maxSpell,
        irf_binding_flags: irfFlags,
        occbin_max_iter: stats.maxIter,
        n_rejections: nRejections,
        n_guard_redraws: nGuard,
        omega: ob.sol.omega,
        taylor_margin: ob.sol.taylorMargin,
      },
      nRejections,
    };
  }
  throw new Error(
    `Cannot generate zlb sample ${sampleSeed}: the trajectory guard rejected ${ZLB_MAX_ATTEMPTS} attempts`,
  );
}

function guardOk(stats: RunStats): boolean {
  return stats.failures === 0 && stats.maxSpell <= ZLB_GUARD_MAX_SPELL &&
    stats.maxAbs <= ZLB_GUARD_MAX_ABS;
}

/**
 * The zlb world adapter: 13 parameters (nk's with narrowed
 * shock ranges, plus `r_ss`), shocks `[monetary, demand, cost_push]`,
 * canonical `[x, 4π, 4i]` (deviations; the rate's floor is −r_ss), extras
 * `rate_level`, `shadow_rate_level`; IRFs at shock size −1 from the steady
 * state. `x0` (of `simulate` and `computeIrf`) is the state of period −1,
 * `[m_{−1}, r^n_{−1}, u_{−1}, i_{−1}]` (percent; the rate a quarterly
 * deviation), the same as nk's; IRFs from a nonzero `x0` subtract the
 * baseline from that state.
 *
 * @example Generate one sample
 * ```ts
 * import { zlbWorld } from "./zlb.ts";
 * import assert from "node:assert/strict";
 * const s = zlbWorld.generateSample(3, 40, 8);
 * assert.equal(s.trajectories.length, 40 * 3);
 * assert.equal((s.metadata.binding_flags as Uint8Array).length, 40);
 * const rss = s.theta[12];
 * for (let t = 0; t < 40; t++) assert.ok(s.trajectories[3 * t + 2] >= -rss - 1e-12);
 * ```
 */
export const zlbWorld: WorldAdapter = {
  id: WORLD_ID,
  version: "zlb_v1",
  description:
    "NK with an occasionally binding zero lower bound; piecewise-linear perfect-foresight (OccBin) solution",
  params: PARAMS,
  shocks: {
    names: ["monetary", "demand", "cost_push"],
    sigmaDefault: [0.0025, 0.005, 0.0025],
    irfShockSize: -1,
    irfConvention: "Rates down: irfs.zarr holds the response, from the steady state, to a shock " +
      "of -1 s.d. (irf_sign * default_size) of each shock at t = 0, the direction that lowers " +
      "the policy rate toward the floor",
  },
  observables: {
    canonical: CANONICAL_OBSERVABLES,
    units: [
      "% deviation (output gap)",
      "annualized pp deviation (4 pi)",
      "annualized pp deviation (4 i); floor at -r_ss",
    ],
    extra: ["rate_level", "shadow_rate_level"],
  },
  sliceRule: {
    statistic: "r_ss",
    op: "<",
    threshold: 0.675,
    description:
      "Close to the floor: r_ss < 0.675, 5.0% of the U[0.5, 4] prior (slightly less after the stress filter and guard)",
  },
  cornerDescription: {
    persistence: "max(omega, rho_m, rho_r, rho_u)",
    volatility: "max(sigma_m / 0.005, sigma_r / 0.008, sigma_u / 0.005) (upper prior bounds)",
  },
  metadataFields,
  sampleParameters,
  checkValidity,
  simulate,
  computeIrf,
  splitStats,
  generateSample,
};
