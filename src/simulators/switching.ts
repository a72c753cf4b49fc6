/**
 * The `switching` world: a two-regime Markov-switching VAR(1) in three
 * observables with two shocks.
 *
 * ```
 * P   = [[p00, 1 - p00], [1 - p11, p11]]          s_t in {0, 1}
 * y_t = rho_{s_t} Phi y_{t-1} + sig_{s_t} Gamma eps_t
 * ```
 *
 * Phi is normal with `‖Phi‖₂ = 1`, so `‖rho_s Phi‖₂ = rho_s < 1` and the
 * process contracts on every regime path. Gamma has unit-norm columns, so
 * `sig_s` is the impact norm of a 1 s.d. shock in regime s.
 *
 * theta (21): `p00, p11, rho0, rho1, sig0, sig1, Phi_00..Phi_22` (row-major),
 * `Gamma_00..Gamma_21` (row-major, 3 x 2).
 *
 * The stored IRF is the exact expectation over future regime paths with the
 * regime of the shock period drawn from the ergodic distribution; the IRFs
 * conditional on each initial regime go to the `irfs_by_regime` metadata.
 *
 * @module
 */

import { haarOrthogonal } from "../numeric/linalg.ts";
import { keyedStream, STREAM, type Xoshiro128 } from "../numeric/rng.ts";
import { DEFAULT_STORED_DTYPE, quantizeTheta, type StoredDtype } from "../numeric/quantize.ts";
import { drawShocks, rejectionSample } from "./_common.ts";
import type {
  MetaFieldSpec,
  ParamManifest,
  PriorSpec,
  SampleResult,
  SimOutput,
  SimulateOptions,
  SliceRule,
  SplitStats,
  WorldAdapter,
} from "./types.ts";
import { CANONICAL_OBSERVABLES } from "./types.ts";

const WORLD_ID = "switching";
const N_OBS = 3;
const N_SHOCKS = 2;
const N_PARAMS = 21;
const PHI_OFFSET = 6;
const GAMMA_OFFSET = 15;
/** Tolerance of the construction invariants in `checkValidity` (float32-stored theta passes). */
const INVARIANT_TOL = 1e-6;

/** The parameters of a switching model, unpacked from theta. */
export interface SwitchingModel {
  /** Probability of staying in regime 0. */
  p00: number;
  /** Probability of staying in regime 1. */
  p11: number;
  /** Persistence scale of regime 0 (`‖A_0‖₂`). */
  rho0: number;
  /** Persistence scale of regime 1 (`‖A_1‖₂`). */
  rho1: number;
  /** Impact norm of a 1 s.d. shock in regime 0 (percent-like units). */
  sig0: number;
  /** Impact norm of a 1 s.d. shock in regime 1. */
  sig1: number;
  /** Phi, 3 x 3, row-major. */
  phi: Float64Array;
  /** Gamma, 3 x 2, row-major. */
  gamma: Float64Array;
}

/** A two-state Markov chain and a path length, for {@link drawRegimePath}. */
export interface RegimeChainSpec {
  /** Probability of staying in regime 0. */
  p00: number;
  /** Probability of staying in regime 1. */
  p11: number;
  /** Number of periods T. */
  length: number;
}

/** Options of {@link expectedIrf}. */
export interface ExpectedIrfOptions {
  /** Which shock (default 0). */
  shockIndex?: number;
  /** Shock size in s.d. units (default 1). */
  shockSize?: number;
  /**
   * Distribution `[q0_0, q0_1]` of the regime in the shock period (default:
   * the ergodic distribution of the chain). `[1, 0]` or `[0, 1]` condition on
   * the initial regime.
   */
  q0?: readonly [number, number];
  /** Optional output `(H + 1, 3)`. */
  out?: Float64Array;
}

const PARAM_NAMES: readonly string[] = [
  "p00",
  "p11",
  "rho0",
  "rho1",
  "sig0",
  "sig1",
  ...indexNames("Phi", 3, 3),
  ...indexNames("Gamma", 3, 2),
];

