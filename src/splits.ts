/**
 * Train / validation / test splits of one world: random, slice and corner.
 *
 * The slice and corner holdouts are true extrapolation sets: every sample
 * that satisfies the world's slice rule goes to `test_extrapolation_slice`, and every
 * remaining sample in the high-persistence, high-volatility corner goes to
 * `test_extrapolation_corner`; none of them can land in `train` or `val`. The rest is split
 * at random by a seeded shuffle.
 *
 * The construction is a pure function of (statistics, slice rule, seed,
 * fractions, corner quantile), so `validate` can rebuild it and compare.
 *
 * @module
 */

import { keyedStream } from "./numeric/rng.ts";
import type { SliceRule, SplitStats } from "./simulators/types.ts";

/** Name of the slice holdout split. */
export const SLICE_SPLIT = "test_extrapolation_slice";

/** Name of the corner holdout split. */
export const CORNER_SPLIT = "test_extrapolation_corner";

/** Nominal fractions of the random splits (of the samples outside both holdouts). */
export const STANDARD_FRACTIONS: Readonly<Record<string, number>> = Object.freeze({
  train: 0.8,
  val: 0.1,
  test_interpolation: 0.1,
});

/** Default quantile of the corner thresholds. */
export const DEFAULT_CORNER_QUANTILE = 0.85;

/**
 * The quantile definition used for the corner thresholds: numpy's default
 * `"linear"` method (Hyndman-Fan type 7), computed the way numpy computes it.
 */
export const QUANTILE_METHOD = "linear";

/**
 * The key of the random stream that shuffles the random pool:
 * `keyedStream(seed, SPLIT_STREAM.key, SPLIT_STREAM.attempt, SPLIT_STREAM.streamId)`.
 */
export const SPLIT_STREAM: Readonly<{ key: string; attempt: number; streamId: number }> = Object
  .freeze({ key: "splits", attempt: 0, streamId: 3 });

/** Tolerance used when comparing fractions that must sum to 1. */
const SUM_TOLERANCE = 1e-9;

/**
 * Split statistics of many samples, one column each: 24 bytes per sample
 * (an array of {@link SplitStats} objects costs several times that).
 */
export interface SplitStatsColumns {
  /** Slice statistic per sample. */
  slice: Float64Array;
  /** Corner persistence statistic per sample. */
  persistence: Float64Array;
  /** Corner volatility statistic per sample. */
  volatility: Float64Array;
}

/** Split statistics in either form: one object per sample, or columns. */
export type SplitStatsInput = readonly SplitStats[] | SplitStatsColumns;

function toColumns(stats: SplitStatsInput): SplitStatsColumns {
  if (!Array.isArray(stats)) {
    const c = stats as SplitStatsColumns;
    if (c.persistence.length !== c.slice.length || c.volatility.length !== c.slice.length) {
      throw new RangeError("Split statistics columns have different lengths");
    }
    return c;
  }
  const list = stats as readonly SplitStats[];
  const n = list.length;
  const out = {
    slice: new Float64Array(n),
    persistence: new Float64Array(n),
    volatility: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const s = list[i];
    out.slice[i] = typeof s?.slice === "number" ? s.slice : NaN;
    out.persistence[i] = typeof s?.persistence === "number" ? s.persistence : NaN;
    out.volatility[i] = typeof s?.volatility === "number" ? s.volatility : NaN;
  }
  return out;
}

/** Options of {@link buildSplits}. */
export interface BuildSplitsOptions {
  /** Seed of the random shuffle (a non-negative safe integer). */
  seed: number;
  /**
   * Nominal fractions of the random splits, in assignment order; they must
   * lie in [0, 1] and sum to 1. Default {@link STANDARD_FRACTIONS}.
   */
  fractions?: Readonly<Record<string, number>>;
  /** Quantile of the corner thresholds, in [0, 1]. Default {@link DEFAULT_CORNER_QUANTILE}. */
  cornerQuantile?: number;
}

