/**
 * The one place where our camelCase TypeScript types meet the snake_case
 * JSON of `manifest.json`, in both directions.
 *
 * @module
 */

import type {
  ObsManifest,
  ParamManifest,
  PriorSpec,
  ShockManifest,
  SliceRule,
} from "../simulators/types.ts";
import {
  CORNER_SPLIT,
  QUANTILE_METHOD,
  SLICE_SPLIT,
  SPLIT_STREAM,
  type SplitInfo,
} from "../splits.ts";
import type {
  DatasetFacts,
  Manifest,
  ManifestArray,
  ManifestObs,
  ManifestParams,
  ManifestPrior,
  ManifestRealizedSplit,
  ManifestShocks,
  ManifestSplitDefinition,
  SplitAlgorithm,
} from "./types.ts";
import { splitDefinitions } from "./types.ts";

/**
 * One stored array as the dataset writer summarises it (camelCase; the
 * fields of `DatasetWriter.finalize()`'s array summaries, plus optional
 * dimension names).
 */
export interface ManifestArrayInput {
  /** Path of the array relative to the dataset root, e.g. `"nk/theta.zarr"`. */
  path: string;
  /** Shape. */
  shape: readonly number[];
  /** Chunk shape. */
  chunks: readonly number[];
  /** Stored dtype. */
  dtype: ManifestArray["dtype"];
  /** Dimension names (default: the standard names of a main array, or from the metadata field). */
  dimensionNames?: readonly string[];
  /** Number of chunks. */
  nChunks: number;
  /** Bytes stored (encoded chunks). */
  storedBytes: number;
  /** Bytes of the decoded data. */
  rawBytes: number;
  /** SHA-256 hex of every stored chunk, by chunk key relative to the array. */
  chunkDigests: Readonly<Record<string, string>>;
}

/** A split definition (camelCase form of a top-level `splits` entry). */
export interface SplitDefinition {
  /** Split name, e.g. `"train"`. */
  name: string;
  /** Algorithm. */
  algorithm: SplitAlgorithm;
  /** Nominal fraction, of the samples named by `fractionOf`. */
  fraction: number;
  /** Which samples `fraction` is a share of (and, for a holdout, how nominal it is). */
  fractionOf: string;
  /** Seed of the shuffle. */
  seed: number;
  /** What the split is. */
  description: string;
  /** Membership rule of a holdout. */
  predicate?: string;
  /** Corner: quantile of the thresholds. */
  quantile?: number;
  /** Corner: quantile definition (`"linear"`). */
  quantileMethod?: "linear";
  /** Random: the stream that drives the shuffle. */
  stream?: string;
}

function priorToJson(p: PriorSpec): ManifestPrior {
  const params: ManifestPrior["params"] = {};
  if (p.lo !== undefined) params.lo = p.lo;
  if (p.hi !== undefined) params.hi = p.hi;
  if (p.algorithm !== undefined) params.algorithm = p.algorithm;
  const out: ManifestPrior = { type: p.kind, params };
  if (p.note !== undefined) out.note = p.note;
  return out;
}

function priorFromJson(p: ManifestPrior): PriorSpec {
  const out: PriorSpec = { kind: p.type };
  if (p.params.lo !== undefined) out.lo = p.params.lo;
  if (p.params.hi !== undefined) out.hi = p.params.hi;
  if (p.params.algorithm !== undefined) out.algorithm = p.params.algorithm;
  if (p.note !== undefined) out.note = p.note;
  return out;
}

/**
 * Map a {@link ParamManifest} to its manifest JSON (`param_manifest`).
 *
 * @param p The parameter manifest.
 * @returns A fresh JSON object.
 *
 * @example Round trip
 * ```ts
 * import { paramManifestFromJson, paramManifestToJson } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const p = { names: ["a"], units: ["-"], bounds: [[0, 1] as const], defaults: [0.5],
 *   priors: [{ kind: "uniform" as const, lo: 0, hi: 1 }] };
 * assert.deepEqual(paramManifestToJson(p).priors, [{ type: "uniform", params: { lo: 0, hi: 1 } }]);
 * assert.deepEqual(paramManifestFromJson(paramManifestToJson(p)), p);
 * ```
 */
export function paramManifestToJson(p: ParamManifest): ManifestParams {
  return {
    names: [...p.names],
    units: [...p.units],
    bounds: p.bounds.map((b) => [b[0], b[1]]),
    defaults: [...p.defaults],
    priors: p.priors.map(priorToJson),
  };
}

