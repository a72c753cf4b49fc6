/**
 * The keys a finished dataset may hold: the one place that defines them
 * (`generate` writes exactly these, `validate` reports anything else as a
 * stray key). Adding a file to the format is a one-line edit here.
 *
 * @module
 */

import { MANIFEST_KEY } from "../manifest/manifest_io.ts";
import { chunkCount, chunkStoreKey } from "../zarr/chunk.ts";
import { groupMetadataDocuments } from "../zarr/metadata.ts";
import { layoutArrays, layoutMetadataDocuments, type WorldLayout } from "../zarr/world_layout.ts";

/**
 * The key of a world's `splits.json`.
 *
 * @param world The world id.
 * @returns `<world>/splits.json`.
 *
 * @example
 * ```ts
 * import { splitsKey } from "./dataset_keys.ts";
 * import assert from "node:assert/strict";
 * assert.equal(splitsKey("nk"), "nk/splits.json");
 * ```
 */
export function splitsKey(world: string): string {
  return `${world}/splits.json`;
}

/**
 * Every key a dataset with these worlds may hold: at the root
 * `manifest.json` and the root group's metadata; per world its metadata
 * documents (groups and arrays), every chunk of every array, and
 * `splits.json`.
 *
 * @param layouts The layout of every world (at least one; the root group
 *   is taken from the first).
 * @returns The keys.
 *
 * @example A one-world v3 dataset
 * ```ts
 * import { datasetKeys } from "./dataset_keys.ts";
 * import { layoutForWorld } from "./world_plan.ts";
 * import assert from "node:assert/strict";
 * const layout = layoutForWorld({ world: "nk", seed: 1, nSamples: 10, T: 4, H: 2, chunkSamples: 5, zarrFormat: 3 });
 * const keys = datasetKeys([layout]);
 * for (const k of ["manifest.json", "zarr.json", "nk/zarr.json", "nk/splits.json", "nk/theta.zarr/c/1/0"]) {
 *   assert.ok(keys.has(k), k);
 * }
 * assert.ok(!keys.has("nk/theta.zarr/c/2/0"));
 * ```
 */
export function datasetKeys(layouts: readonly WorldLayout[]): Set<string> {
  const keys = new Set<string>([MANIFEST_KEY]);
  if (layouts.length > 0) {
    for (const key of Object.keys(groupMetadataDocuments(layouts[0].root))) keys.add(key);
  }
  for (const layout of layouts) {
    for (const key of Object.keys(layoutMetadataDocuments(layout))) keys.add(key);
    for (const spec of layoutArrays(layout)) {
      for (let c = 0; c < chunkCount(spec); c++) keys.add(chunkStoreKey(spec, c));
    }
    keys.add(splitsKey(layout.worldId));
  }
  return keys;
}
