/**
 * The dataset root: a Zarr group whose members are the worlds. Its
 * attributes carry the dataset-wide facts, so a reader that opens the root
 * (`zarr.open_group(root)`, `xr.open_datatree(root, engine="zarr")`) sees
 * them without reading `manifest.json`; its consolidated metadata covers
 * every world, so that open is one read.
 *
 * `generate` and `finalize` write it at the end of a run, before
 * `manifest.json`; `validate` rebuilds it with the same function.
 *
 * @module
 */

import type { DatasetFacts, Manifest } from "../manifest/types.ts";
import { datasetFacts } from "../manifest/mapping.ts";
import type { GroupSpec } from "../zarr/array_spec.ts";
import { consolidatedGroupDocuments } from "../zarr/consolidated.ts";
import { layoutMetadataDocuments, type WorldLayout } from "./world_layout.ts";

/** The dataset-wide facts of a run, as the manifest records them. */
export type RootFacts = DatasetFacts & Pick<Manifest, "version" | "T" | "H"> & {
  /** The worlds, in the manifest's order. */
  worlds: readonly string[];
};

/**
 * The attributes of the root group: `dataset_version`, `generator` (`name`,
 * `version`, `runtime`), `storage` (`zarr_format`, `dtype`, `codec`), `T`,
 * `H` and `worlds`. Other attributes (such as `params_parquet`) may be
 * added next to these.
 *
 * @param facts The facts (from the manifest being written, or the recorded one).
 * @returns The attributes.
 *
 * @example
 * ```ts
 * import { rootAttributes } from "./root_group.ts";
 * import assert from "node:assert/strict";
 * const attrs = rootAttributes({
 *   version: "1.0.0", T: 200, H: 40, worlds: ["nk"],
 *   generator: { name: "ume-data", version: "0.1.0", runtime: "deno 2.9.6" },
 *   storage: { format: "zarr", zarr_format: 3, dtype: "float32", chunking: { axis: "sample" }, codec: { id: "blosc", cname: "zstd", clevel: 3, shuffle: "byte", typesize: 4 } },
 * });
 * assert.equal(attrs.dataset_version, "1.0.0");
 * assert.deepEqual(attrs.worlds, ["nk"]);
 * assert.equal((attrs.storage as { zarr_format: number }).zarr_format, 3);
 * ```
 */
export function rootAttributes(facts: RootFacts): Record<string, unknown> {
  return {
    dataset_version: facts.version,
    generator: { ...facts.generator },
    storage: {
      zarr_format: facts.storage.zarr_format,
      dtype: facts.storage.dtype,
      codec: { ...facts.storage.codec },
    },
    T: facts.T,
    H: facts.H,
    worlds: [...facts.worlds],
  };
}

/**
 * The facts of a manifest.
 *
 * @param manifest The manifest.
 * @returns Its dataset-wide facts.
 */
export function manifestFacts(manifest: Manifest): RootFacts {
  const { version, T, H } = manifest;
  return { ...datasetFacts(manifest), version, T, H, worlds: Object.keys(manifest.simulators) };
}

/**
 * The documents of the root group with its attributes and consolidated
 * metadata over every document of the worlds.
 *
 * @param layouts Every world's layout (all in one format).
 * @param attributes The root attributes ({@link rootAttributes}).
 * @returns The root's documents by key (`zarr.json`; or `.zgroup`, `.zattrs`, `.zmetadata`).
 *
 * @example The root of a one-world v2 dataset
 * ```ts
 * import { rootDocuments } from "./root_group.ts";
 * import { worldLayout } from "./world_layout.ts";
 * import assert from "node:assert/strict";
 * const layout = worldLayout("nk", { nSamples: 4, T: 3, H: 1, nShocks: 1, nParams: 1, zarrFormat: 2 });
 * const docs = rootDocuments([layout], { worlds: ["nk"] });
 * const z = JSON.parse(new TextDecoder().decode(docs[".zmetadata"]));
 * assert.ok("nk/theta.zarr/.zarray" in z.metadata && ".zattrs" in z.metadata);
 * ```
 */
export function rootDocuments(
  layouts: readonly WorldLayout[],
  attributes: Readonly<Record<string, unknown>>,
): Record<string, Uint8Array> {
  if (layouts.length === 0) throw new TypeError("A dataset root needs at least one world");
  const root: GroupSpec = { path: "", zarrFormat: layouts[0].zarrFormat, attributes };
  return consolidatedGroupDocuments(
    root,
    Object.assign({}, ...layouts.map(layoutMetadataDocuments)),
  );
}