const SCALAR_BOUNDS: readonly (readonly [number, number])[] = [
  [0.8, 0.98],
  [0.8, 0.98],
  [0.3, 0.8],
  [0.7, 0.95],
  [0.5, 2.0],
  [2.0, 5.0],
];

const STRUCTURED_PRIOR: PriorSpec = {
  kind: "structured",
  algorithm: "switching_v1",
  note: "Phi = Q T Qᵀ (Q Haar, T a unit rotation block plus d, or diag(1, d2, d3)); " +
    "Gamma N(0, 1) with unit-norm columns",
};

const PARAMS: ParamManifest = {
  names: PARAM_NAMES,
  units: [
    "probability",
    "probability",
    "1",
    "1",
    "percent-like",
    "percent-like",
    ...new Array<string>(9).fill("1"),
    ...new Array<string>(6).fill("1"),
  ],
  bounds: [...SCALAR_BOUNDS, ...new Array<readonly [number, number]>(15).fill([-1, 1])],
  defaults: [0.95, 0.9, 0.5, 0.9, 1.0, 3.0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0],
  priors: [
    ...SCALAR_BOUNDS.map(([lo, hi]): PriorSpec => ({ kind: "uniform", lo, hi })),
    ...new Array<PriorSpec>(15).fill(STRUCTURED_PRIOR),
  ],
};

const SLICE_THRESHOLD = 0.975;

const SLICE_RULE: SliceRule = {
  statistic: "max_p",
  op: ">",
  threshold: SLICE_THRESHOLD,
  description: "max(p00, p11) > 0.975: the most persistent regime chains, " +
    "1 - (0.175/0.18)^2 = 5.48% of the uniform prior on [0.8, 0.98]^2",
};

function indexNames(prefix: string, rows: number, cols: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.push(`${prefix}_${i}${j}`);
  return out;
}

/**
 * Unpack a switching theta (21 entries, natural units).
 *
 * @param theta The parameter vector.
 * @returns The model; `phi` and `gamma` are fresh copies.
 * @throws {TypeError} If theta does not have 21 entries.
 *
 * @example Read the default theta
 * ```ts
 * import { switchingModel, switchingWorld } from "./switching.ts";
 * import assert from "node:assert/strict";
 * const m = switchingModel(new Float64Array(switchingWorld.params.defaults));
 * assert.equal(m.p00, 0.95);
 * assert.deepEqual(Array.from(m.phi), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
 * ```
 */
export function switchingModel(theta: ArrayLike<number>): SwitchingModel {
  if (theta.length !== N_PARAMS) {
    throw new TypeError(
      `Cannot read switching theta: expected ${N_PARAMS} entries, got ${theta.length}`,
    );
  }
  const phi = new Float64Array(9);
  const gamma = new Float64Array(6);
  for (let i = 0; i < 9; i++) phi[i] = theta[PHI_OFFSET + i];
  for (let i = 0; i < 6; i++) gamma[i] = theta[GAMMA_OFFSET + i];
  return {
    p00: theta[0],
    p11: theta[1],
    rho0: theta[2],
    rho1: theta[3],
    sig0: theta[4],
    sig1: theta[5],
    phi,
    gamma,
  };
}

/**
 * Pack a switching model into theta (the inverse of {@link switchingModel}).
 *
 * @param model The model.
 * @returns theta, 21 entries.
 *
 * @example Round trip
 * ```ts
 * import { switchingModel, switchingTheta, switchingWorld } from "./switching.ts";
 * import assert from "node:assert/strict";
 * const theta = new Float64Array(switchingWorld.params.defaults);
 * assert.deepEqual(switchingTheta(switchingModel(theta)), theta);
 * ```
 */
