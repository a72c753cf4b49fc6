/**
 * The deterministic configuration of a run, as recorded in the run record
 * (`.ume/run.json`) and recoverable from a finished dataset's manifest: the
 * one codec between `GenerateConfig` / `WorldSettings` and that JSON.
 *
 * @module
 */

import { getWorld, isWorldId } from "../simulators/registry.ts";
import { settingsFromConfig } from "./validate/recorded_settings.ts";
import type { WorldId } from "../simulators/types.ts";
import { DEFAULT_STORED_DTYPE, type StoredDtype } from "../numeric/quantize.ts";
import type { Manifest } from "../manifest/types.ts";
import { configHash } from "../manifest/hashing.ts";
import type { ConfigInput, GenerateConfig } from "./config.ts";
import { UsageError } from "../usage_error.ts";
import type { ByteStore } from "../store/byte_store.ts";
import { RUN_KEY } from "../dataset/keys.ts";
import type { WorldSettings } from "./world_plan.ts";

/** The recorded configuration (snake_case JSON). */
export interface RunConfig {
  /** Dataset version. */
  version: string;
  /** Global seed. */
  seed: number;
  /** Seed of the random split. */
  split_seed: number;
  /** Samples per world. */
  n_samples: number;
  /** Trajectory length. */
  T: number;
  /** IRF horizon. */
  H: number;
  /** Zarr format. */
  zarr_format: 2 | 3;
  /** Data type of the stored arrays (absent in records written before `--dtype`: float32). */
  dtype?: StoredDtype;
  /** The worlds, in order. */
  worlds: { world: WorldId; world_version: string; chunk_samples: number }[];
}

/**
 * The recorded configuration of a run.
 *
 * @param config The dataset-wide options (version and split seed are used).
 * @param settings The resolved settings of every world.
 * @returns The configuration.
 *
 * @example
 * ```ts
 * import { runConfig } from "./run_config.ts";
 * import assert from "node:assert/strict";
 * const c = runConfig({ version: "1.0.0", splitSeed: 7 }, [
 *   { world: "nk", seed: 42, nSamples: 10, T: 20, H: 4, chunkSamples: 5, zarrFormat: 3 },
 * ]);
 * assert.deepEqual(c.worlds, [{ world: "nk", world_version: "nk_v1", chunk_samples: 5 }]);
 * assert.equal(c.split_seed, 7);
 * ```
 */
export function runConfig(
  config: Pick<GenerateConfig, "version" | "splitSeed">,
  settings: readonly WorldSettings[],
): RunConfig {
  const first = settings[0];
  return {
    version: config.version,
    seed: first.seed,
    split_seed: config.splitSeed,
    n_samples: first.nSamples,
    T: first.T,
    H: first.H,
    zarr_format: first.zarrFormat,
    dtype: first.dtype ?? DEFAULT_STORED_DTYPE,
    worlds: settings.map((s) => ({
      world: s.world,
      world_version: getWorld(s.world).version,
      chunk_samples: s.chunkSamples,
    })),
  };
}

/**
 * The hash that identifies a configuration (SHA-256 of its canonical JSON).
 *
 * @param config The configuration.
 * @returns Hex digest.
 */
export function runConfigHash(config: RunConfig): string {
  return configHash(config);
}

/**
 * The world settings of a recorded configuration.
 *
 * @param c The configuration.
 * @returns Settings per world, in order.
 */
export function settingsOf(c: RunConfig): WorldSettings[] {
  return c.worlds.map((w) => ({
    world: w.world,
    seed: c.seed,
    nSamples: c.n_samples,
    T: c.T,
    H: c.H,
    chunkSamples: w.chunk_samples,
    zarrFormat: c.zarr_format,
    dtype: c.dtype ?? DEFAULT_STORED_DTYPE,
  }));
}

/**
 * The configuration a finished dataset was generated with, from its manifest
 * (the `config` recorded for each world).
 *
 * @param m The manifest.
 * @returns The configuration.
 * @throws {TypeError} If the manifest lacks what is needed (an unknown world, a config field).
 */
