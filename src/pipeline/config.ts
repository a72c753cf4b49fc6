/**
 * The configuration of a `generate` run: defaults, the config-file schema,
 * and validation of every input before any compute.
 *
 * @module
 */

import { DEFAULT_ZARR_FORMAT } from "../zarr/array_spec.ts";
import {
  DEFAULT_STORED_DTYPE,
  isStoredDtype,
  STORED_DTYPES,
  type StoredDtype,
} from "../numeric/quantize.ts";
import { Ajv2020 } from "./_deps.ts";
import configSchema from "../../schemas/generate_config.json" with { type: "json" };
import { WORLD_IDS, type WorldId } from "../simulators/types.ts";
import { UsageError } from "../usage_error.ts";
import { DEFAULT_OUTPUT, SHARD_INDEX_VARIABLES } from "./defaults.ts";
import type { ShardSpec } from "./plan.ts";

export { SHARD_INDEX_VARIABLES, UsageError };
export type { ShardSpec };

/** A complete, validated `generate` configuration. */
export interface GenerateConfig {
  /** Worlds to generate, in canonical order. */
  worlds: WorldId[];
  /** Samples per world. */
  nSamples: number;
  /** The global seed; sample i uses seed `seed + i`. */
  seed: number;
  /** Output folder or `s3://bucket/prefix` URL. */
  output: string;
  /** Trajectory length. */
  T: number;
  /** IRF horizon (IRFs have H + 1 points). */
  H: number;
  /** Worker threads. */
  workers: number;
  /** Dataset version (MAJOR.MINOR.PATCH). */
  version: string;
  /** Zarr format. */
  zarrFormat: 2 | 3;
  /** Data type of the stored arrays: float32 (default) or float64 (debug). */
  dtype: StoredDtype;
  /** Samples per chunk (undefined: about 1 MiB chunks, chosen per world). */
  chunkSamples?: number;
  /** Seed of the random train/val/test split (default: the global seed). */
  splitSeed: number;
  /** Continue an interrupted run. */
  resume: boolean;
  /** Delete an existing output first. */
  overwrite: boolean;
  /** Write only one shard (no splits, no manifest). */
  shard?: ShardSpec;
}

/** The built-in default run: all six worlds, 10,000 samples each. */
export const DEFAULT_CONFIG: Readonly<Omit<GenerateConfig, "workers" | "splitSeed">> = {
  worlds: [...WORLD_IDS],
  nSamples: 10_000,
  seed: 42,
  output: DEFAULT_OUTPUT,
  T: 200,
  H: 40,
  version: "1.0.0",
  zarrFormat: DEFAULT_ZARR_FORMAT,
  dtype: DEFAULT_STORED_DTYPE,
  resume: false,
  overwrite: false,
};

/** MAJOR.MINOR.PATCH: the spec's manifest `version` pattern (no pre-release or build part). */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Options as they come from a config file (snake_case) or flags. */
export interface ConfigInput {
  /** `"all"`, a comma-separated list, or an array of ids. */
  worlds?: string | string[];
  /** Samples per world. */
  n_samples?: number | string;
  /** Global seed. */
  seed?: number | string;
  /** Output path or URL. */
  output?: string;
  /** Trajectory length. */
  T?: number | string;
  /** IRF horizon. */
  H?: number | string;
  /** Worker threads. */
  workers?: number | string;
  /** Dataset version. */
  version?: string;
  /** 2 or 3. */
  zarr_format?: number | string;
  /** `"float32"` or `"float64"`. */
  dtype?: string;
  /** Samples per chunk. */
  chunk_samples?: number | string;
  /** Split seed. */
  split_seed?: number | string;
  /** Resume flag. */
  resume?: boolean;
  /** Overwrite flag. */
  overwrite?: boolean;
  /** `"i/N"` or `"auto/N"`. */
  shard?: string;
}

/**
 * Validate a parsed config file against `schemas/generate_config.json`.
 *
 * @param value The parsed JSON.
 * @param source Where it came from, for messages.
 * @returns The value, typed.
 * @throws {UsageError} Listing every violation with its JSON path.
 *
 * @example Reject an unknown key
 * ```ts
 * import { checkConfigFile } from "./config.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => checkConfigFile({ n_sample: 5 }, "x.json"), /n_sample/);
 * assert.deepEqual(checkConfigFile({ n_samples: 5 }, "x.json"), { n_samples: 5 });
 * ```
 */