export function switchingTheta(model: SwitchingModel): Float64Array {
  const theta = new Float64Array(N_PARAMS);
  theta[0] = model.p00;
  theta[1] = model.p11;
  theta[2] = model.rho0;
  theta[3] = model.rho1;
  theta[4] = model.sig0;
  theta[5] = model.sig1;
  theta.set(model.phi.subarray(0, 9), PHI_OFFSET);
  theta.set(model.gamma.subarray(0, 6), GAMMA_OFFSET);
  return theta;
}

/**
 * The ergodic distribution `[π0, π1] = [1 - p11, 1 - p00] / (2 - p00 - p11)`
 * of the two-state chain (Hamilton 1994, ch. 22).
 *
 * @param p00 Probability of staying in regime 0.
 * @param p11 Probability of staying in regime 1.
 * @returns `[π0, π1]`.
 * @throws {RangeError} If `p00 + p11 >= 2` (the chain is reducible).
 *
 * @example The default chain spends two thirds of the time in regime 0
 * ```ts
 * import { ergodicDistribution } from "./switching.ts";
 * import assert from "node:assert/strict";
 * const [pi0, pi1] = ergodicDistribution(0.95, 0.9);
 * assert.ok(Math.abs(pi0 - 2 / 3) < 1e-12 && Math.abs(pi1 - 1 / 3) < 1e-12);
 * ```
 */
export function ergodicDistribution(p00: number, p11: number): [number, number] {
  const denom = 2 - p00 - p11;
  if (!(denom > 0)) {
    throw new RangeError(`Cannot compute the ergodic distribution: p00 + p11 = ${p00 + p11} >= 2`);
  }
  return [(1 - p11) / denom, (1 - p00) / denom];
}

/**
 * Draw a regime path of the two-state chain, one uniform `u_t` per period:
 * `s_0 = [u_0 < π1]` (the ergodic distribution), then `s_t = s_{t-1}` if
 * `u_t < p_{s_{t-1} s_{t-1}}`, else the other regime.
 *
 * @param rng The REGIME stream (consumes two raw outputs per period).
 * @param chain `p00`, `p11` and the path length.
 * @param out Optional output of length `chain.length`.
 * @returns The path, values 0 or 1.
 *
 * @example Same stream, same path
 * ```ts
 * import { drawRegimePath } from "./switching.ts";
 * import { keyedStream, STREAM } from "../numeric/rng.ts";
 * import assert from "node:assert/strict";
 * const chain = { p00: 0.95, p11: 0.9, length: 50 };
 * const a = drawRegimePath(keyedStream(7, "switching", 0, STREAM.REGIME), chain);
 * const b = drawRegimePath(keyedStream(7, "switching", 0, STREAM.REGIME), chain);
 * assert.deepEqual(a, b);
 * assert.ok(a.every((s) => s === 0 || s === 1));
 * ```
 */
export function drawRegimePath(
  rng: Xoshiro128,
  chain: RegimeChainSpec,
  out: Int8Array = new Int8Array(chain.length),
): Int8Array {
  const { p00, p11, length } = chain;
  if (out.length < length) {
    throw new TypeError(
      `Cannot draw a regime path: output holds ${out.length} < ${length} periods`,
    );
  }
  if (length === 0) return out;
  const pi1 = ergodicDistribution(p00, p11)[1];
  let s = rng.nextFloat64() < pi1 ? 1 : 0;
  out[0] = s;
  for (let t = 1; t < length; t++) {
    const stay = s === 0 ? p00 : p11;
    if (!(rng.nextFloat64() < stay)) s = 1 - s;
    out[t] = s;
  }
  return out;
}

/**
 * Horizon weights `c_h = c_h^0 + c_h^1` with `c_0^j = q0_j sig_j` and
 * `c_h^j = rho_j Σ_i P_ij c_{h-1}^i`, so that `m_h^j = c_h^j Φ^h Γ e`.
 */