/** What a split construction used and produced (recorded in the manifest). */
export interface SplitInfo {
  /** Number of samples. */
  n: number;
  /** Seed of the random shuffle. */
  seed: number;
  /** Nominal fractions of the random splits, in assignment order. */
  fractions: Record<string, number>;
  /** Quantile of the corner thresholds. */
  cornerQuantile: number;
  /** The quantile definition, {@link QUANTILE_METHOD}. */
  quantileMethod: typeof QUANTILE_METHOD;
  /** The slice rule applied. */
  sliceRule: SliceRule;
  /** Corner persistence threshold q_p (`null` when no sample is outside the slice). */
  persistenceThreshold: number | null;
  /** Corner volatility threshold q_v (`null` when no sample is outside the slice). */
  volatilityThreshold: number | null;
  /** Size of every split, by name: random splits first, then slice, then corner. */
  sizes: Record<string, number>;
  /** Size of every split divided by n, by name. */
  realizedFractions: Record<string, number>;
}

/** The result of {@link buildSplits}. */
export interface SplitResult {
  /** Sorted sample indices of every split, by name (same order as `info.sizes`). */
  indices: Record<string, Uint32Array>;
  /** Thresholds, sizes and fractions for the manifest. */
  info: SplitInfo;
}

/** One problem found by {@link checkSplits}. */
export interface SplitViolation {
  /** JSON pointer: `/train` for a split, `/info/...` for a recorded value, `""` for the whole. */
  path: string;
  /** What is wrong, with the offending indices. */
  message: string;
}

/** The reference a stored split is checked against, see {@link checkSplits}. */
export interface SplitExpectation {
  /** Split statistics of every sample, in sample order. */
  stats: SplitStatsInput;
  /** The world's slice rule. */
  sliceRule: SliceRule;
  /** The recorded construction (from the manifest). */
  info: SplitInfo;
  /** Number of samples (default: `stats.length`). */
  n?: number;
}

/**
 * Whether a statistic satisfies a slice rule.
 *
 * @param value The sample's slice statistic.
 * @param rule The slice rule.
 * @returns `value > threshold` or `value < threshold`, per `rule.op`.
 *
 * @example Apply a rule
 * ```ts
 * import { inSlice } from "./splits.ts";
 * import assert from "node:assert/strict";
 * const rule = { statistic: "phi_pi", op: ">" as const, threshold: 3, description: "" };
 * assert.equal(inSlice(3.5, rule), true);
 * assert.equal(inSlice(3, rule), false);
 * ```
 */
export function inSlice(value: number, rule: SliceRule): boolean {
  return rule.op === ">" ? value > rule.threshold : value < rule.threshold;
}

/**
 * The empirical `p`-quantile with numpy's default `"linear"` method, computed
 * exactly as numpy does (virtual index `(m - 1) p`, and for a fractional part
 * `t >= 0.5` the interpolation runs from the upper neighbour), so
 * `np.quantile(x, p)` reproduces it bit for bit.
 *
 * @param values The sample (not modified; need not be sorted).
 * @param p The probability, in [0, 1].
 * @returns The quantile.
 *
 * @example Quartiles of 1..5
 * ```ts
 * import { empiricalQuantile } from "./splits.ts";
 * import assert from "node:assert/strict";
 * assert.equal(empiricalQuantile([5, 1, 4, 2, 3], 0.25), 2);
 * assert.equal(empiricalQuantile([1, 2, 3, 4], 0.5), 2.5);
 * ```
 */