/**
 * Map a manifest `param_manifest` back to a {@link ParamManifest}.
 *
 * @param p The JSON object.
 * @returns A fresh parameter manifest.
 *
 * @example Read names and bounds
 * ```ts
 * import { paramManifestFromJson } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const p = paramManifestFromJson({ names: ["a"], units: ["-"], bounds: [[0, 2]], defaults: [1],
 *   priors: [{ type: "structured", params: { algorithm: "lss_v1" } }] });
 * assert.deepEqual(p.bounds, [[0, 2]]);
 * ```
 */
export function paramManifestFromJson(p: ManifestParams): ParamManifest {
  return {
    names: [...p.names],
    units: [...p.units],
    bounds: p.bounds.map((b) => [b[0], b[1]] as const),
    defaults: [...p.defaults],
    priors: p.priors.map(priorFromJson),
  };
}

/**
 * Map a {@link ShockManifest} to its manifest JSON (`shock_manifest`): the
 * spec's `n_shocks`, `sigma` and `default_size` (>= 0), with the direction
 * of the IRF shock as `irf_sign` and in words as `irf_convention`.
 *
 * @param s The shock manifest.
 * @returns A fresh JSON object.
 *
 * @example A negative IRF shock is a sign, not a negative size
 * ```ts
 * import { shockManifestToJson } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const j = shockManifestToJson({ names: ["monetary"], sigmaDefault: [0.0025], irfShockSize: -1 });
 * assert.equal(j.n_shocks, 1);
 * assert.deepEqual(j.sigma, [0.0025]);
 * assert.equal(j.default_size, 1);
 * assert.equal(j.irf_sign, -1);
 * ```
 */
export function shockManifestToJson(s: ShockManifest): ManifestShocks {
  const sign = s.irfShockSize < 0 ? -1 : 1;
  const size = Math.abs(s.irfShockSize);
  return {
    names: [...s.names],
    n_shocks: s.names.length,
    sigma: [...s.sigmaDefault],
    default_size: size,
    irf_sign: sign,
    irf_convention: s.irfConvention ??
      `irfs.zarr holds the response, from the steady state, to a shock of ${
        sign * size
      } s.d. (irf_sign * default_size) of each shock at t = 0`,
  };
}

/**
 * Map a manifest `shock_manifest` back to a {@link ShockManifest}.
 *
 * @param s The JSON object.
 * @returns A fresh shock manifest (`irfShockSize = irf_sign * default_size`).
 *
 * @example camelCase fields
 * ```ts
 * import { shockManifestFromJson, shockManifestToJson } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const s = { names: ["demand"], sigmaDefault: [0.01], irfShockSize: -1, irfConvention: "rates down" };
 * assert.deepEqual(shockManifestFromJson(shockManifestToJson(s)), s);
 * ```
 */
export function shockManifestFromJson(s: ManifestShocks): ShockManifest {
  return {
    names: [...s.names],
    sigmaDefault: [...s.sigma],
    irfShockSize: s.irf_sign * s.default_size,
    irfConvention: s.irf_convention,
  };
}

/**
 * Map an {@link ObsManifest} to its manifest JSON (`obs_manifest`): the
 * spec's `canonical_names`, `extra_names`, `n_canonical`, `n_extra`, plus
 * the units of the canonical observables.
 *
 * @param o The observables manifest.
 * @returns A fresh JSON object.
 *
 * @example The spec's field names
 * ```ts
 * import { obsManifestToJson } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const o = { canonical: ["output", "inflation", "rate"], units: ["%", "pp", "pp"], extra: ["c"] };
 * assert.deepEqual(obsManifestToJson(o), {
 *   canonical_names: ["output", "inflation", "rate"], extra_names: ["c"],
 *   n_canonical: 3, n_extra: 1, units: ["%", "pp", "pp"],
 * });
 * ```
 */
export function obsManifestToJson(o: ObsManifest): ManifestObs {
  return {
    canonical_names: [...o.canonical],
    extra_names: [...o.extra],
    n_canonical: 3,
    n_extra: o.extra.length,
    units: [...o.units],
  };
}

/**
 * Map a {@link ManifestArrayInput} to its manifest JSON entry.
 *
 * @param a The array summary.
 * @param dimensionNames Its dimension names (used when `a.dimensionNames` is absent).
 * @returns A fresh JSON object; chunk digests are sorted by chunk coordinates.
 * @throws {TypeError} If neither gives dimension names.
 *
 * @example snake_case fields
 * ```ts
 * import { arrayToJson } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const j = arrayToJson({ path: "nk/theta.zarr", shape: [4, 2], chunks: [4, 2], dtype: "float32",
 *   nChunks: 1, storedBytes: 20, rawBytes: 32, chunkDigests: { "c/0/0": "0".repeat(64) } },
 *   ["sample", "param"]);
 * assert.equal(j.dimension_names[1], "param");
 * assert.equal(j.raw_bytes, 32);
 * ```
 */