export function runConfigFromManifest(m: Manifest): RunConfig {
  const worlds = Object.keys(m.simulators ?? {});
  if (worlds.length === 0) throw new TypeError("The manifest lists no worlds");
  const readings = worlds.map((world) => {
    if (!isWorldId(world)) throw new TypeError(`The manifest lists an unknown world "${world}"`);
    return settingsFromConfig(m, world);
  });
  const { version, splitSeed } = readings[0].run;
  return runConfig({ version, splitSeed }, readings.map((r) => r.settings));
}

/**
 * The options a recorded configuration was run with, as a config input:
 * what `generate --resume` assumes for every option the user does not give
 * (flags and a config file override it). A chunk size is included when all
 * worlds share it; per-world chunk sizes were derived, and are derived again.
 *
 * @param c The recorded configuration.
 * @returns The options.
 *
 * @example
 * ```ts
 * import { recordedOptions } from "./run_config.ts";
 * import assert from "node:assert/strict";
 * const input = recordedOptions({
 *   version: "1.0.0", seed: 1, split_seed: 1, n_samples: 300, T: 20, H: 4, zarr_format: 3,
 *   worlds: [{ world: "nk", world_version: "nk_v1", chunk_samples: 50 }],
 * });
 * assert.equal(input.n_samples, 300);
 * assert.deepEqual(input.worlds, ["nk"]);
 * assert.equal(input.chunk_samples, 50);
 * ```
 */
export function recordedOptions(c: RunConfig): ConfigInput {
  const chunks = new Set(c.worlds.map((w) => w.chunk_samples));
  return {
    worlds: c.worlds.map((w) => w.world),
    n_samples: c.n_samples,
    seed: c.seed,
    T: c.T,
    H: c.H,
    version: c.version,
    zarr_format: c.zarr_format,
    dtype: c.dtype ?? DEFAULT_STORED_DTYPE,
    split_seed: c.split_seed,
    chunk_samples: chunks.size === 1 ? [...chunks][0] : undefined,
  };
}

/**
 * What differs between two configurations, for messages.
 *
 * @param before The recorded one.
 * @param now The requested one.
 * @returns `"seed: 42 before, 5 now; ..."`, or `""` if equal.
 *
 * @example
 * ```ts
 * import { diffConfig } from "./run_config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(diffConfig({ seed: 42, T: 5 }, { seed: 5, T: 5 }), "seed: 42 before, 5 now");
 * ```
 */
export function diffConfig(before: object, now: object): string {
  const a = before as Record<string, unknown>, b = now as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const diffs: string[] = [];
  for (const k of keys) {
    const x = JSON.stringify(a[k]), y = JSON.stringify(b[k]);
    if (x !== y) diffs.push(`${k}: ${x ?? "(none)"} before, ${y ?? "(none)"} now`);
  }
  return diffs.join("; ");
}

/**
 * What differs between two run configurations, in the options' terms: the
 * worlds by id, and the chunk sizes (which are derived unless
 * `--chunk-samples` is given) only when nothing else differs, so a message
 * never blames a derived value the user did not set.
 *
 * @param before The recorded configuration.
 * @param now The requested one.
 * @returns `"n_samples: 3000 before, 10000 now"`, or `""` if equal.
 *
 * @example
 * ```ts
 * import { diffRunConfig, type RunConfig } from "./run_config.ts";
 * import assert from "node:assert/strict";
 * const a: RunConfig = { version: "1.0.0", seed: 1, split_seed: 1, n_samples: 300, T: 20, H: 4,
 *   zarr_format: 3, worlds: [{ world: "nk", world_version: "nk_v1", chunk_samples: 50 }] };
 * const b = { ...a, n_samples: 900, worlds: [{ ...a.worlds[0], chunk_samples: 60 }] };
 * assert.equal(diffRunConfig(a, b), "n_samples: 300 before, 900 now");
 * assert.equal(diffRunConfig(a, { ...a, worlds: b.worlds }), "chunk_samples: nk=50 before, nk=60 now");
 * ```
 */