export function checkConfigFile(value: unknown, source: string): ConfigInput {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(configSchema);
  if (validate(value)) return value as ConfigInput;
  const problems = (validate.errors ?? []).map((e) => {
    const where = e.instancePath || "/";
    const extra = e.keyword === "additionalProperties"
      ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
      : "";
    return `${where}: ${e.message}${extra}`;
  });
  throw new UsageError(
    `Invalid config file ${source}: ${problems.join("; ")} (see schemas/generate_config.json)`,
  );
}

/**
 * Parse an integer option (a flag or a config-file value) and check its range.
 *
 * @param name The flag name without dashes, e.g. `"n-samples"`.
 * @param value The value as given.
 * @param min Smallest allowed value.
 * @param max Largest allowed value.
 * @returns The integer.
 * @throws {UsageError} Naming the flag, the value and the allowed range.
 *
 * @example Ranges are checked, negative numbers included
 * ```ts
 * import { parseIntegerOption } from "./config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseIntegerOption("seed", "7", 0, 10), 7);
 * assert.throws(() => parseIntegerOption("n-samples", "-5", 1, 10), /must be between 1 and 10/);
 * assert.throws(() => parseIntegerOption("T", "2.5", 1, 10), /expected an integer/);
 * ```
 */
export function parseIntegerOption(
  name: string,
  value: number | string,
  min: number,
  max: number,
): number {
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (typeof value === "string" && !/^\s*-?\d+\s*$/.test(value)) {
    throw new UsageError(`Invalid --${name} "${value}": expected an integer`);
  }
  if (!Number.isSafeInteger(n)) {
    throw new UsageError(`Invalid --${name} ${value}: expected an integer`);
  }
  if (n < min || n > max) {
    throw new UsageError(`Invalid --${name} ${n}: must be between ${min} and ${max}`);
  }
  return n;
}

/**
 * Parse a `--shard` value: `"i/N"` (0-based i) or `"auto/N"`, where the
 * index comes from the batch engine's environment.
 *
 * @param text The flag value.
 * @param env Reads an environment variable (default {@link readEnv}: a denied read is an error).
 * @returns The shard.
 * @throws {UsageError} If malformed or out of range.
 *
 * @example Parse shards
 * ```ts
 * import { parseShard } from "./config.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseShard("1/4"), { index: 1, count: 4 });
 * assert.deepEqual(parseShard("auto/3", (k) => k === "JOB_COMPLETION_INDEX" ? "2" : undefined), { index: 2, count: 3 });
 * assert.throws(() => parseShard("4/4"), /Invalid --shard/);
 * ```
 */
export function parseShard(
  text: string,
  env: (key: string) => string | undefined = readEnv,
): ShardSpec {
  const m = /^(auto|\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`Invalid --shard "${text}": expected i/N (0-based) or auto/N`);
  const count = Number(m[2]);
  if (count < 1) throw new UsageError(`Invalid --shard "${text}": N must be at least 1`);
  let index: number;
  if (m[1] === "auto") {
    const vars = SHARD_INDEX_VARIABLES;
    const found = vars.map((k) => [k, env(k)] as const).find(([, v]) => v !== undefined);
    if (!found) {
      throw new UsageError(
        `Cannot resolve --shard auto/${count}: none of ${
          vars.join(", ")
        } is set (give the index explicitly, e.g. --shard 0/${count})`,
      );
    }
    if (!/^\d+$/.test(found[1]!)) {
      throw new UsageError(`Invalid shard index ${found[0]}="${found[1]}": expected an integer`);
    }
    index = Number(found[1]);
  } else {
    index = Number(m[1]);
  }
  if (index >= count) {
    throw new UsageError(`Invalid --shard "${text}": index ${index} must be below N = ${count}`);
  }
  return { index, count };
}

/**
 * Read an environment variable; a variable this process may not read is an
 * error that says so, never "not set".
 *
 * @param key The variable.
 * @returns Its value, or `undefined` if it is not set.
 * @throws {UsageError} If the process holds no permission to read it.
 */
export function readEnv(key: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: key }).state !== "granted") {
    throw new UsageError(
      `Cannot read the environment variable ${key}: this process is not permitted to (run it with --allow-env=${key}; the deno tasks grant it)`,
    );
  }
  return Deno.env.get(key);
}

/**
 * Parse a world list: `"all"` or ids separated by commas.
 *
 * @param value The list.
 * @returns Ids in canonical order, without duplicates.
 * @throws {UsageError} For unknown ids or an empty list.
 *
 * @example Parse a list
 * ```ts
 * import { parseWorlds } from "./config.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseWorlds("zlb,nk"), ["nk", "zlb"]);
 * assert.throws(() => parseWorlds("nk,dsge"), /Unknown world "dsge"/);
 * ```
 */