export function empiricalQuantile(values: ArrayLike<number>, p: number): number {
  const m = values.length;
  if (m === 0) throw new RangeError("Cannot compute a quantile: no values");
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`Quantile probability must lie in [0, 1]: got ${p}`);
  }
  const x = (values instanceof Float64Array ? values.slice() : Float64Array.from(values)).sort();
  if (Number.isNaN(x[m - 1])) throw new RangeError("Cannot compute a quantile: values contain NaN");
  const virtualIndex = (m - 1) * p;
  const lo = Math.floor(virtualIndex);
  const hi = Math.min(lo + 1, m - 1);
  const t = virtualIndex - lo;
  const a = x[lo];
  const b = x[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Split `total` items into integer sizes proportional to `fractions` by
 * largest-remainder (Hamilton) rounding: every size is the floor of its
 * quota, and the remaining items go to the largest fractional parts (ties to
 * the earlier entry).
 *
 * @param total Number of items (a non-negative integer).
 * @param fractions Non-negative weights; normalised by their sum.
 * @returns Sizes, summing to `total`.
 *
 * @example 80/10/10 of 7 items
 * ```ts
 * import { largestRemainder } from "./splits.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(largestRemainder(7, [0.8, 0.1, 0.1]), [5, 1, 1]);
 * ```
 */
export function largestRemainder(total: number, fractions: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new RangeError(`Total must be a non-negative integer: got ${total}`);
  }
  const sum = fractions.reduce((s, f) => s + f, 0);
  if (fractions.length === 0 || !(sum > 0) || fractions.some((f) => !(f >= 0))) {
    throw new RangeError(`Fractions must be non-negative with a positive sum: got [${fractions}]`);
  }
  const quotas = fractions.map((f) => (f / sum) * total);
  const sizes = quotas.map((q) => Math.min(Math.floor(q), total));
  const order = quotas.map((_, k) => k).sort((a, b) =>
    (quotas[b] - sizes[b]) - (quotas[a] - sizes[a]) || a - b
  );
  let left = total - sizes.reduce((s, v) => s + v, 0);
  for (let r = 0; left > 0; r = (r + 1) % order.length, left--) sizes[order[r]]++;
  for (let r = order.length - 1; left < 0; r = (r + order.length - 1) % order.length) {
    if (sizes[order[r]] > 0) {
      sizes[order[r]]--;
      left++;
    }
  }
  return sizes;
}

/** Split names in assignment order: the random ones, then slice, then corner. */
function splitNames(fractions: Readonly<Record<string, number>>): string[] {
  return [...Object.keys(fractions), SLICE_SPLIT, CORNER_SPLIT];
}