export function diffRunConfig(before: RunConfig, now: RunConfig): string {
  const options = (c: RunConfig): Record<string, unknown> => ({
    worlds: c.worlds.map((w) => w.world).join(","),
    n_samples: c.n_samples,
    seed: c.seed,
    split_seed: c.split_seed,
    T: c.T,
    H: c.H,
    version: c.version,
    zarr_format: c.zarr_format,
    dtype: c.dtype ?? DEFAULT_STORED_DTYPE,
    world_versions: c.worlds.map((w) => w.world_version).join(","),
  });
  const main = diffConfig(options(before), options(now));
  if (main !== "") return main;
  const chunks = (c: RunConfig): string =>
    c.worlds.map((w) => `${w.world}=${w.chunk_samples}`).join(",");
  return diffConfig({ chunk_samples: chunks(before) }, { chunk_samples: chunks(now) })
    .replaceAll('"', "");
}

/**
 * The configuration and world settings of a run record (for `finalize`,
 * which has no options of its own).
 *
 * @param run The run record.
 * @returns The configuration (output empty, one worker) and the settings.
 * @throws {UsageError} If the record holds no configuration.
 */
export function settingsFromRun(
  run: RunRecord,
): { config: GenerateConfig; settings: WorldSettings[] } {
  const c = run.config;
  if (c === null) {
    throw new UsageError(
      "The run record holds no configuration (an overwrite was cut off): pass --overwrite again",
    );
  }
  const settings = settingsOf(c);
  return {
    config: {
      worlds: settings.map((s) => s.world),
      nSamples: c.n_samples,
      seed: c.seed,
      output: "",
      T: c.T,
      H: c.H,
      workers: 1,
      version: c.version,
      zarrFormat: c.zarr_format,
      dtype: c.dtype ?? DEFAULT_STORED_DTYPE,
      splitSeed: c.split_seed,
      resume: false,
      overwrite: false,
    },
    settings,
  };
}

/** The run record: what was asked for, so a resume or finalize can check it. */
export interface RunRecord {
  /** Hash of `config` (canonical JSON). */
  config_hash: string;
  /** The deterministic part of the configuration (`null` only while an overwrite deletes a dataset whose configuration could not be read). */
  config: RunConfig | null;
  /** When the run first started. */
  started_at: string;
  /** A random id of the run, so that two runs never write identical run records. */
  run_id?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Read the run record, if any.
 *
 * @param store The output store.
 * @returns The record, or undefined.
 */
export async function readRunRecord(store: ByteStore): Promise<RunRecord | undefined> {
  const bytes = await store.get(RUN_KEY);
  if (!bytes) return undefined;
  return JSON.parse(decoder.decode(bytes)) as RunRecord;
}

/**
 * Write the run record (replacing any).
 *
 * @param store The output store.
 * @param record The record.
 */
export async function writeRunRecord(store: ByteStore, record: RunRecord): Promise<void> {
  await store.set(RUN_KEY, encodeRunRecord(record));
}

function encodeRunRecord(record: RunRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record, null, 2));
}

/**
 * Claim the output for a run: create the run record only if there is none,
 * atomically where the store can (local: a hard link; S3: a conditional
 * PUT), so that of two runs started at once exactly one owns the output.
 *
 * @param store The output store.
 * @param record The record, with a fresh `run_id`.
 * @returns `true` if this run now owns the output; `false` if another record was there first.
 */
export async function claimRun(store: ByteStore, record: RunRecord): Promise<boolean> {
  const bytes = encodeRunRecord(record);
  if (store.setIfAbsent !== undefined) return await store.setIfAbsent(RUN_KEY, bytes);
  // A store without atomic creation (a custom ByteStore): best effort.
  if (await store.get(RUN_KEY) !== undefined) return false;
  await store.set(RUN_KEY, bytes);
  return true;
}