function regimeWeights(
  model: SwitchingModel,
  q00: number,
  q01: number,
  H: number,
  out: Float64Array,
): Float64Array {
  const { p00, p11, rho0, rho1 } = model;
  let c0 = q00 * model.sig0;
  let c1 = q01 * model.sig1;
  out[0] = c0 + c1;
  for (let h = 1; h <= H; h++) {
    const n0 = rho0 * (p00 * c0 + (1 - p11) * c1);
    const n1 = rho1 * ((1 - p00) * c0 + p11 * c1);
    c0 = n0;
    c1 = n1;
    out[h] = c0 + c1;
  }
  return out;
}

/** `out[h] = Φ^h Γ e_k`, h = 0..H, as `(H + 1, 3)`. */
function phiPowersTimesGamma(
  phi: Float64Array,
  gamma: Float64Array,
  k: number,
  H: number,
  out: Float64Array,
): Float64Array {
  let a = gamma[k];
  let b = gamma[2 + k];
  let c = gamma[4 + k];
  out[0] = a;
  out[1] = b;
  out[2] = c;
  for (let h = 1; h <= H; h++) {
    const na = phi[0] * a + phi[1] * b + phi[2] * c;
    const nb = phi[3] * a + phi[4] * b + phi[5] * c;
    const nc = phi[6] * a + phi[7] * b + phi[8] * c;
    a = na;
    b = nb;
    c = nc;
    out[3 * h] = a;
    out[3 * h + 1] = b;
    out[3 * h + 2] = c;
  }
  return out;
}

/**
 * The exact expected IRF `(H + 1, 3)` of one shock over future regime paths:
 * `IRF[h] = m_h^0 + m_h^1` with `m_h^j = E[y_h 1{s_h = j}]`,
 * `m_0^j = q0_j sig_j Γ e` and `m_h^j = rho_j Φ Σ_i P_ij m_{h-1}^i`.
 * Because Φ is common to both regimes, `m_h^j` is a scalar multiple of
 * `Φ^h Γ e`, which is how it is computed. This equals the mean of the
 * simulator's own baseline-subtracted IRFs over regime paths whose shock
 * period regime is drawn from `q0`.
 *
 * @param model The parameters (any p00, p11 in [0, 1]; the default q0 needs
 *   `p00 + p11 < 2`).
 * @param H Horizon.
 * @param options Shock index and size, initial regime distribution, output.
 * @returns The IRF `(H + 1, 3)`.
 * @throws {RangeError} If the shock index is not 0 or 1.
 *
 * @example Volatility-only switching: E[IRF_h | s0 = 1] = sig1 rho^h Φ^h Γ e
 * ```ts
 * import { expectedIrf, switchingModel, switchingWorld } from "./switching.ts";
 * import assert from "node:assert/strict";
 * const m = switchingModel(new Float64Array(switchingWorld.params.defaults));
 * m.rho0 = 0.7;
 * m.rho1 = 0.7;
 * const irf = expectedIrf(m, 4, { q0: [0, 1] });
 * assert.ok(Math.abs(irf[0] - 3) < 1e-12);
 * assert.ok(Math.abs(irf[12] - 3 * 0.7 ** 4) < 1e-12);
 * ```
 */
export function expectedIrf(
  model: SwitchingModel,
  H: number,
  options: ExpectedIrfOptions = {},
): Float64Array {
  const k = options.shockIndex ?? 0;
  if (k !== 0 && k !== 1) throw new RangeError(`Shock index must be 0 or 1: got ${k}`);
  const size = options.shockSize ?? 1;
  const q0 = options.q0 ?? ergodicDistribution(model.p00, model.p11);
  const out = options.out ?? new Float64Array((H + 1) * N_OBS);
  const w = regimeWeights(model, q0[0], q0[1], H, new Float64Array(H + 1));
  phiPowersTimesGamma(model.phi, model.gamma, k, H, out);
  for (let h = 0; h <= H; h++) {
    const f = size * w[h];
    out[3 * h] *= f;
    out[3 * h + 1] *= f;
    out[3 * h + 2] *= f;
  }
  return out;
}

