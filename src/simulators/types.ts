/**
 * The adapter API every simulator world implements.
 *
 * Conventions:
 * - A shock at t = 0 moves the observables at t = 0; `IRF[0]` is the impact.
 * - An initial state `x0` is the economy's state in period −1 (see
 *   {@link SimulateOptions.x0}); the steady state (zeros) by default.
 * - Canonical observables are `[output, inflation, rate]`, deviations from
 *   steady state, in percent / annualized percentage points.
 * - `eps` is stored in N(0, 1) units; the simulator applies `sigma_k(theta)`.
 * - Arrays are flat and row-major: trajectories `(T, 3)`, shocks
 *   `(T, nShocks)`, IRFs `(nShocks, H + 1, 3)`, one IRF `(H + 1, 3)`.
 *
 * @module
 */

import type { Xoshiro128 } from "../numeric/rng.ts";
import type { StoredDtype } from "../numeric/quantize.ts";

/** The six world ids, in canonical order. */
export const WORLD_IDS = ["lss", "var", "nk", "rbc", "switching", "zlb"] as const;

/** The canonical observables every world reports, in order (the `observable` axis). */
export const CANONICAL_OBSERVABLES: readonly ["output", "inflation", "rate"] = Object.freeze(
  ["output", "inflation", "rate"] as const,
);

/** A world id. */
export type WorldId = typeof WORLD_IDS[number];

/** How one parameter is drawn. */
export interface PriorSpec {
  /** `uniform` on [lo, hi], or `structured`: drawn by a construction algorithm. */
  kind: "uniform" | "structured";
  /** Lower end of a uniform prior. */
  lo?: number;
  /** Upper end of a uniform prior. */
  hi?: number;
  /** The construction algorithm of a structured prior, e.g. `"lss_v1"`. */
  algorithm?: string;
  /** A short human description. */
  note?: string;
}

/** The parameter vector theta of a world. */
export interface ParamManifest {
  /** Parameter names, in theta order. */
  names: readonly string[];
  /** Units of each parameter. */
  units: readonly string[];
  /** Bounds `[lo, hi]` of each parameter; every draw lies inside them. */
  bounds: readonly (readonly [number, number])[];
  /** The default (calibrated) value of each parameter. */
  defaults: readonly number[];
  /** The prior of each parameter. */
  priors: readonly PriorSpec[];
}

/** The structural shocks of a world. */
export interface ShockManifest {
  /** Shock names, in order (the `shock` axis of `irfs` and `shocks`). */
  names: readonly string[];
  /** The physical shock s.d. at the default theta (documentation only). */
  sigmaDefault: readonly number[];
  /** The shock size, in s.d. units, of the stored IRFs (+1, or -1 for zlb). */
  irfShockSize: number;
  /** What the stored IRFs hold, in words, when the sign needs explaining (zlb: rates down). */
  irfConvention?: string;
}

/** The observables of a world. */
export interface ObsManifest {
  /** The canonical observables, always `["output", "inflation", "rate"]`. */
  canonical: readonly string[];
  /** Units of the canonical observables. */
  units: readonly string[];
  /** Names of extra observables returned by `simulate` (not stored by default). */
  extra: readonly string[];
}

/** Storage type of a metadata array. */
export type MetaDtype = "int8" | "uint8" | "int32" | "float32" | "float64";

/** A per-sample metadata field, stored as an array `(n, ...shape)` in `metadata.zarr`. */
export interface MetaFieldSpec {
  /** Array name, e.g. `"regime_seq"`. */
  name: string;
  /** Storage dtype. */
  dtype: MetaDtype;
  /** Per-sample shape (`[]` for a scalar per sample). */
  shape: readonly number[];
  /** Names of the per-sample dimensions (same length as `shape`). */
  dims: readonly string[];
  /** What it is. */
  description: string;
}

/** The holdout rule of the `slice` split. */
export interface SliceRule {
  /** The statistic compared, e.g. `"phi_pi"` or `"spectral_radius"`. */
  statistic: string;
  /** Comparison: a sample is in the slice iff `statistic op threshold`. */
  op: ">" | "<";
  /** The threshold. */
  threshold: number;
  /** Why / how much prior mass. */
  description: string;
}

/** Statistics of one sample used to build the slice and corner splits. */
export interface SplitStats {
  /** The value compared by the slice rule. */
  slice: number;
  /** Persistence statistic of the corner split. */
  persistence: number;
  /** Volatility statistic of the corner split. */
  volatility: number;
}

/** Optional inputs of `simulate`. */
export interface SimulateOptions {
  /**
   * The economy's state in period −1: what period 0 inherits from the past,
   * before the period-0 innovations `eps[0]` arrive. Default: the steady
   * state (zeros). Deviations from steady state, in each world's internal
   * units:
   * - lss: `x_{−1}` (4 entries).
   * - var: the lags `[y_{−1}, y_{−2}, …]`, 3 values per lag (missing lags
   *   are zero, lags beyond p ignored).
   * - nk and zlb (the same meaning): `[m_{−1}, r^n_{−1}, u_{−1}, i_{−1}]`,
   *   the monetary, natural-rate and cost-push processes (percent) and last
   *   period's policy rate (quarterly percent deviation; in zlb the actual,
   *   floored rate). Not the state vector `S_{−1} = [z_{−1}, i_{−2}]`.
   * - rbc: `[k_0, a_{−1}, b_{−1}, c_{−1}]` (log deviations, decimals): the
   *   capital stock chosen in period −1 (period 0 starts with it), the
   *   technology and preference shocks and consumption of period −1.
   * - switching: `y_{−1}` (3 entries); the regimes are `regimeSeq`.
   */
  x0?: Float64Array;
  /** Regime path (switching only), length T, values 0/1. */
  regimeSeq?: Int8Array;
}

