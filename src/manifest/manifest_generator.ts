/**
 * `ManifestGenerator`: collects what a run produced and builds the validated
 * `manifest.json` (the seed pipeline's API, in TypeScript style).
 *
 * @module
 */

import { DEFAULT_ZARR_FORMAT } from "../zarr/array_spec.ts";
import denoConfig from "../../deno.json" with { type: "json" };
import type { ByteStore } from "../store/byte_store.ts";
import type {
  MetaFieldSpec,
  ObsManifest,
  ParamManifest,
  ShockManifest,
  SliceRule,
} from "../simulators/types.ts";
import { DEFAULT_CORNER_QUANTILE, type SplitInfo, STANDARD_FRACTIONS } from "../splits.ts";
import { canonicalJson } from "./canonical_json.ts";
import { configHash } from "./hashing.ts";
import {
  arrayToJson,
  type ManifestArrayInput,
  obsManifestToJson,
  paramManifestToJson,
  realizedSplitsToJson,
  shockManifestToJson,
  type SplitDefinition,
  splitDefinitionToJson,
  standardSplitDefinitions,
} from "./mapping.ts";
import { MANIFEST_KEY, serializeManifest } from "./manifest_io.ts";
import {
  type DatasetFacts,
  MAIN_DIMENSIONS,
  type Manifest,
  MANIFEST_CODEC,
  MANIFEST_SPLIT_INDEX_LIMIT,
  type ManifestArray,
  type ManifestChunking,
  type ManifestGeneratorInfo,
  type ManifestSimulator,
  type ManifestSplits,
  RNG_KEYING,
  RNG_NORMAL,
} from "./types.ts";
import { ManifestValidationError, validateManifest } from "./validate_manifest.ts";

/** Name of this program, recorded as `generator.name`. */
export const GENERATOR_NAME = "ume-data";

/** Version of this program (from `deno.json`), recorded as `generator.version`. */
export const GENERATOR_VERSION: string = denoConfig.version;

/** Options of the {@link ManifestGenerator} constructor. */
export interface ManifestGeneratorOptions {
  /** Dataset version (semver), e.g. `"1.0.0"`. */
  version: string;
  /** The global seed g (sample i uses seed g + i). */
  globalSeed: number;
  /** Trajectory length. */
  T: number;
  /** IRF horizon. */
  H: number;
  /** Zarr format of the arrays. Default 3. */
  zarrFormat?: 2 | 3;
  /** Data type of the stored arrays (`storage.dtype`). Default float32. */
  dtype?: "float32" | "float64";
  /** Creation time. Default: now. */
  createdAt?: Date | string;
  /**
   * Commit of the generating code (see `gitHash`). Default `"unknown"`. A
   * 64-digit (SHA-256) id is recorded as its first 40 digits (the spec's limit).
   */
  gitHash?: string;
  /** Free-form notes, recorded as the spec's optional `notes`. */
  notes?: string;
  /** Generating program; defaults: {@link GENERATOR_NAME}, {@link GENERATOR_VERSION}, the Deno version. */
  generator?: Partial<ManifestGeneratorInfo>;
  /** How the sample axis was chunked (recorded for documentation). */
  chunking?: { targetChunkBytes?: number; chunkSamples?: number };
}

/** Everything recorded about one world (camelCase; mapped to snake_case on build). */
export interface SimulatorEntry {
  /** Number of samples. */
  nSamples: number;
  /** Version of the world's construction/solution code (`WorldAdapter.version`). */
  version: string;
  /** One-line description of the world. */
  description?: string;
  /** Parameters (`WorldAdapter.params`). */
  paramManifest: ParamManifest;
  /** Shocks (`WorldAdapter.shocks`). */
  shockManifest: ShockManifest;
  /** Observables (`WorldAdapter.observables`). */
  obsManifest: ObsManifest;
  /** The configuration that produced the world (JSON-compatible); hashed canonically. */
  config: Readonly<Record<string, unknown>>;
  /**
   * Arrays by name: the main ones (`trajectories`, `irfs`, `shocks`,
   * `theta`) and, under keys `metadata/<field>`, the metadata arrays, exactly
   * as `DatasetWriter.finalize()` returns them in `summary.arrays`.
   */
  arrays: Readonly<Record<string, ManifestArrayInput>>;
  /** More metadata arrays, by field name (alternative to `metadata/<field>` keys). */
  metadataArrays?: Readonly<Record<string, ManifestArrayInput>>;
  /**
   * The world's metadata fields (`WorldAdapter.metadataFields(T, H)`): their
   * `dims` name the dimensions of metadata arrays that carry no `dimensionNames`.
   */
  metadataFields?: readonly MetaFieldSpec[];
  /** Total rejected draws (theta rejections plus guard redraws). */
  rejections: number;
  /** Slice rule (`WorldAdapter.sliceRule`). */
  sliceRule: SliceRule;
  /** Definitions of the corner statistics (`WorldAdapter.cornerDescription`). */
  cornerRule: { persistence: string; volatility: string };
  /** The realized splits (`buildSplits(...).info`); or set them later with `setRealizedSplits`. */
  splits?: SplitInfo;
  /**
   * The sorted sample indices of every split (`buildSplits(...).indices`),
   * recorded as `splits.<world_id>` when the world has at most
   * {@link MANIFEST_SPLIT_INDEX_LIMIT} samples.
   */
  splitIndices?: Readonly<Record<string, ArrayLike<number>>>;
}

