/**
 * The shape of `manifest.json` (snake_case, as stored; see
 * `schemas/manifest.json`) and the fixed values it records.
 *
 * @module
 */

/** One problem found in a manifest, located by a JSON pointer. */
export interface ManifestViolation {
  /** JSON pointer into the manifest, e.g. `/simulators/nk/param_manifest/bounds/3`. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** The split algorithms. */
export type SplitAlgorithm = "random" | "slice" | "corner";

/** The program that wrote the dataset. */
export interface ManifestGeneratorInfo {
  /** Program name, e.g. `"ume-data"`. */
  name: string;
  /** Program version (semver). */
  version: string;
  /** Runtime, e.g. `"deno 2.9.6"`. */
  runtime: string;
}

/** The Blosc codec of every chunk. */
export interface ManifestCodec {
  /** Always `"blosc"`. */
  id: "blosc";
  /** Always `"zstd"`. */
  cname: "zstd";
  /** Always 3. */
  clevel: 3;
  /** Always `"byte"`. */
  shuffle: "byte";
  /** Element size of the main arrays' shuffle: 4 (float32) or 8 (`--dtype float64`). */
  typesize: 4 | 8;
}

/** How arrays are chunked. */
export interface ManifestChunking {
  /** Chunks split the sample axis only; every other axis is whole. */
  axis: "sample";
  /** Target stored size of a chunk before compression, in bytes (when chosen automatically). */
  target_chunk_bytes?: number;
  /** Samples per chunk (when fixed by the user). */
  chunk_samples?: number;
}

/** Storage format of the dataset. */
export interface ManifestStorage {
  /** Always `"zarr"`. */
  format: "zarr";
  /** Zarr format version. */
  zarr_format: 2 | 3;
  /** dtype of the main arrays: `"float32"` (default) or `"float64"` (`--dtype float64`). */
  dtype: "float32" | "float64";
  /** Chunking. */
  chunking: ManifestChunking;
  /** Codec. */
  codec: ManifestCodec;
}

/** Stream ids of a sample (same values as `STREAM` in `src/numeric/rng.ts`). */
export interface ManifestStreamIds {
  /** Parameter draws. */
  THETA: 0;
  /** Shocks. */
  EPS: 1;
  /** Regime paths. */
  REGIME: 2;
  /** Anything else. */
  SPARE: 3;
}

/** How random numbers are derived (`rng_seeds`, the spec's fields plus our stream keying). */
export interface ManifestRngSeeds {
  /** The global seed g. */
  global: number;
  /** Always true: every sample has its own seed. */
  per_sample: true;
  /** Always `"global_seed + sample_index"`. */
  derivation_algorithm: "global_seed + sample_index";
  /** How the independent streams of a sample are keyed. */
  streams: {
    /** Always `"xoshiro128**"`. */
    algorithm: "xoshiro128**";
    /** Always {@link RNG_KEYING}. */
    keying: string;
    /** Stream ids. */
    ids: ManifestStreamIds;
    /** How uniforms and normals are drawn from the raw output. */
    normal?: string;
  };
}

/**
 * A parameter prior (the spec's `{type, params}`): `uniform` with
 * `params: {lo, hi}`, or `structured` with `params: {algorithm}` (drawn
 * jointly by a construction algorithm).
 */
export interface ManifestPrior {
  /** `"uniform"` or `"structured"`. */
  type: "uniform" | "structured";
  /** Uniform: `lo`, `hi`; structured: `algorithm`. */
  params: { lo?: number; hi?: number; algorithm?: string };
  /** Human note. */
  note?: string;
}

/** `param_manifest` of a world. */
export interface ManifestParams {
  /** Names, in theta order. */
  names: string[];
  /** Units. */
  units: string[];
  /** Bounds `[lo, hi]`. */
  bounds: [number, number][];
  /** Default values. */
  defaults: number[];
  /** Priors. */
  priors: ManifestPrior[];
}

/** `shock_manifest` of a world (the spec's fields plus the IRF direction). */
export interface ManifestShocks {
  /** Shock names, in order. */
  names: string[];
  /** Number of shocks (`names.length`). */
  n_shocks: number;
  /** Physical shock s.d. at the default theta. */
  sigma: number[];
  /** Size (s.d. units, > 0) of the shock of the stored IRFs. */
  default_size: number;
  /** Direction of the shock of the stored IRFs: +1, or -1 (zlb: rates down). */
  irf_sign: 1 | -1;
  /** What `irfs.zarr` holds, in words (size, sign, starting point). */
  irf_convention: string;
}

/** `obs_manifest` of a world (the spec's fields plus units). */
export interface ManifestObs {
  /** Always `["output", "inflation", "rate"]`. */
  canonical_names: string[];
  /** Extra observables (returned by `simulate`, not stored). */
  extra_names: string[];
  /** Always 3. */
  n_canonical: 3;
  /** `extra_names.length`. */
  n_extra: number;
  /** Units of the canonical observables. */
  units: string[];
}

/** One stored array: metadata and the digest of every chunk. */
export interface ManifestArray {
  /** Path of the array relative to the dataset root, e.g. `"nk/theta.zarr"`. */
  path: string;
  /** Shape. */
  shape: number[];
  /** Chunk shape. */
  chunks: number[];
  /** Stored dtype. */
  dtype: "int8" | "uint8" | "int32" | "float32" | "float64";
  /** Dimension names. */
  dimension_names: string[];
  /** Number of chunks. */
  n_chunks: number;
  /** Bytes stored (encoded chunks). */
  stored_bytes: number;
  /** Bytes of the decoded data. */
  raw_bytes: number;
  /** SHA-256 of every stored chunk, by chunk key relative to the array (`c/0/0/0` or `0.0.0`). */
  chunk_sha256: Record<string, string>;
}

/** Realized size of one split in one world. */
export interface ManifestRealizedSplit {
  /** Number of samples. */
  n: number;
  /** `n / n_samples`. */
  realized_fraction: number;
  /** Slice split: statistic compared. */
  statistic?: string;
  /** Slice split: comparison. */
  op?: ">" | "<";
  /** Slice split: threshold. */
  threshold?: number;
  /** Corner split: quantile of the thresholds. */
  quantile?: number;
  /** Corner split: quantile definition. */
  quantile_method?: "linear";
  /** Corner split: persistence threshold (`null` when no sample was outside the slice). */
  persistence_threshold?: number | null;
  /** Corner split: volatility threshold (`null` when no sample was outside the slice). */
  volatility_threshold?: number | null;
}

/** The slice rule of a world. */
export interface ManifestSliceRule {
  /** Statistic compared. */
  statistic: string;
  /** Comparison. */
  op: ">" | "<";
  /** Threshold. */
  threshold: number;
  /** Why / how much prior mass. */
  description: string;
}

/** The corner rule of a world: how its statistics are defined. */
export interface ManifestCornerRule {
  /** Definition of the persistence statistic. */
  persistence: string;
  /** Definition of the volatility statistic. */
  volatility: string;
}

/** One world's entry in `simulators`. */
export interface ManifestSimulator {
  /** Number of samples. */
  n_samples: number;
  /** Version of the world's construction/solution code. */
  version: string;
  /** One-line description of the world. */
  description?: string;
  /** Parameters. */
  param_manifest: ManifestParams;
  /** Shocks. */
  shock_manifest: ManifestShocks;
  /** Observables. */
  obs_manifest: ManifestObs;
  /** The configuration that produced this world. */
  config: Record<string, unknown>;
  /** SHA-256 of the canonical JSON of `config`. */
  config_hash: string;
  /** Main arrays by name: `trajectories`, `irfs`, `shocks`, `theta`. */
  arrays: Record<string, ManifestArray>;
  /** Arrays of `metadata.zarr` by name. */
  metadata_arrays: Record<string, ManifestArray>;
  /** Realized splits by name. */
  splits: Record<string, ManifestRealizedSplit>;
  /** Rejected draws: `total`, and `rate = total / (total + n_samples)`. */
  rejections: { total: number; rate: number };
  /** Slice rule. */
  slice_rule: ManifestSliceRule;
  /** Corner rule. */
  corner_rule: ManifestCornerRule;
  /** The program that wrote the world (the same in every world). */
  generator: ManifestGeneratorInfo;
  /** How the world is stored (the same in every world). */
  storage: ManifestStorage;
}

/** One split definition (`splits.<name>`): the spec's fields plus ours. */
export interface ManifestSplitDefinition {
  /** Nominal fraction, of the samples named by `fraction_of`. */
  fraction: number;
  /** Which samples `fraction` is a share of (and, for a holdout, how nominal it is). */
  fraction_of: string;
  /** Seed of the shuffle. */
  seed: number;
  /** Algorithm. */
  algorithm: SplitAlgorithm;
  /** What the split is. */
  description: string;
  /** Membership rule of a holdout. */
  predicate?: string;
  /** Corner: quantile of the thresholds. */
  quantile?: number;
  /** Corner: quantile definition. */
  quantile_method?: "linear";
  /** Random: the stream that drives the shuffle. */
  stream?: string;
}

/** One world's sample indices per split (`splits.<world_id>`), the content of its `splits.json`. */
export type ManifestWorldSplitIndices = Record<string, number[]>;

/** `manifest.splits`: split definitions by split name, index lists by world id. */
export type ManifestSplits = Record<string, ManifestSplitDefinition | ManifestWorldSplitIndices>;

/**
 * Worlds of at most this many samples have their split indices in
 * `manifest.json` (about 16 MB of indented JSON at the limit): enough for the typical
 * datasets the original project's `load_dataset_split` reads; larger
 * worlds keep them in `<world>/splits.json` only, so the manifest stays
 * small enough to parse.
 */
export const MANIFEST_SPLIT_INDEX_LIMIT = 1_000_000;

/**
 * Whether a `manifest.splits` entry is a split definition (not a world's indices).
 *
 * @param entry One value of `manifest.splits`.
 * @returns `true` for a definition.
 *
 * @example
 * ```ts
 * import { isSplitDefinition } from "./types.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isSplitDefinition({ train: [0, 2] }), false);
 * ```
 */
export function isSplitDefinition(
  entry: ManifestSplitDefinition | ManifestWorldSplitIndices | undefined,
): entry is ManifestSplitDefinition {
  // A world's entry holds index lists; a definition holds none (and is read even when invalid).
  return typeof entry === "object" && entry !== null && !Object.values(entry).some(Array.isArray);
}

/**
 * The split definitions of a manifest, in assignment order (world index lists left out).
 *
 * @param manifest The manifest.
 * @returns `[name, definition]` pairs.
 *
 * @example
 * ```ts
 * import { splitDefinitions } from "./types.ts";
 * import assert from "node:assert/strict";
 * const splits = { train: { fraction: 0.8, fraction_of: "pool", seed: 1, algorithm: "random" as const, description: "" }, nk: { train: [0, 1] } };
 * assert.deepEqual(splitDefinitions({ splits }).map(([n]) => n), ["train"]);
 * ```
 */
export function splitDefinitions(
  manifest: Pick<Manifest, "splits">,
): [string, ManifestSplitDefinition][] {
  return Object.entries(manifest.splits).filter((e): e is [string, ManifestSplitDefinition] =>
    isSplitDefinition(e[1])
  );
}

/**
 * The split definition of one name.
 *
 * @param manifest The manifest.
 * @param name A split name (`train`).
 * @returns The definition, or `undefined`.
 *
 * @example
 * ```ts
 * import { splitDefinition } from "./types.ts";
 * import assert from "node:assert/strict";
 * const splits = { val: { fraction: 0.1, fraction_of: "pool", seed: 1, algorithm: "random" as const, description: "" }, nk: { val: [3] } };
 * assert.equal(splitDefinition({ splits }, "val")?.fraction, 0.1);
 * assert.equal(splitDefinition({ splits }, "nk"), undefined);
 * ```
 */
export function splitDefinition(
  manifest: Pick<Manifest, "splits">,
  name: string,
): ManifestSplitDefinition | undefined {
  const entry = manifest.splits[name];
  return isSplitDefinition(entry) ? entry : undefined;
}

/**
 * One world's sample indices per split, as recorded in the manifest.
 *
 * @param manifest The manifest.
 * @param worldId The world.
 * @returns The index lists, or `undefined` if the manifest does not hold them.
 *
 * @example
 * ```ts
 * import { worldSplitIndices } from "./types.ts";
 * import assert from "node:assert/strict";
 * const splits = { nk: { train: [0, 1], val: [2] } };
 * assert.deepEqual(worldSplitIndices({ splits }, "nk")?.val, [2]);
 * assert.equal(worldSplitIndices({ splits }, "rbc"), undefined);
 * ```
 */
export function worldSplitIndices(
  manifest: Pick<Manifest, "splits">,
  worldId: string,
): ManifestWorldSplitIndices | undefined {
  const entry = manifest.splits[worldId];
  return entry === undefined || isSplitDefinition(entry) ? undefined : entry;
}

/**
 * The whole `manifest.json`: the spec's top level exactly (its schema
 * closes it); dataset-wide facts live in `rng_seeds` and in every world
 * (`generator`, `storage`).
 */
export interface Manifest {
  /** Dataset version (MAJOR.MINOR.PATCH). */
  version: string;
  /** Creation time (RFC 3339). */
  created_at: string;
  /** Commit of the generating code (40 hex digits), or `"unknown"`. */
  git_hash: string;
  /** Worlds by id. */
  simulators: Record<string, ManifestSimulator>;
  /**
   * Split definitions by name, in assignment order; then, for every world of
   * at most {@link MANIFEST_SPLIT_INDEX_LIMIT} samples, that world's sorted
   * sample indices per split (`splits.<world_id>.<split>`), which the
   * original project's evaluation loader reads. {@link splitDefinitions}
   * and {@link worldSplitIndices} read the two kinds apart.
   */
  splits: ManifestSplits;
  /** Random number derivation. */
  rng_seeds: ManifestRngSeeds;
  /** Trajectory length. */
  T: number;
  /** IRF horizon (IRFs have H + 1 points). */
  H: number;
  /** Free-form notes. */
  notes?: string;
}

/** The dataset-wide facts that every world of a manifest repeats (see `datasetFacts`). */
export interface DatasetFacts {
  /** The program that wrote the dataset. */
  generator: ManifestGeneratorInfo;
  /** How the dataset is stored. */
  storage: ManifestStorage;
}

/** The codec recorded in every manifest. */
export const MANIFEST_CODEC: Readonly<ManifestCodec> = Object.freeze({
  id: "blosc",
  cname: "zstd",
  clevel: 3,
  shuffle: "byte",
  typesize: 4,
});

/** How sample streams are keyed (see `keyedStream` in `src/numeric/rng.ts`). */
export const RNG_KEYING = "SplitMix64(sample_seed, fnv1a32(world_id), attempt, stream_id)";

/** How uniforms and normals are drawn (see `Xoshiro128` in `src/numeric/rng.ts`). */
export const RNG_NORMAL: string =
  "uniform: 53 bits from two uint32 outputs ((a >>> 5) * 2^26 + (b >>> 6)) / 2^53; " +
  "normal: Marsaglia polar method on 32-bit uniforms u, v = x / 2^31 - 1, pairs (u, then v)";

export { CANONICAL_OBSERVABLES } from "../simulators/types.ts";
export { MAIN_DIMENSIONS } from "../dataset/world_layout.ts";
