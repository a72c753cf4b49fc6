/**
 * The settings a manifest records for a world, read two ways: from the
 * world's `config`, and from the rest of the manifest (top-level `T`, `H`,
 * `rng_seeds`, `version`, the split definitions, the world's `storage`,
 * `n_samples` and theta chunking). Normally both agree; when one was
 * edited, `validate` checks the data against each and keeps the reading
 * that explains the dataset with fewer differences.
 *
 * @module
 */

import { configHash } from "../../manifest/hashing.ts";
import { type Manifest, splitDefinitions } from "../../manifest/types.ts";
import { isWorldId } from "../../simulators/registry.ts";
import type { ManifestRun } from "../manifest_assembly.ts";
import type { WorldSettings } from "../world_plan.ts";
import { DEFAULT_STORED_DTYPE, isStoredDtype, type StoredDtype } from "../../numeric/quantize.ts";

/** A reading of a world's recorded settings. */
export interface RecordedSettings {
  /** Where it was read: the world's `config`, or the rest of the manifest. */
  source: "config" | "manifest";
  /** The run-level settings. */
  run: ManifestRun;
  /** The world's settings. */
  settings: WorldSettings;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Obj : {};
}

function int(v: unknown, what: string, min = 0): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) {
    throw new TypeError(`${what} is ${JSON.stringify(v)}, not an integer >= ${min}`);
  }
  return v as number;
}

function text(v: unknown, what: string): string {
  if (typeof v !== "string") throw new TypeError(`${what} is ${JSON.stringify(v)}, not a string`);
  return v;
}

function format(v: unknown, what: string): 2 | 3 {
  if (v !== 2 && v !== 3) throw new TypeError(`${what} is ${JSON.stringify(v)}, not 2 or 3`);
  return v;
}

function dtype(v: unknown, what: string): StoredDtype {
  if (v === undefined) return DEFAULT_STORED_DTYPE;
  if (!isStoredDtype(v)) {
    throw new TypeError(`${what} is ${JSON.stringify(v)}, not "float32" or "float64"`);
  }
  return v;
}

function reading(
  source: RecordedSettings["source"],
  world: string,
  run: ManifestRun,
  nSamples: number,
  chunkSamples: number,
): RecordedSettings {
  if (!isWorldId(world)) throw new TypeError(`Unknown world "${world}"`);
  return {
    source,
    run,
    settings: {
      world,
      seed: run.seed,
      nSamples,
      T: run.T,
      H: run.H,
      chunkSamples,
      zarrFormat: run.zarrFormat,
      dtype: run.dtype,
    },
  };
}

/**
 * The settings recorded in a world's `config`.
 *
 * @param manifest The parsed manifest (not necessarily valid).
 * @param world The world id.
 * @returns The reading.
 * @throws {TypeError} If a field is missing or of the wrong type (the message names it).
 *
 * @example
 * ```ts
 * import { settingsFromConfig } from "./recorded_settings.ts";
 * import type { Manifest } from "../../manifest/types.ts";
 * import assert from "node:assert/strict";
 * const config = { world: "nk", dataset_version: "1.0.0", global_seed: 5, split_seed: 6, T: 8, H: 2,
 *   zarr_format: 3, n_samples: 10, chunk_samples: 4 };
 * const m = { simulators: { nk: { config } } } as unknown as Manifest;
 * const r = settingsFromConfig(m, "nk");
 * assert.equal(r.run.splitSeed, 6);
 * assert.equal(r.settings.chunkSamples, 4);
 * ```
 */
export function settingsFromConfig(manifest: Manifest, world: string): RecordedSettings {
  const c = obj(obj(obj(manifest.simulators)[world]).config);
  const at = (k: string): string => `config.${k}`;
  const run: ManifestRun = {
    version: text(c.dataset_version, at("dataset_version")),
    seed: int(c.global_seed, at("global_seed")),
    splitSeed: int(c.split_seed, at("split_seed")),
    T: int(c.T, at("T"), 1),
    H: int(c.H, at("H")),
    zarrFormat: format(c.zarr_format, at("zarr_format")),
    dtype: dtype(c.dtype, at("dtype")),
  };
  return reading(
    "config",
    world,
    run,
    int(c.n_samples, at("n_samples"), 1),
    int(c.chunk_samples, at("chunk_samples"), 1),
  );
}

/**
 * The settings the rest of the manifest records for a world: `version`,
 * `rng_seeds.global`, the seed of the first split definition, `T`, `H`,
 * the world's `storage.zarr_format`, its `n_samples` and the sample
 * chunking of its theta array.
 *
 * @param manifest The parsed manifest (not necessarily valid).
 * @param world The world id.
 * @returns The reading.
 * @throws {TypeError} If a field is missing or of the wrong type (the message names it).
 *
 * @example
 * ```ts
 * import { settingsFromManifest } from "./recorded_settings.ts";
 * import type { Manifest } from "../../manifest/types.ts";
 * import assert from "node:assert/strict";
 * const m = {
 *   version: "1.0.0", T: 8, H: 2, rng_seeds: { global: 5 }, splits: { train: { seed: 6 } },
 *   simulators: {
 *     nk: { n_samples: 10, storage: { zarr_format: 2 }, arrays: { theta: { chunks: [4, 12] } } },
 *   },
 * } as unknown as Manifest;
 * const r = settingsFromManifest(m, "nk");
 * assert.equal(r.settings.zarrFormat, 2);
 * assert.equal(r.settings.chunkSamples, 4);
 * ```
 */
export function settingsFromManifest(manifest: Manifest, world: string): RecordedSettings {
  const m = manifest as unknown as Obj;
  const w = obj(obj(m.simulators)[world]);
  const [first, def] = splitDefinitions(manifest)[0] ?? ["", undefined];
  const thetaChunks = obj(obj(w.arrays).theta).chunks;
  const run: ManifestRun = {
    version: text(m.version, "version"),
    seed: int(obj(m.rng_seeds).global, "rng_seeds.global"),
    splitSeed: int(obj(def).seed, `splits.${first || "<first>"}.seed`),
    T: int(m.T, "T", 1),
    H: int(m.H, "H"),
    zarrFormat: format(obj(w.storage).zarr_format, `simulators.${world}.storage.zarr_format`),
    dtype: dtype(obj(w.storage).dtype, `simulators.${world}.storage.dtype`),
  };
  return reading(
    "manifest",
    world,
    run,
    int(w.n_samples, "n_samples", 1),
    int(Array.isArray(thetaChunks) ? thetaChunks[0] : undefined, "arrays.theta.chunks[0]", 1),
  );
}

/**
 * Whether a world's `config_hash` matches its `config` (an edited config
 * usually breaks it; the reading from the config is then trusted less).
 *
 * @param manifest The parsed manifest.
 * @param world The world id.
 * @returns True if the hash matches.
 *
 * @example
 * ```ts
 * import { configIntact } from "./recorded_settings.ts";
 * import { configHash } from "../../manifest/hashing.ts";
 * import type { Manifest } from "../../manifest/types.ts";
 * import assert from "node:assert/strict";
 * const config = { T: 8 };
 * const m = { simulators: { nk: { config, config_hash: configHash(config) } } } as unknown as Manifest;
 * assert.equal(configIntact(m, "nk"), true);
 * config.T = 9;
 * assert.equal(configIntact(m, "nk"), false);
 * ```
 */
export function configIntact(manifest: Manifest, world: string): boolean {
  const w = obj(obj(manifest.simulators)[world]);
  try {
    return configHash(w.config) === w.config_hash;
  } catch {
    return false;
  }
}
