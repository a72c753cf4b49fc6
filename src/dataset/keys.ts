/**
 * The keys of a dataset and of a run in progress: which ones ume-data
 * writes, and so which ones it may ever delete.
 *
 * ```
 * manifest.json, params.parquet,                     the dataset root
 *   zarr.json | .zgroup + .zattrs
 * <world>/{zarr.json | .zgroup, .zattrs, splits.json}
 * <world>/<array>.zarr/{zarr.json | .zarray, .zattrs, chunks}
 * <world>/metadata.zarr/<field>/{zarr.json | .zarray, .zattrs, chunks}
 * <world>/<dim>/..., <world>/metadata.zarr/<dim>/...  coordinates (same keys as an array)
 * .zmetadata in each group folder (v2 consolidated metadata)
 * .ume/run.json, .ume/done/<world>/<chunk>.json       the run ledger
 * ```
 *
 * @module
 */

import { getWorld, isWorldId } from "../simulators/registry.ts";
import { chunkCount, chunkStoreKey } from "../zarr/chunk.ts";
import { ZMETADATA } from "../zarr/consolidated.ts";
import { groupMetadataDocuments } from "../zarr/metadata.ts";
import { COORDINATE_NAMES } from "./coordinates.ts";
import {
  layoutArrays,
  layoutCoordinateChunks,
  layoutMetadataDocuments,
  MAIN_ARRAYS,
  type WorldLayout,
} from "./world_layout.ts";

/** The dataset's manifest, written last. */
export const MANIFEST_KEY = "manifest.json";

/** The table of every sample's parameters and scalar metadata, one row per (world, sample). */
export const PARAMS_PARQUET_KEY = "params.parquet";

/** Prefix of every key of the run ledger. */
export const LEDGER_PREFIX = ".ume/";

/** The run record: the configuration of the run that owns the output. */
export const RUN_KEY = ".ume/run.json";

/** Zarr metadata documents (v3 and v2) a group or array folder may hold. */
const DOCUMENTS = new Set(["zarr.json", ".zgroup", ".zattrs", ".zarray", ".zmetadata"]);

/** Chunk keys relative to an array: v3 `c/0/0` or `c.0.0`, v2 `0.0` or `0/0`. */
const CHUNK = /^(c([/.]\d+)+|\d+([./]\d+)*)$/;

/**
 * The key of a finished chunk task's ledger entry.
 *
 * @param world The world.
 * @param chunk The chunk index.
 * @returns The key.
 *
 * @example
 * ```ts
 * import { doneKey } from "./keys.ts";
 * import assert from "node:assert/strict";
 * assert.equal(doneKey("nk", 3), ".ume/done/nk/3.json");
 * ```
 */
export function doneKey(world: string, chunk: number): string {
  return `${LEDGER_PREFIX}done/${world}/${chunk}.json`;
}

/**
 * The key of a world's split membership.
 *
 * @param world The world.
 * @returns `<world>/splits.json`.
 *
 * @example
 * ```ts
 * import { splitsKey } from "./keys.ts";
 * import assert from "node:assert/strict";
 * assert.equal(splitsKey("zlb"), "zlb/splits.json");
 * ```
 */
export function splitsKey(world: string): string {
  return `${world}/splits.json`;
}

const fieldCache = new Map<string, Set<string>>();

function metadataFieldNames(world: string): Set<string> {
  let names = fieldCache.get(world);
  if (names === undefined) {
    names = new Set(getWorld(world).metadataFields(1, 0).map((f) => f.name));
    fieldCache.set(world, names);
  }
  return names;
}

/** Whether `rest` is a document or a chunk key of an array folder. */
function isArrayKey(rest: string): boolean {
  return DOCUMENTS.has(rest) || CHUNK.test(rest);
}

/**
 * Whether a key below `<world>/` belongs to a world of our layout: the
 * group documents, `splits.json`, and the documents and chunks of the four
 * main arrays, of the given metadata fields and of the coordinates.
 *
 * @param key A store key.
 * @param world The world id (the folder).
 * @param metadataFields Names of the world's metadata arrays (a set: this runs once per key).
 * @returns `true` if the key is one of the world's.
 *
 * @example A custom world of `DatasetWriter`
 * ```ts
 * import { isWorldKey } from "./keys.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isWorldKey("mine/theta.zarr/0.0", "mine", new Set(["flag"])));
 * assert.ok(isWorldKey("mine/metadata.zarr/flag/c/2", "mine", new Set(["flag"])));
 * assert.ok(!isWorldKey("mine/metadata.zarr/other/c/2", "mine", new Set(["flag"])));
 * assert.ok(isWorldKey("mine/shock/c/0", "mine", new Set()));
 * assert.ok(isWorldKey("mine/metadata.zarr/time/.zarray", "mine", new Set()));
 * ```
 */