/** Expected IRFs (ergodic and per initial regime) of every shock, sharing Φ^h Γ e. */
function irfBundle(
  model: SwitchingModel,
  H: number,
  shockSize: number,
): { irfs: Float64Array; byRegime: Float64Array } {
  const n = (H + 1) * N_OBS;
  const [pi0, pi1] = ergodicDistribution(model.p00, model.p11);
  const w0 = regimeWeights(model, 1, 0, H, new Float64Array(H + 1));
  const w1 = regimeWeights(model, 0, 1, H, new Float64Array(H + 1));
  const v = new Float64Array(n);
  const irfs = new Float64Array(N_SHOCKS * n);
  const byRegime = new Float64Array(2 * N_SHOCKS * n);
  for (let k = 0; k < N_SHOCKS; k++) {
    phiPowersTimesGamma(model.phi, model.gamma, k, H, v);
    const o = k * n;
    const o1 = N_SHOCKS * n + k * n;
    for (let h = 0; h <= H; h++) {
      const f0 = shockSize * w0[h];
      const f1 = shockSize * w1[h];
      for (let r = 0; r < N_OBS; r++) {
        const i = 3 * h + r;
        const a = f0 * v[i];
        const b = f1 * v[i];
        byRegime[o + i] = a;
        byRegime[o1 + i] = b;
      }
    }
    // The stored IRF is computeIrf's, operation for operation, so that it is reproduced bit
    // for bit from the stored theta (pi0 a + pi1 b is the same number only up to rounding).
    expectedIrf(model, H, {
      shockIndex: k,
      shockSize,
      q0: [pi0, pi1],
      out: irfs.subarray(o, o + n),
    });
  }
  return { irfs, byRegime };
}

/**
 * Largest eigenvalue of a symmetric 3 x 3 matrix by cyclic Jacobi rotations
 * (accurate to rounding even for repeated eigenvalues, unlike the
 * trigonometric closed form, which loses half the digits there).
 */
function symmetricMaxEig3(s: Float64Array): number {
  const a = Float64Array.from(s);
  const pairs = [[0, 1, 2], [0, 2, 1], [1, 2, 0]];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5];
    const diag = a[0] * a[0] + a[4] * a[4] + a[8] * a[8];
    if (off <= 1e-36 * diag || off === 0) break;
    for (const [p, q, r] of pairs) {
      const apq = a[3 * p + q];
      if (apq === 0) continue;
      const app = a[4 * p];
      const aqq = a[4 * q];
      const theta = (aqq - app) / (2 * apq);
      const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const sn = t * c;
      a[4 * p] = app - t * apq;
      a[4 * q] = aqq + t * apq;
      a[3 * p + q] = 0;
      a[3 * q + p] = 0;
      const arp = a[3 * r + p];
      const arq = a[3 * r + q];
      a[3 * r + p] = a[3 * p + r] = c * arp - sn * arq;
      a[3 * r + q] = a[3 * q + r] = sn * arp + c * arq;
    }
  }
  return Math.max(a[0], a[4], a[8]);
}

/**
 * The construction invariants of Phi and Gamma: the normality defect
 * `max |ΦΦᵀ − ΦᵀΦ|`, the spectral norm `‖Φ‖₂`, and the largest deviation of
 * a Gamma column norm from 1.
 *
 * @param theta A switching theta (21 entries).
 * @returns The three diagnostics.
 *
 * @example The default theta satisfies the invariants exactly
 * ```ts
 * import { phiGammaInvariants, switchingWorld } from "./switching.ts";
 * import assert from "node:assert/strict";
 * const inv = phiGammaInvariants(new Float64Array(switchingWorld.params.defaults));
 * assert.deepEqual(inv, { normalityDefect: 0, phiNorm: 1, gammaColumnDefect: 0 });
 * ```
 */