/** What `simulate` returns. */
export interface SimOutput {
  /** Canonical observables `(T, 3)`. */
  y: Float64Array;
  /** Extra observables `(T, nExtra)` in `ObsManifest.extra` order. */
  yExtra?: Float64Array;
  /** Regime path used (switching). */
  regimeSeq?: Int8Array;
  /** ZLB binding flag per period (zlb). */
  bindingFlags?: Uint8Array;
  /** Scalar diagnostics (e.g. `max_spell`). */
  meta?: Record<string, number>;
}

/** One complete sample: everything the dataset stores for index i. */
export interface SampleResult {
  /** Parameters in natural units `(nParams)`. */
  theta: Float64Array;
  /** Shocks in N(0, 1) units `(T, nShocks)`. */
  shocks: Float64Array;
  /** Canonical trajectories `(T, 3)`. */
  trajectories: Float64Array;
  /** IRFs for every shock `(nShocks, H + 1, 3)`, at `irfShockSize`. */
  irfs: Float64Array;
  /** Values of every field of `metadataFields(T, H)`, flat, by name. */
  metadata: Record<string, number | ArrayLike<number>>;
  /** Number of rejected draws (theta rejections plus guard redraws). */
  nRejections: number;
}

/** A simulator world. */
export interface WorldAdapter {
  /** The world id. */
  readonly id: WorldId;
  /** Version of the construction/solution code, e.g. `"nk_v1"`; recorded in the manifest. */
  readonly version: string;
  /** One-line description. */
  readonly description: string;
  /** The parameter vector. */
  readonly params: ParamManifest;
  /** The shocks. */
  readonly shocks: ShockManifest;
  /** The observables. */
  readonly observables: ObsManifest;
  /** The slice holdout rule. */
  readonly sliceRule: SliceRule;
  /** How the corner statistics are defined (for the manifest). */
  readonly cornerDescription: { persistence: string; volatility: string };
  /**
   * The per-sample metadata fields this world stores.
   *
   * @param T Trajectory length.
   * @param H IRF horizon.
   */
  metadataFields(T: number, H: number): MetaFieldSpec[];
  /**
   * Draw a valid theta from the THETA stream (rejection sampling, at most
   * 1000 attempts, then throws). Each candidate is rounded to the stored
   * type inside the bounds before it is checked, so the accepted theta is
   * exactly what a dataset of that type stores.
   *
   * @param rng The THETA stream.
   * @param dtype The stored type (default float32).
   */
  sampleParameters(
    rng: Xoshiro128,
    dtype?: StoredDtype,
  ): { theta: Float64Array; nRejections: number };
  /**
   * Whether theta is admissible (determinate, stable, passes filters).
   *
   * @param theta Parameters in natural units.
   */
  checkValidity(theta: Float64Array): boolean;
  /**
   * Simulate a trajectory. Pure function of its inputs.
   *
   * @param theta Parameters in natural units.
   * @param eps Shocks `(T, nShocks)` in N(0, 1) units.
   * @param T Number of periods.
   * @param options Initial state, regime path.
   */
  simulate(theta: Float64Array, eps: Float64Array, T: number, options?: SimulateOptions): SimOutput;
  /**
   * The IRF `(H + 1, 3)` of one shock: shocked minus baseline simulation
   * (or its exact equivalent: the analytic `C A^h B e_k` of the linear
   * worlds; for switching, the expectation over regime paths).
   *
   * @param theta Parameters in natural units.
   * @param shockIndex Which shock.
   * @param shockSize Size in s.d. units.
   * @param H Horizon.
   * @param options Initial state `x0`, as in {@link SimulateOptions.x0}; only
   *   zlb's IRF depends on it (the other worlds are linear given the regimes).
   */
  computeIrf(
    theta: Float64Array,
    shockIndex: number,
    shockSize: number,
    H: number,
    options?: { x0?: Float64Array },
  ): Float64Array;
  /**
   * Statistics for the slice and corner splits.
   *
   * @param theta Parameters (as stored).
   * @param meta Scalar metadata of the sample (as stored), by field name.
   */
  splitStats(theta: ArrayLike<number>, meta: Readonly<Record<string, number>>): SplitStats;
  /**
   * Produce one complete sample from its sample seed (`global_seed + i`).
   * Pure function of (sampleSeed, T, H, dtype). theta and the shocks are
   * rounded to the stored type before anything is computed from them, so
   * `simulate` and `computeIrf` of the returned theta and shocks (or of the
   * stored ones, read back) give the returned trajectories and IRFs exactly.
   *
   * @param sampleSeed The sample seed.
   * @param T Trajectory length.
   * @param H IRF horizon.
   * @param dtype The stored type (default float32).
   */
  generateSample(sampleSeed: number, T: number, H: number, dtype?: StoredDtype): SampleResult;
}

/**
 * A linear state space `s_t = A s_{t-1} + B eps_t`, `y_t = C s_t`, where B
 * already includes the shock scales (so `eps` is N(0, 1)).
 */
export interface StateSpace {
  /** State dimension. */
  ns: number;
  /** Number of shocks. */
  nk: number;
  /** Number of observables (rows of C). */
  ny: number;
  /** Transition, ns x ns. */
  A: Float64Array;
  /** Shock loading, ns x nk. */
  B: Float64Array;
  /** Observation, ny x ns. */
  C: Float64Array;
}