export function arrayToJson(
  a: ManifestArrayInput,
  dimensionNames?: readonly string[],
): ManifestArray {
  const dims = a.dimensionNames ?? dimensionNames;
  if (dims === undefined) {
    throw new TypeError(`Cannot describe array "${a.path}": no dimension names`);
  }
  const digests: Record<string, string> = {};
  for (const key of Object.keys(a.chunkDigests).sort(compareChunkKeys)) {
    digests[key] = a.chunkDigests[key];
  }
  return {
    path: a.path,
    shape: [...a.shape],
    chunks: [...a.chunks],
    dtype: a.dtype,
    dimension_names: [...dims],
    n_chunks: a.nChunks,
    stored_bytes: a.storedBytes,
    raw_bytes: a.rawBytes,
    chunk_sha256: digests,
  };
}

/** Order chunk keys by their numeric grid coordinates (c/2 before c/10). */
function compareChunkKeys(a: string, b: string): number {
  const pa = a.split(/[./]/);
  const pb = b.split(/[./]/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = Number(pa[i]);
    const nb = Number(pb[i]);
    if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

/**
 * Map a {@link SplitDefinition} to its manifest JSON entry (`splits.<name>`;
 * the name is the key).
 *
 * @param d The split definition.
 * @returns A fresh JSON object.
 *
 * @example snake_case fields
 * ```ts
 * import { splitDefinitionToJson } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const j = splitDefinitionToJson({ name: "val", algorithm: "random", fraction: 0.1,
 *   fractionOf: "all samples", seed: 1, description: "" });
 * assert.equal(j.fraction, 0.1);
 * assert.equal(j.fraction_of, "all samples");
 * ```
 */
export function splitDefinitionToJson(d: SplitDefinition): ManifestSplitDefinition {
  const out: ManifestSplitDefinition = {
    fraction: d.fraction,
    fraction_of: d.fractionOf,
    seed: d.seed,
    algorithm: d.algorithm,
    description: d.description,
  };
  if (d.predicate !== undefined) out.predicate = d.predicate;
  if (d.quantile !== undefined) out.quantile = d.quantile;
  if (d.quantileMethod !== undefined) out.quantile_method = d.quantileMethod;
  if (d.stream !== undefined) out.stream = d.stream;
  return out;
}

/**
 * Nominal share of all samples that the slice holdout targets: each world's
 * slice rule is chosen to hold about 5% of its prior (its description gives
 * the exact share); the realized share is recorded per world.
 */
export const SLICE_NOMINAL_FRACTION = 0.05;

/**
 * The standard split definitions matching `buildSplits`: the random splits
 * (train, val, test_interpolation by default), then `test_extrapolation_slice` and `test_extrapolation_corner`.
 *
 * Each `fraction` is nominal and says of what (`fractionOf`): a random
 * split's is exact, of the samples outside both holdouts; the slice's is the
 * {@link SLICE_NOMINAL_FRACTION} its rules aim at, of all samples; the
 * corner's is `(1 - quantile)^2`, of the samples outside the slice, as if its
 * two statistics were independent. Realized fractions are per world.
 *
 * @param seed Seed of the random shuffle.
 * @param options Random fractions (default `STANDARD_FRACTIONS`) and corner quantile.
 * @returns The definitions, in assignment order.
 *
 * @example Five splits
 * ```ts
 * import { standardSplitDefinitions } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const defs = standardSplitDefinitions(42, { fractions: { train: 0.8, val: 0.1, test_interpolation: 0.1 }, cornerQuantile: 0.85 });
 * assert.deepEqual(defs.map((d) => d.name), ["train", "val", "test_interpolation", "test_extrapolation_slice", "test_extrapolation_corner"]);
 * assert.equal(defs[4].fraction, 0.0225);
 * ```
 */
export function standardSplitDefinitions(
  seed: number,
  options: { fractions: Readonly<Record<string, number>>; cornerQuantile: number },
): SplitDefinition[] {
  const stream = `xoshiro128** keyed by SplitMix64(seed, fnv1a32("${SPLIT_STREAM.key}"), ` +
    `${SPLIT_STREAM.attempt}, ${SPLIT_STREAM.streamId})`;
  const names = Object.keys(options.fractions);
  const realized = "the realized share is in simulators.<world>.splits";
  const defs: SplitDefinition[] = names.map((name) => ({
    name,
    algorithm: "random",
    fraction: options.fractions[name],
    fractionOf: `the samples outside ${SLICE_SPLIT} and ${CORNER_SPLIT} (exact up to rounding; ` +
      `${realized})`,
    seed,
    description:
      "Random split of the samples outside test_extrapolation_slice and test_extrapolation_corner: Fisher-Yates " +
      "shuffle of their sorted indices (j = floor(u * (i + 1)), i from the last down to 1), then " +
      `consecutive blocks in the order ${names.join(", ")} with sizes by largest-remainder ` +
      "rounding of the nominal fractions",
    stream,
  }));
  defs.push({
    name: SLICE_SPLIT,
    algorithm: "slice",
    fraction: SLICE_NOMINAL_FRACTION,
    fractionOf: "all samples, as a target: each world's slice_rule holds about this share of " +
      `its prior (its description gives the exact share); ${realized}`,
    seed,
    description: "Extrapolation holdout: every sample that satisfies the world's slice_rule; " +
      "none of them is in any other split",
    predicate: "statistic op threshold, per the world's slice_rule",
  });
  const q = options.cornerQuantile;
  defs.push({
    name: CORNER_SPLIT,
    algorithm: "corner",
    // 12 significant digits: 0.0225, not the float noise 0.022500000000000006.
    fraction: Number(((1 - q) * (1 - q)).toPrecision(12)),
    fractionOf: `the samples outside ${SLICE_SPLIT}, as (1 - quantile)^2: exact only if the ` +
      `persistence and volatility statistics were independent; ${realized}`,
    seed,
    description:
      "Extrapolation holdout: among the samples outside test_extrapolation_slice, every sample in " +
      "the high-persistence, high-volatility corner; none of them is in any other split",
    predicate: "persistence >= q_p and volatility >= q_v, where q_p and q_v are the empirical " +
      "quantiles (numpy 'linear') at `quantile` of the statistics of the samples outside " +
      "test_extrapolation_slice (corner_rule defines the statistics)",
    quantile: q,
    quantileMethod: QUANTILE_METHOD,
  });
  return defs;
}

/**
 * Map a split construction's info to a world's realized `splits` section.
 *
 * @param info The info returned by `buildSplits`.
 * @returns Per split: `n` and `realized_fraction`; the slice split adds its
 *   rule, the corner split its quantile and thresholds.
 *
 * @example From buildSplits
 * ```ts
 * import { buildSplits } from "../splits.ts";
 * import { realizedSplitsToJson } from "./mapping.ts";
 * import assert from "node:assert/strict";
 * const stats = Array.from({ length: 20 }, (_, i) => ({ slice: i, persistence: i % 3, volatility: i % 4 }));
 * const rule = { statistic: "s", op: ">" as const, threshold: 18, description: "" };
 * const j = realizedSplitsToJson(buildSplits(stats, rule, { seed: 0 }).info);
 * assert.equal(j.test_extrapolation_slice.n, 1);
 * assert.equal(j.test_extrapolation_slice.threshold, 18);
 * ```
 */
export function realizedSplitsToJson(info: SplitInfo): Record<string, ManifestRealizedSplit> {
  const out: Record<string, ManifestRealizedSplit> = {};
  for (const name of Object.keys(info.sizes)) {
    const entry: ManifestRealizedSplit = {
      n: info.sizes[name],
      realized_fraction: info.realizedFractions[name],
    };
    if (name === SLICE_SPLIT) {
      entry.statistic = info.sliceRule.statistic;
      entry.op = info.sliceRule.op;
      entry.threshold = info.sliceRule.threshold;
    } else if (name === CORNER_SPLIT) {
      entry.quantile = info.cornerQuantile;
      entry.quantile_method = info.quantileMethod;
      entry.persistence_threshold = info.persistenceThreshold;
      entry.volatility_threshold = info.volatilityThreshold;
    }
    out[name] = entry;
  }
  return out;
}

/**
 * The world's slice rule as recorded in a manifest.
 *
 * @param manifest A manifest (already validated).
 * @param worldId The world id.
 * @returns The slice rule.
 * @throws {RangeError} If the world is not in the manifest.
 *
 * @example Read it back
 * ```ts
 * import { sliceRuleFromManifest } from "./mapping.ts";
 * import type { Manifest } from "./types.ts";
 * import assert from "node:assert/strict";
 * const rule = { statistic: "phi_pi", op: ">" as const, threshold: 3.38, description: "5%" };
 * const m = { simulators: { nk: { slice_rule: rule } } } as unknown as Manifest;
 * assert.deepEqual(sliceRuleFromManifest(m, "nk"), rule);
 * ```
 */
export function sliceRuleFromManifest(manifest: Manifest, worldId: string): SliceRule {
  const world = manifest.simulators[worldId];
  if (world === undefined) throw new RangeError(`World "${worldId}" is not in the manifest`);
  return { ...world.slice_rule };
}

/**
 * Rebuild the {@link SplitInfo} of one world from a manifest, to check the
 * stored `splits.json` with `checkSplits`.
 *
 * The random fractions and the seed come from the top-level random split
 * definitions (in order), the corner quantile from the corner definition,
 * the thresholds and sizes from the world's realized `splits`.
 *
 * @param manifest A manifest (already validated).
 * @param worldId The world id.
 * @returns The split info.
 * @throws {RangeError} If the world is not in the manifest.
 *
 * @example Round trip through the manifest form
 * ```ts
 * import { buildSplits } from "../splits.ts";
 * import { realizedSplitsToJson, splitDefinitionToJson, splitInfoFromManifest, standardSplitDefinitions } from "./mapping.ts";
 * import type { Manifest } from "./types.ts";
 * import assert from "node:assert/strict";
 * const stats = Array.from({ length: 30 }, (_, i) => ({ slice: i, persistence: i % 3, volatility: i % 4 }));
 * const rule = { statistic: "s", op: ">" as const, threshold: 27, description: "" };
 * const { info } = buildSplits(stats, rule, { seed: 5 });
 * const defs = standardSplitDefinitions(5, { fractions: info.fractions, cornerQuantile: 0.85 });
 * const m = {
 *   splits: Object.fromEntries(defs.map((d) => [d.name, splitDefinitionToJson(d)])),
 *   simulators: { nk: { n_samples: 30, slice_rule: rule, splits: realizedSplitsToJson(info) } },
 * } as unknown as Manifest;
 * assert.deepEqual(splitInfoFromManifest(m, "nk"), info);
 * ```
 */
export function splitInfoFromManifest(manifest: Manifest, worldId: string): SplitInfo {
  const world = manifest.simulators[worldId];
  if (world === undefined) throw new RangeError(`World "${worldId}" is not in the manifest`);
  const defs = splitDefinitions(manifest);
  const random = defs.filter(([, d]) => d.algorithm === "random");
  const corner = defs.find(([, d]) => d.algorithm === "corner")?.[1];
  const fractions: Record<string, number> = {};
  for (const [name, d] of random) fractions[name] = d.fraction;
  const sizes: Record<string, number> = {};
  const realizedFractions: Record<string, number> = {};
  for (const [name, s] of Object.entries(world.splits)) {
    sizes[name] = s.n;
    realizedFractions[name] = s.realized_fraction;
  }
  const cornerEntry = world.splits[CORNER_SPLIT];
  return {
    n: world.n_samples,
    seed: random[0]?.[1].seed ?? defs[0]?.[1].seed ?? 0,
    fractions,
    cornerQuantile: corner?.quantile ?? cornerEntry?.quantile ?? Number.NaN,
    quantileMethod: QUANTILE_METHOD,
    sliceRule: { ...world.slice_rule },
    persistenceThreshold: cornerEntry?.persistence_threshold ?? null,
    volatilityThreshold: cornerEntry?.volatility_threshold ?? null,
    sizes,
    realizedFractions,
  };
}

/**
 * The dataset-wide facts of a manifest: the program that wrote it and how
 * it is stored. The spec's closed top level has no place for them, so every
 * world repeats them (`simulators.<world>.generator`, `.storage`); this is
 * the copy for the root Zarr group's attributes.
 *
 * @param manifest A manifest (already validated: every world records the same facts).
 * @returns Copies of `generator` and `storage` (of the first world).
 * @throws {RangeError} If the manifest has no world.
 *
 * @example
 * ```ts
 * import { datasetFacts } from "./mapping.ts";
 * import type { Manifest } from "./types.ts";
 * import assert from "node:assert/strict";
 * const generator = { name: "ume-data", version: "0.2.0", runtime: "deno 2.9.6" };
 * const storage = { format: "zarr", zarr_format: 3, dtype: "float32", chunking: { axis: "sample" },
 *   codec: { id: "blosc", cname: "zstd", clevel: 3, shuffle: "byte", typesize: 4 } };
 * const m = { simulators: { nk: { generator, storage } } } as unknown as Manifest;
 * assert.deepEqual(datasetFacts(m), { generator, storage });
 * ```
 */
export function datasetFacts(manifest: Manifest): DatasetFacts {
  const first = Object.values(manifest.simulators ?? {})[0];
  if (first === undefined) throw new RangeError("The manifest has no world");
  return { generator: { ...first.generator }, storage: structuredClone(first.storage) };
}