export function phiGammaInvariants(
  theta: ArrayLike<number>,
): { normalityDefect: number; phiNorm: number; gammaColumnDefect: number } {
  const o = PHI_OFFSET;
  const ata = new Float64Array(9);
  let normalityDefect = 0;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let aat = 0;
      let tta = 0;
      for (let l = 0; l < 3; l++) {
        aat += theta[o + 3 * i + l] * theta[o + 3 * j + l];
        tta += theta[o + 3 * l + i] * theta[o + 3 * l + j];
      }
      ata[3 * i + j] = tta;
      normalityDefect = Math.max(normalityDefect, Math.abs(aat - tta));
    }
  }
  const phiNorm = Math.sqrt(Math.max(0, symmetricMaxEig3(ata)));
  let gammaColumnDefect = 0;
  for (let k = 0; k < N_SHOCKS; k++) {
    let ss = 0;
    for (let i = 0; i < 3; i++) ss += theta[GAMMA_OFFSET + 2 * i + k] ** 2;
    gammaColumnDefect = Math.max(gammaColumnDefect, Math.abs(Math.sqrt(ss) - 1));
  }
  return { normalityDefect, phiNorm, gammaColumnDefect };
}

/** Build Phi = Q T Qᵀ (row-major 3 x 3) from the THETA stream. */
function drawPhi(rng: Xoshiro128): Float64Array {
  const t = new Float64Array(9);
  if (rng.nextFloat64() < 0.5) {
    const angle = rng.uniform(0.1, Math.PI / 3);
    const d = rng.uniform(-0.3, 1);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    t[0] = c;
    t[1] = -s;
    t[3] = s;
    t[4] = c;
    t[8] = d;
  } else {
    t[0] = 1;
    t[4] = rng.uniform(-0.3, 1);
    t[8] = rng.uniform(-0.3, 1);
  }
  const q = haarOrthogonal(rng, 3);
  const qt = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let v = 0;
      for (let l = 0; l < 3; l++) v += q[3 * i + l] * t[3 * l + j];
      qt[3 * i + j] = v;
    }
  }
  const phi = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let v = 0;
      for (let l = 0; l < 3; l++) v += qt[3 * i + l] * q[3 * j + l];
      phi[3 * i + j] = v;
    }
  }
  return phi;
}

/** One candidate theta: six uniform scalars, then Phi, then Gamma. */
function drawTheta(rng: Xoshiro128): Float64Array {
  const theta = new Float64Array(N_PARAMS);
  for (let i = 0; i < SCALAR_BOUNDS.length; i++) {
    theta[i] = rng.uniform(SCALAR_BOUNDS[i][0], SCALAR_BOUNDS[i][1]);
  }
  theta.set(drawPhi(rng), PHI_OFFSET);
  const g = new Float64Array(6);
  rng.fillNormal(g);
  for (let k = 0; k < N_SHOCKS; k++) {
    const norm = Math.hypot(g[k], g[2 + k], g[4 + k]);
    for (let i = 0; i < 3; i++) {
      theta[GAMMA_OFFSET + 2 * i + k] = norm > 0 ? g[2 * i + k] / norm : (i === k ? 1 : 0);
    }
  }
  return theta;
}

function checkValidity(theta: Float64Array): boolean {
  if (theta.length !== N_PARAMS) return false;
  for (let i = 0; i < N_PARAMS; i++) {
    const [lo, hi] = PARAMS.bounds[i];
    if (!(theta[i] >= lo && theta[i] <= hi)) return false;
  }
  const inv = phiGammaInvariants(theta);
  return inv.normalityDefect <= INVARIANT_TOL &&
    Math.abs(inv.phiNorm - 1) <= INVARIANT_TOL &&
    inv.gammaColumnDefect <= INVARIANT_TOL;
}