function checkOptions(
  sliceRule: SliceRule,
  seed: number,
  fractions: Readonly<Record<string, number>>,
  cornerQuantile: number,
): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Split seed must be a non-negative safe integer: got ${seed}`);
  }
  if (!(cornerQuantile >= 0 && cornerQuantile <= 1)) {
    throw new RangeError(`Corner quantile must lie in [0, 1]: got ${cornerQuantile}`);
  }
  if (sliceRule.op !== ">" && sliceRule.op !== "<") {
    throw new TypeError(`Slice rule operator must be ">" or "<": got ${String(sliceRule.op)}`);
  }
  if (!Number.isFinite(sliceRule.threshold)) {
    throw new RangeError(`Slice rule threshold must be finite: got ${sliceRule.threshold}`);
  }
  const names = Object.keys(fractions);
  if (names.length === 0) throw new RangeError("Split fractions must name at least one split");
  let sum = 0;
  for (const name of names) {
    const f = fractions[name];
    if (name === SLICE_SPLIT || name === CORNER_SPLIT) {
      throw new RangeError(`Split fractions must not name a holdout split: got "${name}"`);
    }
    if (typeof f !== "number" || !(f >= 0 && f <= 1)) {
      throw new RangeError(`Split fraction of "${name}" must lie in [0, 1]: got ${f}`);
    }
    sum += f;
  }
  if (Math.abs(sum - 1) > SUM_TOLERANCE) {
    throw new RangeError(`Split fractions must sum to 1: got ${sum}`);
  }
}

function checkStats(stats: SplitStatsColumns): void {
  const n = stats.slice.length;
  if (n === 0) throw new RangeError("Cannot build splits: no samples (stats is empty)");
  if (n > 0xffffffff) {
    throw new RangeError(`Cannot build splits: too many samples (${n})`);
  }
  for (let i = 0; i < n; i++) {
    const slice = stats.slice[i],
      persistence = stats.persistence[i],
      volatility = stats.volatility[i];
    if (!Number.isFinite(slice) || !Number.isFinite(persistence) || !Number.isFinite(volatility)) {
      throw new RangeError(
        `Split statistics of sample ${i} are not finite: slice=${slice}, ` +
          `persistence=${persistence}, volatility=${volatility}`,
      );
    }
  }
}

interface Assignment {
  owner: Uint8Array;
  persistenceThreshold: number | null;
  volatilityThreshold: number | null;
}

/** The split code (index into `splitNames`) of every sample. */
function assign(
  stats: SplitStatsColumns,
  sliceRule: SliceRule,
  seed: number,
  fractions: Readonly<Record<string, number>>,
  cornerQuantile: number,
): Assignment {
  const n = stats.slice.length;
  const nRandom = Object.keys(fractions).length;
  const sliceCode = nRandom;
  const cornerCode = nRandom + 1;
  const owner = new Uint8Array(n);
  let nRest = 0;
  for (let i = 0; i < n; i++) {
    if (inSlice(stats.slice[i], sliceRule)) owner[i] = sliceCode;
    else nRest++;
  }
  const rest = new Uint32Array(nRest);
  for (let i = 0, k = 0; i < n; i++) if (owner[i] !== sliceCode) rest[k++] = i;
  let persistenceThreshold: number | null = null;
  let volatilityThreshold: number | null = null;
  let nPool = 0;
  const pool = new Uint32Array(nRest);
  if (nRest > 0) {
    const column = new Float64Array(nRest);
    for (let k = 0; k < nRest; k++) column[k] = stats.persistence[rest[k]];
    persistenceThreshold = empiricalQuantile(column, cornerQuantile);
    for (let k = 0; k < nRest; k++) column[k] = stats.volatility[rest[k]];
    volatilityThreshold = empiricalQuantile(column, cornerQuantile);
    for (const i of rest) {
      if (
        stats.persistence[i] >= persistenceThreshold && stats.volatility[i] >= volatilityThreshold
      ) {
        owner[i] = cornerCode;
      } else {
        pool[nPool++] = i;
      }
    }
  }
  const perm = pool.subarray(0, nPool);
  const rng = keyedStream(seed, SPLIT_STREAM.key, SPLIT_STREAM.attempt, SPLIT_STREAM.streamId);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = rng.integer(0, i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const sizes = largestRemainder(perm.length, Object.values(fractions));
  let at = 0;
  for (let k = 0; k < nRandom; k++) {
    for (let r = 0; r < sizes[k]; r++) owner[perm[at++]] = k;
  }
  return { owner, persistenceThreshold, volatilityThreshold };
}

/**
 * Build the splits of one world.
 *
 * `test_extrapolation_slice` gets every sample satisfying the slice rule. Among the others,
 * `test_extrapolation_corner` gets those with persistence >= q_p and volatility >= q_v,
 * where q_p and q_v are the empirical quantiles (linear interpolation) at
 * `cornerQuantile` of those samples' statistics. The rest is shuffled
 * (Fisher-Yates on the keyed stream of the split seed) and cut into the
 * random splits, sized by the largest-remainder method. Identical input
 * gives identical output.
 *
 * @param stats Split statistics of every sample, in sample order.
 * @param sliceRule The world's slice rule.
 * @param options Seed, random fractions, corner quantile.
 * @returns Sorted indices per split and the info recorded in the manifest.
 * @throws {RangeError} If `stats` is empty or not finite, or an option is out of range.
 *
 * @example Five splits, disjoint and covering
 * ```ts
 * import { buildSplits } from "./splits.ts";
 * import assert from "node:assert/strict";
 * const stats = Array.from({ length: 100 }, (_, i) => ({
 *   slice: i, persistence: (i * 37) % 100, volatility: (i * 61) % 100,
 * }));
 * const rule = { statistic: "s", op: ">" as const, threshold: 94.5, description: "top 5" };
 * const { indices, info } = buildSplits(stats, rule, { seed: 1 });
 * assert.deepEqual(Array.from(indices.test_extrapolation_slice), [95, 96, 97, 98, 99]);
 * const total = Object.values(indices).reduce((s, a) => s + a.length, 0);
 * assert.equal(total, 100);
 * assert.equal(info.sizes.train, indices.train.length);
 * ```
 */
export function buildSplits(
  stats: SplitStatsInput,
  sliceRule: SliceRule,
  options: BuildSplitsOptions,
): SplitResult {
  const fractions = { ...(options.fractions ?? STANDARD_FRACTIONS) };
  const cornerQuantile = options.cornerQuantile ?? DEFAULT_CORNER_QUANTILE;
  checkOptions(sliceRule, options.seed, fractions, cornerQuantile);
  const columns = toColumns(stats);
  checkStats(columns);
  const n = columns.slice.length;
  const a = assign(columns, sliceRule, options.seed, fractions, cornerQuantile);
  const names = splitNames(fractions);
  const counts = new Array<number>(names.length).fill(0);
  for (let i = 0; i < n; i++) counts[a.owner[i]]++;
  const arrays = counts.map((c) => new Uint32Array(c));
  const fill = new Array<number>(names.length).fill(0);
  for (let i = 0; i < n; i++) {
    const k = a.owner[i];
    arrays[k][fill[k]++] = i;
  }
  const indices: Record<string, Uint32Array> = {};
  const sizes: Record<string, number> = {};
  const realizedFractions: Record<string, number> = {};
  names.forEach((name, k) => {
    indices[name] = arrays[k];
    sizes[name] = counts[k];
    realizedFractions[name] = counts[k] / n;
  });
  return {
    indices,
    info: {
      n,
      seed: options.seed,
      fractions,
      cornerQuantile,
      quantileMethod: QUANTILE_METHOD,
      sliceRule: { ...sliceRule },
      persistenceThreshold: a.persistenceThreshold,
      volatilityThreshold: a.volatilityThreshold,
      sizes,
      realizedFractions,
    },
  };
}

/** "4, 17, 99 (and 12 more)". */
function listSome(values: readonly number[], max = 10): string {
  const head = values.slice(0, max).join(", ");
  return values.length > max ? `${head} (and ${values.length - max} more)` : head;
}

function sameNumber(a: number | null, b: number | null): boolean {
  return a === b || (typeof a === "number" && typeof b === "number" && Object.is(a, b));
}

/**
 * Check stored splits against the statistics and the recorded construction,
 * returning every violation: wrong or missing split names, indices out of
 * range or not integers, unsorted or duplicate indices, overlaps, samples in
 * no split, slice or corner members outside their holdout (leakage into
 * train/val), holdout members that do not qualify, thresholds or sizes or
 * realized fractions that disagree with the recorded info, and random-split
 * membership that differs from the seeded construction.
 *
 * Each kind of problem is reported once per split, with a count and the
 * first offending indices.
 *
 * @param indices Sample indices of every split, by name (e.g. from `splits.json`).
 * @param expected Statistics, slice rule and recorded info to check against.
 * @returns Every violation found (empty when the splits are correct).
 *
 * @example Detect a slice member leaking into train
 * ```ts
 * import { buildSplits, checkSplits } from "./splits.ts";
 * import assert from "node:assert/strict";
 * const stats = Array.from({ length: 50 }, (_, i) => ({ slice: i, persistence: i % 7, volatility: i % 5 }));
 * const rule = { statistic: "s", op: ">" as const, threshold: 45, description: "" };
 * const { indices, info } = buildSplits(stats, rule, { seed: 3 });
 * assert.deepEqual(checkSplits(indices, { stats, sliceRule: rule, info }), []);
 * const train = [...indices.train, 49].sort((a, b) => a - b);
 * const bad = checkSplits({ ...indices, train }, { stats, sliceRule: rule, info });
 * assert.ok(bad.some((v) => v.path === "/train" && /slice/.test(v.message)));
 * ```
 */
export function checkSplits(
  indices: Readonly<Record<string, ArrayLike<number>>>,
  expected: SplitExpectation,
): SplitViolation[] {
  const { sliceRule, info } = expected;
  const stats = toColumns(expected.stats);
  const nStats = stats.slice.length;
  const n = expected.n ?? nStats;
  const out: SplitViolation[] = [];
  const add = (path: string, message: string): void => {
    out.push({ path, message });
  };
  if (nStats !== n) add("", `Expected ${n} split statistics, got ${nStats}`);
  if (info.n !== n) add("/info/n", `Recorded n is ${info.n}, expected ${n}`);
  const fractions = info.fractions ?? {};
  const names = splitNames(fractions);
  checkNames(indices, names, add);
  const owner = checkMembership(indices, names, n, add);
  let reference: Assignment | undefined;
  try {
    checkOptions(sliceRule, info.seed, fractions, info.cornerQuantile);
    checkStats(stats);
    reference = assign(stats, sliceRule, info.seed, fractions, info.cornerQuantile);
  } catch (e) {
    add("/info", `Cannot rebuild the splits: ${(e as Error).message}`);
  }
  checkRecordedRule(info, sliceRule, add);
  if (reference !== undefined && nStats === n) {
    checkThresholds(info, reference, add);
    checkAgainstReference(owner, reference, names, add);
  }
  checkSizes(indices, info, names, n, add);
  return out;
}

type Add = (path: string, message: string) => void;

/** Every split of the definition is present, and no other. */
function checkNames(
  indices: Readonly<Record<string, ArrayLike<number>>>,
  names: readonly string[],
  add: Add,
): void {
  for (const name of names) {
    if (!(name in indices)) add(`/${escapePointer(name)}`, `Split "${name}" is missing`);
  }
  for (const name of Object.keys(indices)) {
    if (!names.includes(name)) add(`/${escapePointer(name)}`, `Unexpected split "${name}"`);
  }
}

/**
 * Range, order, overlap and coverage; returns the split (code into `names`,
 * -2 for an unexpected split) that owns each sample, or -1.
 */
function checkMembership(
  indices: Readonly<Record<string, ArrayLike<number>>>,
  names: readonly string[],
  n: number,
  add: Add,
): Int16Array {
  const code = new Map(names.map((name, k) => [name, k]));
  const owner = new Int16Array(n).fill(-1);
  for (const [name, list] of Object.entries(indices)) {
    const path = `/${escapePointer(name)}`;
    const k = code.get(name) ?? -2;
    const bad: number[] = [];
    const unsorted: number[] = [];
    const overlap = new Map<string, number[]>();
    let prev = -1;
    for (let p = 0; p < list.length; p++) {
      const i = list[p];
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        bad.push(i);
        continue;
      }
      if (i <= prev) unsorted.push(p);
      prev = Math.max(prev, i);
      const o = owner[i];
      if (o === -1) owner[i] = k;
      else {
        const other = o >= 0 ? names[o] : "an unexpected split";
        const l = overlap.get(other) ?? [];
        l.push(i);
        overlap.set(other, l);
      }
    }
    if (bad.length > 0) {
      add(path, `${bad.length} indices are not integers in [0, ${n}): ${listSome(bad)}`);
    }
    if (unsorted.length > 0) {
      add(
        path,
        `Indices are not strictly increasing at ${unsorted.length} positions: ${
          listSome(unsorted)
        }`,
      );
    }
    for (const [other, l] of overlap) {
      add(path, `${l.length} samples are also in ${other}: ${listSome(l)}`);
    }
  }
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (owner[i] === -1) missing.push(i);
  if (missing.length > 0) {
    add("", `${missing.length} samples are in no split: ${listSome(missing)}`);
  }
  return owner;
}

/** The recorded slice rule is the world's. */
function checkRecordedRule(info: SplitInfo, sliceRule: SliceRule, add: Add): void {
  if (info.sliceRule === undefined) return;
  for (const key of ["statistic", "op", "threshold"] as const) {
    if (info.sliceRule[key] !== sliceRule[key]) {
      add(
        `/info/slice_rule/${key}`,
        `Recorded slice rule ${key} ${String(info.sliceRule[key])} differs from the world's ${
          String(sliceRule[key])
        }`,
      );
    }
  }
}

/** The recorded corner thresholds are the recomputed ones. */
function checkThresholds(info: SplitInfo, reference: Assignment, add: Add): void {
  if (!sameNumber(info.persistenceThreshold, reference.persistenceThreshold)) {
    add(
      "/info/persistence_threshold",
      `Recorded corner persistence threshold ${info.persistenceThreshold} differs from the ` +
        `recomputed ${reference.persistenceThreshold}`,
    );
  }
  if (!sameNumber(info.volatilityThreshold, reference.volatilityThreshold)) {
    add(
      "/info/volatility_threshold",
      `Recorded corner volatility threshold ${info.volatilityThreshold} differs from the ` +
        `recomputed ${reference.volatilityThreshold}`,
    );
  }
}

/**
 * Per split: members that belong to a holdout (leaks), holdout members that
 * do not qualify, and random members the seeded shuffle puts elsewhere.
 */
function checkAgainstReference(
  owner: Int16Array,
  reference: Assignment,
  names: readonly string[],
  add: Add,
): void {
  const sliceCode = names.indexOf(SLICE_SPLIT);
  const cornerCode = names.indexOf(CORNER_SPLIT);
  const leaks = new Map<string, { slice: number[]; corner: number[]; random: number[] }>();
  const entry = (k: number): { slice: number[]; corner: number[]; random: number[] } => {
    const name = names[k];
    let e = leaks.get(name);
    if (e === undefined) leaks.set(name, e = { slice: [], corner: [], random: [] });
    return e;
  };
  const notSlice: number[] = [];
  const notCorner: number[] = [];
  for (let i = 0; i < owner.length; i++) {
    const got = owner[i];
    const want = reference.owner[i];
    if (got < 0 || got === want) continue;
    if (want === sliceCode) entry(got).slice.push(i);
    else if (want === cornerCode) entry(got).corner.push(i);
    else if (got === sliceCode) notSlice.push(i);
    else if (got === cornerCode) notCorner.push(i);
    else entry(got).random.push(i);
  }
  for (const [name, e] of leaks) {
    const path = `/${escapePointer(name)}`;
    if (e.slice.length > 0) {
      add(
        path,
        `${e.slice.length} samples satisfy the slice rule but are in ${name}: ${listSome(e.slice)}`,
      );
    }
    if (e.corner.length > 0) {
      add(
        path,
        `${e.corner.length} samples belong to the corner holdout but are in ${name}: ${
          listSome(e.corner)
        }`,
      );
    }
    if (e.random.length > 0) {
      add(
        path,
        `${e.random.length} samples are in ${name} but the seeded construction puts them ` +
          `elsewhere: ${listSome(e.random)}`,
      );
    }
  }
  if (notSlice.length > 0) {
    add(
      `/${SLICE_SPLIT}`,
      `${notSlice.length} samples do not satisfy the slice rule: ${listSome(notSlice)}`,
    );
  }
  if (notCorner.length > 0) {
    add(
      `/${CORNER_SPLIT}`,
      `${notCorner.length} samples are not in the corner region: ${listSome(notCorner)}`,
    );
  }
}

/** Recorded sizes and realized fractions match the indices. */
function checkSizes(
  indices: Readonly<Record<string, ArrayLike<number>>>,
  info: SplitInfo,
  names: readonly string[],
  n: number,
  add: Add,
): void {
  let realizedSum = 0;
  for (const name of names) {
    const size = indices[name]?.length;
    const recorded = info.sizes?.[name];
    const fraction = info.realizedFractions?.[name];
    if (typeof fraction === "number") realizedSum += fraction;
    if (size === undefined) continue;
    const path = `/info/sizes/${escapePointer(name)}`;
    if (recorded !== size) add(path, `Recorded size ${recorded} differs from the actual ${size}`);
    if (typeof fraction !== "number" || Math.abs(fraction - size / n) > 1e-12) {
      add(
        `/info/realized_fractions/${escapePointer(name)}`,
        `Recorded realized fraction ${fraction} differs from ${size}/${n}`,
      );
    }
  }
  if (Math.abs(realizedSum - 1) > SUM_TOLERANCE) {
    add("/info/realized_fractions", `Realized fractions sum to ${realizedSum}, not 1`);
  }
}

/** Escape a JSON-pointer reference token. */
function escapePointer(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * Serialize split indices as the `splits.json` document: an object mapping
 * each split name to its sorted indices, one split per line.
 *
 * @param indices Indices per split, e.g. `buildSplits(...).indices`.
 * @returns The JSON text (ends with a newline).
 *
 * @example Round trip
 * ```ts
 * import { parseSplitsJson, splitsToJson } from "./splits.ts";
 * import assert from "node:assert/strict";
 * const text = splitsToJson({ train: new Uint32Array([0, 2]), val: new Uint32Array([1]) });
 * assert.deepEqual(parseSplitsJson(text), { train: new Uint32Array([0, 2]), val: new Uint32Array([1]) });
 * ```
 */
export function splitsToJson(indices: Readonly<Record<string, ArrayLike<number>>>): string {
  const lines = Object.entries(indices).map(([name, list]) =>
    `  ${JSON.stringify(name)}: [${
      (ArrayBuffer.isView(list) ? list as Uint32Array : Uint32Array.from(list)).join(",")
    }]`
  );
  return lines.length === 0 ? "{}\n" : `{\n${lines.join(",\n")}\n}\n`;
}

/**
 * Parse a `splits.json` document into typed index arrays.
 *
 * @param text The JSON text.
 * @returns Indices per split (not checked for order or range: use {@link checkSplits}).
 * @throws {SyntaxError} If the text is not JSON.
 * @throws {TypeError} If it is not an object of arrays of non-negative integers.
 *
 * @example Parse
 * ```ts
 * import { parseSplitsJson } from "./splits.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseSplitsJson('{"train":[3,1]}').train, new Uint32Array([3, 1]));
 * assert.throws(() => parseSplitsJson('{"train":[-1]}'), TypeError);
 * ```
 */
export function parseSplitsJson(text: string): Record<string, Uint32Array> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Cannot parse splits.json: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new TypeError("Invalid splits.json: expected an object mapping split names to arrays");
  }
  const out: Record<string, Uint32Array> = {};
  for (const [name, list] of Object.entries(doc)) {
    if (!Array.isArray(list)) throw new TypeError(`Invalid splits.json: "${name}" is not an array`);
    const arr = new Uint32Array(list.length);
    for (let p = 0; p < list.length; p++) {
      const v = list[p];
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new TypeError(
          `Invalid splits.json: "${name}"[${p}] is not a non-negative integer: got ${
            JSON.stringify(v)
          }`,
        );
      }
      arr[p] = v;
    }
    out[name] = arr;
  }
  return out;
}