export function parseWorlds(value: string | string[]): WorldId[] {
  const items = (Array.isArray(value) ? value : value.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw new UsageError(`Invalid --world: empty list`);
  if (items.length === 1 && items[0] === "all") return [...WORLD_IDS];
  for (const w of items) {
    if (!(WORLD_IDS as readonly string[]).includes(w)) {
      throw new UsageError(
        `Unknown world "${w}": choose from ${WORLD_IDS.join(", ")} or "all"`,
      );
    }
  }
  return WORLD_IDS.filter((w) => items.includes(w));
}

/**
 * Merge inputs (later ones override earlier ones) over the defaults and
 * validate everything.
 *
 * @param inputs Config-file values, then flags.
 * @param defaultWorkers Worker count when none is given (the core count).
 * @returns The validated configuration.
 * @throws {UsageError} Naming the bad input and the fix.
 *
 * @example Defaults and overrides
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * import assert from "node:assert/strict";
 * const c = resolveConfig([{ n_samples: 100 }, { worlds: "nk" }], 2);
 * assert.equal(c.nSamples, 100);
 * assert.deepEqual(c.worlds, ["nk"]);
 * assert.equal(c.T, 200);
 * assert.throws(() => resolveConfig([{ version: "1.0" }], 2), /semver/);
 * ```
 */
export function resolveConfig(inputs: ConfigInput[], defaultWorkers: number): GenerateConfig {
  const merged: ConfigInput = {};
  for (const input of inputs) {
    for (const [k, v] of Object.entries(input)) {
      if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    }
  }
  const seed = merged.seed === undefined
    ? DEFAULT_CONFIG.seed
    : parseIntegerOption("seed", merged.seed, 0, Number.MAX_SAFE_INTEGER);
  const nSamples = merged.n_samples === undefined
    ? DEFAULT_CONFIG.nSamples
    : parseIntegerOption("n-samples", merged.n_samples, 1, 100_000_000);
  if (seed + nSamples - 1 > Number.MAX_SAFE_INTEGER) {
    throw new UsageError(`Invalid --seed ${seed}: seed + n_samples must stay below 2^53`);
  }
  const version = merged.version ?? DEFAULT_CONFIG.version;
  if (!SEMVER.test(version)) {
    throw new UsageError(
      `Invalid --version "${version}": expected semver MAJOR.MINOR.PATCH such as 1.0.0 (the spec's manifest allows no pre-release or build part)`,
    );
  }
  const zarrFormat = merged.zarr_format === undefined
    ? DEFAULT_CONFIG.zarrFormat
    : parseIntegerOption("zarr-format", merged.zarr_format, 2, 3) as 2 | 3;
  const dtype = merged.dtype === undefined ? DEFAULT_CONFIG.dtype : merged.dtype;
  if (!isStoredDtype(dtype)) {
    throw new UsageError(`Invalid --dtype "${dtype}": expected ${STORED_DTYPES.join(" or ")}`);
  }
  const output = merged.output ?? DEFAULT_CONFIG.output;
  if (output.trim() === "") throw new UsageError(`Invalid --output: empty path`);
  if (merged.resume && merged.overwrite) {
    throw new UsageError(`Use either --resume or --overwrite, not both`);
  }
  return {
    worlds: merged.worlds === undefined ? [...DEFAULT_CONFIG.worlds] : parseWorlds(merged.worlds),
    nSamples,
    seed,
    output,
    T: merged.T === undefined ? DEFAULT_CONFIG.T : parseIntegerOption("T", merged.T, 1, 100_000),
    H: merged.H === undefined ? DEFAULT_CONFIG.H : parseIntegerOption("H", merged.H, 1, 10_000),
    workers: merged.workers === undefined
      ? Math.max(1, defaultWorkers)
      : parseIntegerOption("workers", merged.workers, 1, 256),
    version,
    zarrFormat,
    dtype,
    chunkSamples: merged.chunk_samples === undefined
      ? undefined
      : parseIntegerOption("chunk-samples", merged.chunk_samples, 1, 10_000_000),
    splitSeed: merged.split_seed === undefined
      ? seed
      : parseIntegerOption("split-seed", merged.split_seed, 0, Number.MAX_SAFE_INTEGER),
    resume: merged.resume ?? false,
    overwrite: merged.overwrite ?? false,
    shard: merged.shard === undefined ? undefined : parseShard(merged.shard),
  };
}