function simulate(
  theta: Float64Array,
  eps: Float64Array,
  T: number,
  options: SimulateOptions = {},
): SimOutput {
  if (eps.length < T * N_SHOCKS) {
    throw new TypeError(
      `Cannot simulate switching: eps holds ${eps.length} values, need T * 2 = ${T * N_SHOCKS}`,
    );
  }
  const regimeSeq = options.regimeSeq ?? new Int8Array(T);
  if (regimeSeq.length < T) {
    throw new TypeError(
      `Cannot simulate switching: regimeSeq has ${regimeSeq.length} < ${T} periods`,
    );
  }
  const x0 = options.x0;
  if (x0 && x0.length !== N_OBS) {
    throw new TypeError(`Cannot simulate switching: x0 must have 3 entries, got ${x0.length}`);
  }
  const f = theta;
  const p0 = PHI_OFFSET;
  const g0 = GAMMA_OFFSET;
  const y = new Float64Array(T * N_OBS);
  let a = x0 ? x0[0] : 0;
  let b = x0 ? x0[1] : 0;
  let c = x0 ? x0[2] : 0;
  for (let t = 0; t < T; t++) {
    const s = regimeSeq[t];
    if (s !== 0 && s !== 1) {
      throw new RangeError(`Cannot simulate switching: regimeSeq[${t}] = ${s} is not 0 or 1`);
    }
    const rho = s === 0 ? f[2] : f[3];
    const sig = s === 0 ? f[4] : f[5];
    const e0 = sig * eps[2 * t];
    const e1 = sig * eps[2 * t + 1];
    const na = rho * (f[p0] * a + f[p0 + 1] * b + f[p0 + 2] * c) + f[g0] * e0 + f[g0 + 1] * e1;
    const nb = rho * (f[p0 + 3] * a + f[p0 + 4] * b + f[p0 + 5] * c) + f[g0 + 2] * e0 +
      f[g0 + 3] * e1;
    const nc = rho * (f[p0 + 6] * a + f[p0 + 7] * b + f[p0 + 8] * c) + f[g0 + 4] * e0 +
      f[g0 + 5] * e1;
    a = na;
    b = nb;
    c = nc;
    y[3 * t] = a;
    y[3 * t + 1] = b;
    y[3 * t + 2] = c;
  }
  return { y, regimeSeq };
}

function metadataFields(T: number, H: number): MetaFieldSpec[] {
  return [
    {
      name: "regime_seq",
      dtype: "int8",
      shape: [T],
      dims: ["time"],
      description: "Regime s_t (0 or 1) of each trajectory period, from the REGIME stream",
    },
    {
      name: "s0",
      dtype: "int8",
      shape: [],
      dims: [],
      description: "Regime of the first trajectory period, drawn from the ergodic distribution",
    },
    {
      name: "ergodic_p0",
      dtype: "float64",
      shape: [],
      dims: [],
      description: "Ergodic probability of regime 0, (1 - p11) / (2 - p00 - p11)",
    },
    {
      name: "irfs_by_regime",
      dtype: "float32",
      shape: [2, N_SHOCKS, H + 1, N_OBS],
      dims: ["regime", "shock", "horizon", "observable"],
      description: "Expected IRFs conditional on the regime of the shock period " +
        "(the stored irfs weight them by the ergodic distribution)",
    },
    {
      name: "n_rejections",
      dtype: "int32",
      shape: [],
      dims: [],
      description: "Rejected theta draws (always 0: the construction never rejects)",
    },
  ];
}

function sampleParameters(
  rng: Xoshiro128,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): { theta: Float64Array; nRejections: number } {
  return rejectionSample(
    rng,
    (r) => quantizeTheta(drawTheta(r), PARAMS.bounds, dtype),
    checkValidity,
    WORLD_ID,
  );
}

function computeIrf(
  theta: Float64Array,
  shockIndex: number,
  shockSize: number,
  H: number,
): Float64Array {
  return expectedIrf(switchingModel(theta), H, { shockIndex, shockSize });
}

function splitStats(theta: ArrayLike<number>): SplitStats {
  const p00 = theta[0];
  const p11 = theta[1];
  const [pi0, pi1] = ergodicDistribution(p00, p11);
  return {
    slice: Math.max(p00, p11),
    persistence: pi0 * theta[2] + pi1 * theta[3],
    volatility: theta[5],
  };
}