/** Options of {@link ManifestGenerator.build}. */
export interface BuildManifestOptions {
  /** Validate and throw on any violation. Default true. */
  validate?: boolean;
}

/** Options of {@link ManifestGenerator.save}. */
export interface SaveManifestOptions extends BuildManifestOptions {
  /** Key of the manifest in the store. Default `"manifest.json"`. */
  key?: string;
}

interface WorldRecord {
  entry: SimulatorEntry;
  config: Record<string, unknown>;
  arrays: Record<string, ManifestArray>;
  metadataArrays: Record<string, ManifestArray>;
  splits?: SplitInfo;
  splitIndices?: Readonly<Record<string, ArrayLike<number>>>;
}

const METADATA_PREFIX = "metadata/";

/**
 * Builds `manifest.json`: add every world, the split definitions and the
 * realized splits, then `build()` or `save()`; both validate by default.
 *
 * @example Build and save a one-world manifest
 * ```ts
 * import { buildSplits } from "../splits.ts";
 * import { ManifestGenerator } from "./manifest_generator.ts";
 * import assert from "node:assert/strict";
 *
 * const n = 20, T = 4, H = 2;
 * const digest = "0".repeat(64);
 * const array = (name: string, shape: number[]) => ({
 *   path: `nk/${name}.zarr`, shape, chunks: shape, dtype: "float32" as const,
 *   nChunks: 1, storedBytes: 10, rawBytes: shape.reduce((p, v) => p * v, 4),
 *   chunkDigests: { [`c/${shape.map(() => 0).join("/")}`]: digest },
 * });
 * const sliceRule = { statistic: "phi_pi", op: ">" as const, threshold: 2.8, description: "top" };
 * const stats = Array.from({ length: n }, (_, i) => ({ slice: 1 + i / 10, persistence: i % 5, volatility: i % 3 }));
 * const gen = new ManifestGenerator({ version: "1.0.0", globalSeed: 42, T, H, createdAt: "2025-01-01T00:00:00Z" });
 * gen.addSimulator("nk", {
 *   nSamples: n, version: "nk_v1",
 *   paramManifest: { names: ["phi_pi"], units: ["-"], bounds: [[1, 3]], defaults: [1.5], priors: [{ kind: "uniform", lo: 1, hi: 3 }] },
 *   shockManifest: { names: ["monetary"], sigmaDefault: [0.0025], irfShockSize: 1 },
 *   obsManifest: { canonical: ["output", "inflation", "rate"], units: ["%", "pp", "pp"], extra: [] },
 *   config: { n_samples: n, seed: 42 },
 *   arrays: {
 *     trajectories: array("trajectories", [n, T, 3]),
 *     irfs: array("irfs", [n, 1, H + 1, 3]),
 *     shocks: array("shocks", [n, T, 1]),
 *     theta: array("theta", [n, 1]),
 *   },
 *   rejections: 0, sliceRule,
 *   cornerRule: { persistence: "rho_i", volatility: "sigma_m" },
 *   splits: buildSplits(stats, sliceRule, { seed: 42 }).info,
 * });
 * gen.addStandardSplits(42);
 * const manifest = gen.build();
 * assert.equal(manifest.simulators.nk.splits.test_extrapolation_slice.n, 1);
 * assert.equal(manifest.rng_seeds.derivation_algorithm, "global_seed + sample_index");
 * assert.equal(manifest.splits.train.fraction, 0.8);
 * assert.equal(manifest.simulators.nk.storage.dtype, "float32");
 * ```
 */
export class ManifestGenerator {
  #options: ManifestGeneratorOptions;
  #worlds = new Map<string, WorldRecord>();
  #splits: SplitDefinition[] = [];

  /**
   * Start a manifest.
   *
   * @param options Version, global seed, T, H and the optional fields.
   */
  constructor(options: ManifestGeneratorOptions) {
    this.#options = { ...options };
  }