export function isWorldKey(
  key: string,
  world: string,
  metadataFields: ReadonlySet<string>,
): boolean {
  const [first, node, ...rest] = key.split("/");
  if (first !== world || node === undefined) return false;
  if (rest.length === 0) return DOCUMENTS.has(node) || key === splitsKey(world);
  if (node === "metadata.zarr") {
    if (rest.length === 1) return DOCUMENTS.has(rest[0]);
    return (metadataFields.has(rest[0]) || COORDINATE_NAMES.has(rest[0])) &&
      isArrayKey(rest.slice(1).join("/"));
  }
  return (MAIN_ARRAYS.some((a) => node === `${a}.zarr`) || COORDINATE_NAMES.has(node)) &&
    isArrayKey(rest.join("/"));
}

/**
 * Whether ume-data writes this key in some dataset or run (any
 * configuration, either Zarr format): the only keys an overwrite or a
 * clean-up may delete. Everything else at an output belongs to someone else.
 *
 * @param key A store key.
 * @returns `true` for a key of our layout or of the run ledger.
 *
 * @example Ours and not ours
 * ```ts
 * import { isOurKey } from "./keys.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isOurKey("nk/irfs.zarr/c/3/0/0/0"));
 * assert.ok(isOurKey("zlb/metadata.zarr/binding_flags/.zarray"));
 * assert.ok(isOurKey(".ume/done/var/7.json"));
 * assert.ok(isOurKey("params.parquet"));
 * assert.ok(!isOurKey("nk/irfs.zarr/notes.txt"));
 * assert.ok(!isOurKey(".git/config"));
 * assert.ok(!isOurKey("nk/metadata.zarr/binding_flags/.zarray")); // a zlb field, not nk's
 * ```
 */
export function isOurKey(key: string): boolean {
  if (key === MANIFEST_KEY || key === PARAMS_PARQUET_KEY || DOCUMENTS.has(key)) return true;
  if (key.startsWith(LEDGER_PREFIX)) return true;
  const world = key.slice(0, key.indexOf("/"));
  return isWorldId(world) && isWorldKey(key, world, metadataFieldNames(world));
}

/**
 * Every key a dataset with these worlds may hold: at the root
 * `manifest.json`, `params.parquet` and the root group's metadata (with
 * `.zmetadata` in v2); per world its metadata documents (groups, arrays,
 * coordinates), every chunk of every array and coordinate, and `splits.json`.
 *
 * @param layouts The layout of every world (at least one; the root group
 *   is taken from the first).
 * @returns The keys.
 *
 * @example A one-world v3 dataset
 * ```ts
 * import { datasetKeys } from "./keys.ts";
 * import { layoutForWorld } from "../pipeline/world_plan.ts";
 * import assert from "node:assert/strict";
 * const layout = layoutForWorld({ world: "nk", seed: 1, nSamples: 10, T: 4, H: 2, chunkSamples: 5, zarrFormat: 3 });
 * const keys = datasetKeys([layout]);
 * for (const k of ["manifest.json", "params.parquet", "zarr.json", "nk/zarr.json", "nk/splits.json", "nk/theta.zarr/c/1/0"]) {
 *   assert.ok(keys.has(k), k);
 * }
 * assert.ok(!keys.has("nk/theta.zarr/c/2/0"));
 * ```
 */
export function datasetKeys(layouts: readonly WorldLayout[]): Set<string> {
  const keys = new Set<string>([MANIFEST_KEY, PARAMS_PARQUET_KEY]);
  if (layouts.length > 0) {
    for (const key of Object.keys(groupMetadataDocuments(layouts[0].root))) keys.add(key);
    if (layouts[0].zarrFormat === 2) keys.add(ZMETADATA);
  }
  for (const layout of layouts) {
    for (const key of Object.keys(layoutMetadataDocuments(layout))) keys.add(key);
    for (const key of Object.keys(layoutCoordinateChunks(layout))) keys.add(key);
    for (const spec of layoutArrays(layout)) {
      for (let c = 0; c < chunkCount(spec); c++) keys.add(chunkStoreKey(spec, c));
    }
    keys.add(splitsKey(layout.worldId));
  }
  return keys;
}