function generateSample(
  sampleSeed: number,
  T: number,
  H: number,
  dtype: StoredDtype = DEFAULT_STORED_DTYPE,
): SampleResult {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`T must be a positive integer: got ${T}`);
  if (!Number.isInteger(H) || H < 0) {
    throw new RangeError(`H must be a non-negative integer: got ${H}`);
  }
  const { theta, nRejections } = sampleParameters(
    keyedStream(sampleSeed, WORLD_ID, 0, STREAM.THETA),
    dtype,
  );
  const model = switchingModel(theta);
  const shocks = drawShocks(sampleSeed, WORLD_ID, 0, T, N_SHOCKS, dtype);
  const regimeSeq = drawRegimePath(keyedStream(sampleSeed, WORLD_ID, 0, STREAM.REGIME), {
    p00: model.p00,
    p11: model.p11,
    length: T,
  });
  const { y } = simulate(theta, shocks, T, { regimeSeq });
  const { irfs, byRegime } = irfBundle(model, H, switchingWorld.shocks.irfShockSize);
  return {
    theta,
    shocks,
    trajectories: y,
    irfs,
    metadata: {
      regime_seq: regimeSeq,
      s0: regimeSeq[0],
      ergodic_p0: ergodicDistribution(model.p00, model.p11)[0],
      irfs_by_regime: byRegime,
      n_rejections: nRejections,
    },
    nRejections,
  };
}

/**
 * The `switching` world adapter.
 *
 * - `simulate(theta, eps, T, { x0, regimeSeq })` is a pure function of its
 *   inputs. `x0` is the state of period −1, `y_{−1}` (3 entries; default
 *   zeros); `regimeSeq[t]` is the regime of period t ≥ 0. Without
 *   `regimeSeq` the path is **all regime 0** (a fixed, documented default;
 *   nothing random is drawn). The returned `regimeSeq`
 *   is the path used (the caller's array itself when given).
 * - `computeIrf` returns the exact expectation over regime paths with the
 *   shock-period regime drawn from the ergodic distribution; `x0` does not
 *   matter (the baseline-subtracted path IRF is independent of it).
 * - `generateSample` draws theta (THETA stream), eps (EPS stream) and the
 *   regime path (REGIME stream, see {@link drawRegimePath}); metadata holds
 *   `regime_seq`, `s0`, `ergodic_p0`, `irfs_by_regime` and `n_rejections`.
 *
 * @example Generate one sample
 * ```ts
 * import { switchingWorld } from "./switching.ts";
 * import assert from "node:assert/strict";
 * const s = switchingWorld.generateSample(1, 20, 8);
 * assert.equal(s.theta.length, 21);
 * assert.equal(s.irfs.length, 2 * 9 * 3);
 * assert.equal((s.metadata.regime_seq as Int8Array).length, 20);
 * assert.ok(switchingWorld.checkValidity(s.theta));
 * ```
 */
export const switchingWorld: WorldAdapter = {
  id: WORLD_ID,
  version: "switching_v1",
  description: "Two-regime Markov-switching VAR(1): y_t = rho_s Phi y_{t-1} + sig_s Gamma eps_t, " +
    "Phi normal with unit spectral norm, expected IRF over regime paths from the ergodic regime",
  params: PARAMS,
  shocks: { names: ["shock_0", "shock_1"], sigmaDefault: [1, 1], irfShockSize: 1 },
  observables: {
    canonical: CANONICAL_OBSERVABLES,
    units: ["percent-like", "percent-like", "percent-like"],
    extra: [],
  },
  sliceRule: SLICE_RULE,
  cornerDescription: {
    persistence: "pi0 * rho0 + pi1 * rho1 (ergodic mean of the regime persistence scale)",
    volatility: "sig1 (impact norm of a 1 s.d. shock in the high-volatility regime)",
  },
  metadataFields,
  sampleParameters,
  checkValidity,
  simulate,
  computeIrf,
  splitStats,
  generateSample,
};