  /** World ids added so far, in order. */
  get worldIds(): string[] {
    return [...this.#worlds.keys()];
  }

  /**
   * Record one world. The config and the array summaries are copied (the
   * config as canonical JSON, so later changes to the objects do not leak
   * in); the config is hashed on build.
   *
   * @param worldId The world id, e.g. `"nk"`.
   * @param entry What the run produced for this world.
   * @throws {RangeError} If the world was already added.
   * @throws {TypeError} If the config is not JSON-compatible, or an array has
   *   no dimension names and none can be derived.
   */
  addSimulator(worldId: string, entry: SimulatorEntry): void {
    if (this.#worlds.has(worldId)) {
      throw new RangeError(`Cannot add world "${worldId}": it was already added`);
    }
    const config = JSON.parse(canonicalJson(entry.config)) as Record<string, unknown>;
    const fields = new Map((entry.metadataFields ?? []).map((f) => [f.name, f]));
    const metaDims = (name: string): string[] | undefined => {
      const field = fields.get(name);
      return field === undefined ? undefined : ["sample", ...field.dims];
    };
    const arrays: Record<string, ManifestArray> = {};
    const metadataArrays: Record<string, ManifestArray> = {};
    for (const [key, a] of Object.entries(entry.arrays)) {
      if (key.startsWith(METADATA_PREFIX)) {
        const name = key.slice(METADATA_PREFIX.length);
        metadataArrays[name] = describeArray(worldId, key, a, metaDims(name));
      } else {
        arrays[key] = describeArray(worldId, key, a, MAIN_DIMENSIONS[key]);
      }
    }
    for (const [name, a] of Object.entries(entry.metadataArrays ?? {})) {
      metadataArrays[name] = describeArray(worldId, `${METADATA_PREFIX}${name}`, a, metaDims(name));
    }
    this.#worlds.set(worldId, {
      entry: { ...entry },
      config,
      arrays,
      metadataArrays,
      splits: entry.splits,
      splitIndices: entry.splitIndices,
    });
  }

  /**
   * Record the realized splits of a world.
   *
   * @param worldId A world added with {@link addSimulator}.
   * @param info The info returned by `buildSplits`.
   * @param indices The indices returned by `buildSplits` (see {@link SimulatorEntry.splitIndices}).
   * @throws {RangeError} If the world was not added.
   */
  setRealizedSplits(
    worldId: string,
    info: SplitInfo,
    indices?: Readonly<Record<string, ArrayLike<number>>>,
  ): void {
    const record = this.#worlds.get(worldId);
    if (record === undefined) {
      throw new RangeError(`Cannot set the splits of world "${worldId}": add the world first`);
    }
    record.splits = info;
    if (indices !== undefined) record.splitIndices = indices;
  }

  /**
   * Add one split definition.
   *
   * @param def The definition.
   * @throws {RangeError} If a split of that name exists.
   */
  addSplit(def: SplitDefinition): void {
    if (this.#splits.some((d) => d.name === def.name)) {
      throw new RangeError(`Cannot add split "${def.name}": it was already added`);
    }
    this.#splits.push({ ...def });
  }

  /**
   * Add the standard definitions matching `buildSplits`: train / val /
   * test_interpolation (random), test_extrapolation_slice, test_extrapolation_corner.
   *
   * @param seed Seed of the random shuffle.
   * @param options Random fractions and corner quantile, as passed to `buildSplits`.
   */
  addStandardSplits(
    seed: number,
    options: { fractions?: Readonly<Record<string, number>>; cornerQuantile?: number } = {},
  ): void {
    const defs = standardSplitDefinitions(seed, {
      fractions: options.fractions ?? STANDARD_FRACTIONS,
      cornerQuantile: options.cornerQuantile ?? DEFAULT_CORNER_QUANTILE,
    });
    for (const def of defs) this.addSplit(def);
  }

  /**
   * Assemble the manifest (snake_case JSON).
   *
   * @param options `validate` (default true).
   * @returns The manifest.
   * @throws {ManifestValidationError} If validating and any rule is violated.
   */
  build(options: BuildManifestOptions = {}): Manifest {
    const o = this.#options;
    const createdAt = o.createdAt ?? new Date();
    const chunking: ManifestChunking = { axis: "sample" };
    if (o.chunking?.targetChunkBytes !== undefined) {
      chunking.target_chunk_bytes = o.chunking.targetChunkBytes;
    }
    if (o.chunking?.chunkSamples !== undefined) chunking.chunk_samples = o.chunking.chunkSamples;
    const facts: DatasetFacts = {
      generator: {
        name: o.generator?.name ?? GENERATOR_NAME,
        version: o.generator?.version ?? GENERATOR_VERSION,
        runtime: o.generator?.runtime ?? runtime(),
      },
      storage: {
        format: "zarr",
        zarr_format: o.zarrFormat ?? DEFAULT_ZARR_FORMAT,
        dtype: o.dtype ?? "float32",
        chunking,
        codec: { ...MANIFEST_CODEC, typesize: o.dtype === "float64" ? 8 : 4 },
      },
    };
    const simulators: Record<string, ManifestSimulator> = {};
    for (const [id, record] of this.#worlds) simulators[id] = worldToJson(record, facts);
    const splits: ManifestSplits = {};
    for (const def of this.#splits) splits[def.name] = splitDefinitionToJson(def);
    for (const [id, record] of this.#worlds) {
      if (record.splitIndices === undefined) continue;
      if (record.entry.nSamples > MANIFEST_SPLIT_INDEX_LIMIT) continue;
      splits[id] = Object.fromEntries(
        Object.entries(record.splitIndices).map(([name, ix]) => [name, Array.from(ix)]),
      );
    }
    const manifest: Manifest = {
      version: o.version,
      created_at: typeof createdAt === "string" ? createdAt : createdAt.toISOString(),
      git_hash: manifestGitHash(o.gitHash ?? "unknown"),
      simulators,
      splits,
      rng_seeds: {
        global: o.globalSeed,
        per_sample: true,
        derivation_algorithm: "global_seed + sample_index",
        streams: {
          algorithm: "xoshiro128**",
          keying: RNG_KEYING,
          ids: { THETA: 0, EPS: 1, REGIME: 2, SPARE: 3 },
          normal: RNG_NORMAL,
        },
      },
      T: o.T,
      H: o.H,
      ...(o.notes === undefined ? {} : { notes: o.notes }),
    };
    if (options.validate ?? true) {
      const violations = validateManifest(manifest);
      if (violations.length > 0) {
        throw new ManifestValidationError(violations, "Cannot build manifest.json");
      }
    }
    return manifest;
  }

  /**
   * Build the manifest and write it to `store` (as `manifest.json`). With
   * validation on (the default) an invalid manifest is never written.
   *
   * @param store The dataset store.
   * @param options `validate` (default true) and `key`.
   * @returns The manifest written.
   * @throws {ManifestValidationError} If validating and any rule is violated (nothing is written).
   */
  async save(store: ByteStore, options: SaveManifestOptions = {}): Promise<Manifest> {
    const manifest = this.build(options);
    await store.set(options.key ?? MANIFEST_KEY, serializeManifest(manifest));
    return manifest;
  }
}

function describeArray(
  worldId: string,
  key: string,
  a: ManifestArrayInput,
  dims: readonly string[] | undefined,
): ManifestArray {
  try {
    return arrayToJson(a, dims);
  } catch (e) {
    throw new TypeError(
      `Cannot add world "${worldId}": array "${key}" has no dimension names ` +
        "(give dimensionNames, or the metadataFields)",
      { cause: e },
    );
  }
}

function runtime(): string {
  return typeof Deno !== "undefined" && Deno.version?.deno
    ? `deno ${Deno.version.deno}`
    : "unknown";
}

/**
 * The commit hash as the manifest records it: the spec allows 7 to 40 hex
 * digits, so a SHA-256 repository's 64-digit id is abbreviated to its first
 * 40 (git resolves the abbreviation); anything else is recorded as given.
 */
function manifestGitHash(hash: string): string {
  return /^[0-9a-f]{64}$/.test(hash) ? hash.slice(0, 40) : hash;
}

function worldToJson(record: WorldRecord, facts: DatasetFacts): ManifestSimulator {
  const e = record.entry;
  const total = e.rejections;
  return {
    n_samples: e.nSamples,
    version: e.version,
    ...(e.description === undefined ? {} : { description: e.description }),
    param_manifest: paramManifestToJson(e.paramManifest),
    shock_manifest: shockManifestToJson(e.shockManifest),
    obs_manifest: obsManifestToJson(e.obsManifest),
    config: record.config,
    config_hash: configHash(record.config),
    arrays: structuredClone(record.arrays),
    metadata_arrays: structuredClone(record.metadataArrays),
    splits: record.splits === undefined ? {} : realizedSplitsToJson(record.splits),
    rejections: { total, rate: total + e.nSamples > 0 ? total / (total + e.nSamples) : 0 },
    slice_rule: {
      statistic: e.sliceRule.statistic,
      op: e.sliceRule.op,
      threshold: e.sliceRule.threshold,
      description: e.sliceRule.description,
    },
    corner_rule: { persistence: e.cornerRule.persistence, volatility: e.cornerRule.volatility },
    generator: { ...facts.generator },
    storage: structuredClone(facts.storage),
  };
}
