/**
 * Read datasets: open a dataset (`openDataset`: its worlds, arrays,
 * coordinates, root attributes and manifest) and load selected samples of a
 * world (a range, indices or one split by name) as typed arrays with the
 * coordinates of their dimensions (`loadDataset`). Works for
 * Zarr v3 and v2: the metadata is parsed here into array specs (which carry
 * the codec and key separator zarrita does not expose), and the chunks are
 * read and decoded by zarrita (`readSamples`).
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { openStore } from "../store/open_store.ts";
import { StoreError } from "../store/store_error.ts";
import type { ArraySpec } from "../zarr/array_spec.ts";
import type { DataType, NumericArray } from "../zarr/data_type.ts";
import { joinKey, readArraySpec, readGroupSpec } from "../zarr/metadata.ts";
import { readManifest } from "../manifest/manifest_io.ts";
import type { Manifest } from "../manifest/types.ts";
import { parseSplitsJson } from "../splits.ts";
import { COORDINATE_NAMES, decodeCoordinate } from "./coordinates.ts";
import { readSamples, resolveSelection } from "./read_samples.ts";
import { MAIN_ARRAYS } from "./world_layout.ts";
import { parseMetadataJson } from "../zarr/metadata_json.ts";

/** The labels along each dimension of a group, by dimension name. */
export type Coordinates = Record<string, string[] | number[]>;

/** One world of a dataset. */
export interface WorldInfo {
  /** The world id (its folder). */
  id: string;
  /** On-disk format of the world group. */
  zarrFormat: 2 | 3;
  /** Attributes of the world group. */
  attributes: Record<string, unknown>;
  /** Number of samples (axis 0 of the arrays). */
  nSamples: number;
  /** The arrays directly in the world folder, by name without `.zarr`. */
  arrays: Record<string, ArraySpec>;
  /** The arrays of `metadata.zarr`, by field name. */
  metadata: Record<string, ArraySpec>;
  /** The coordinates of the world group, by dimension (names or indices). */
  coordinates: Coordinates;
}

/** An open dataset: what {@link openDataset} finds. */
export interface Dataset {
  /** The store URL. */
  url: string;
  /** Attributes of the root group (dataset-wide facts: version, generator, ...). */
  attributes: Record<string, unknown>;
  /** The parsed `manifest.json` (not validated; `validate` checks it), if there is one. */
  manifest: Manifest | undefined;
  /** The worlds, by id, sorted. */
  worlds: Record<string, WorldInfo>;
}

/** What {@link openDataset} finds (the former name of {@link Dataset}). */
export type DatasetInfo = Dataset;

/** Options of {@link loadDataset}. */
export interface LoadOptions {
  /** Samples `[start, end)` to load (default: all). Exclusive with `indices`. */
  range?: readonly [number, number];
  /** Sample indices to load, in the order wanted. Exclusive with `range` and `split`. */
  indices?: readonly number[];
  /** Load the samples of one split, by name (`train`, `val`, ...), from `<world>/splits.json`. */
  split?: string;
  /** Which arrays to load (default `trajectories`, `irfs`, `shocks`, `theta`). */
  arrays?: readonly string[];
  /** Load the metadata arrays: `true` (default) for all, `false`, or a list of fields. */
  metadata?: boolean | readonly string[];
  /** Chunks fetched at once per array (default 8). */
  concurrency?: number;
}

/** One loaded array. */
export interface LoadedArray {
  /** The values, row-major. */
  data: NumericArray;
  /** Shape: `(selected samples, ...)`. */
  shape: number[];
  /** Storage data type. */
  dtype: DataType;
  /** One name per axis. */
  dimensionNames: string[];
  /** The array's attributes. */
  attributes: Record<string, unknown>;
}

/** What {@link loadDataset} returns. */
export interface LoadedWorld {
  /** The world id. */
  worldId: string;
  /** Number of samples of the whole world. */
  nSamples: number;
  /** Number of samples loaded (axis 0 of every loaded array). */
  count: number;
  /** The loaded range, when the selection was a range. */
  range?: [number, number];
  /** The loaded indices, when the selection was an index list. */
  indices?: number[];
  /** The main arrays, by name (`trajectories`, `irfs`, `shocks`, `theta`). */
  arrays: Record<string, LoadedArray>;
  /** The metadata arrays, by field name. */
  metadata: Record<string, LoadedArray>;
  /**
   * The coordinates of the loaded arrays' dimensions, by name; `sample`
   * holds the loaded samples' indices.
   */
  coordinates: Coordinates;
  /** Attributes of the world group. */
  attributes: Record<string, unknown>;
}

/**
 * Read the coordinate arrays of a group, for the given dimension names
 * (those without a coordinate are left out).
 *
 * @param store The store.
 * @param group The group path (`nk`, `nk/metadata.zarr`).
 * @param dimensions Dimension names.
 * @returns The labels by dimension.
 *
 * @example The labels of a written world
 * ```ts
 * import { readCoordinates } from "./reader.ts";
 * import { worldLayout, writeLayoutMetadata } from "./world_layout.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await writeLayoutMetadata(store, worldLayout("w", { nSamples: 2, T: 3, H: 1, nShocks: 1, nParams: 1, labels: { shocks: ["m"] } }));
 * assert.deepEqual(await readCoordinates(store, "w", ["shock", "time", "nope"]), { shock: ["m"], time: [0, 1, 2] });
 * ```
 */
export async function readCoordinates(
  store: ByteStore,
  group: string,
  dimensions: Iterable<string>,
): Promise<Coordinates> {
  const names = [...new Set(dimensions)].filter((d) => COORDINATE_NAMES.has(d));
  const found = await Promise.all(names.map(async (d) => {
    const path = joinKey(group, d);
    const v3 = await store.get(joinKey(path, "zarr.json"));
    const [format, metaBytes] = v3 !== undefined
      ? [3 as const, v3]
      : [2 as const, await store.get(joinKey(path, ".zarray"))];
    if (metaBytes === undefined) return undefined;
    const meta = parseMetadataJson(new TextDecoder().decode(metaBytes)) as Record<string, unknown>;
    const chunk = await store.get(joinKey(path, format === 3 ? "c/0" : "0"));
    return [d, decodeCoordinate(format, meta, chunk)] as const;
  }));
  return Object.fromEntries(found.filter((x) => x !== undefined));
}

async function withStore<T>(
  storeOrPath: ByteStore | string,
  fn: (store: ByteStore) => Promise<T>,
): Promise<T> {
  if (typeof storeOrPath !== "string") return await fn(storeOrPath);
  const store = await openStore(storeOrPath);
  try {
    return await fn(store);
  } finally {
    await store.close?.();
  }
}

const METADATA_KEY = /^(.*)\/(zarr\.json|\.zarray|\.zgroup)$/;

/**
 * List the worlds of a dataset and their arrays (shapes, dtypes, chunks,
 * dimension names, attributes). A world is a top-level Zarr group.
 *
 * @param storeOrPath A store, or a path / URL for `openStore`.
 * @returns The worlds and their arrays.
 *
 * @example List a freshly written world
 * ```ts
 * import { DatasetWriter } from "./dataset_writer.ts";
 * import { openDataset } from "./reader.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await DatasetWriter.create({ location: store, worldId: "var", nSamples: 4, T: 5, H: 2, nParams: 3, nShocks: 3 });
 * const info = await openDataset(store);
 * assert.deepEqual(Object.keys(info.worlds), ["var"]);
 * assert.deepEqual(info.worlds.var.arrays.shocks.shape, [4, 5, 3]);
 * ```
 */
export function openDataset(storeOrPath: ByteStore | string): Promise<Dataset> {
  return withStore(storeOrPath, async (store) => {
    const keys = await store.list("");
    const nodes = new Set<string>();
    for (const key of keys) {
      const match = METADATA_KEY.exec(key);
      if (match !== null) nodes.add(match[1]);
    }
    const worldIds = [...nodes].filter((path) => !path.includes("/")).sort();
    const worlds: Record<string, WorldInfo> = {};
    for (const id of worldIds) {
      const group = await readGroupSpec(store, id);
      if (group === undefined) continue;
      const arrays: Record<string, ArraySpec> = {};
      const metadata: Record<string, ArraySpec> = {};
      const children = [...nodes].filter((p) => p.startsWith(`${id}/`)).sort();
      const isCoordinate = (path: string): boolean =>
        COORDINATE_NAMES.has(path.slice(path.lastIndexOf("/") + 1));
      const specs = await Promise.all(
        children.map((path) => isCoordinate(path) ? undefined : readArraySpec(store, path)),
      );
      children.forEach((path, k) => {
        const spec = specs[k];
        if (spec === undefined) return;
        const rest = path.slice(id.length + 1);
        if (!rest.includes("/")) arrays[rest.replace(/\.zarr$/, "")] = spec;
        else if (rest.startsWith("metadata.zarr/") && rest.split("/").length === 2) {
          metadata[rest.slice("metadata.zarr/".length)] = spec;
        }
      });
      const dims = Object.values(arrays).flatMap((a) => a.dimensionNames);
      const coordinates = await readCoordinates(store, id, dims);
      const first = arrays.theta ?? Object.values(arrays)[0];
      worlds[id] = {
        id,
        zarrFormat: group.zarrFormat,
        attributes: { ...group.attributes },
        nSamples: first?.shape[0] ?? 0,
        arrays,
        metadata,
        coordinates,
      };
    }
    const root = await readGroupSpec(store, "");
    const manifest = await readManifest(store, { validate: false });
    return { url: store.url, attributes: { ...root?.attributes }, manifest, worlds };
  });
}

/**
 * Load selected samples of one world as typed arrays, reading only the
 * chunks that hold them. A missing chunk is an error (StoreError
 * `NOT_FOUND`), never silently filled; a chunk that does not decode is
 * StoreError `CORRUPT`; both name the chunk's key.
 *
 * @param storeOrPath A store, or a path / URL for `openStore`.
 * @param world The world id.
 * @param options The selection (`range`, `indices` or `split`), arrays, metadata.
 * @returns The arrays and metadata arrays with their shapes, the coordinates
 *   of their dimensions and the world's attributes.
 *
 * @example Load two samples of a written world
 * ```ts
 * import { DatasetWriter } from "./dataset_writer.ts";
 * import { loadDataset } from "./reader.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const writer = await DatasetWriter.create({ location: store, worldId: "rbc", nSamples: 3, T: 2, H: 1, nParams: 1, nShocks: 1 });
 * await writer.writeBatch(0, {
 *   theta: [10, 11, 12], trajectories: new Float64Array(18), irfs: new Float64Array(18), shocks: new Float64Array(6),
 * });
 * await writer.finalize();
 * const loaded = await loadDataset(store, "rbc", { indices: [2, 0] });
 * assert.deepEqual(Array.from(loaded.arrays.theta.data), [12, 10]);
 * assert.deepEqual(loaded.arrays.trajectories.shape, [2, 2, 3]);
 * assert.deepEqual(loaded.coordinates.sample, [2, 0]);
 * assert.deepEqual(loaded.coordinates.observable, ["output", "inflation", "rate"]);
 * ```
 */
export function loadDataset(
  storeOrPath: ByteStore | string,
  world: string,
  options: LoadOptions = {},
): Promise<LoadedWorld> {
  return withStore(storeOrPath, async (store) => {
    const group = await readGroupSpec(store, world);
    if (group === undefined) {
      throw new StoreError(
        "NOT_FOUND",
        `Cannot load world "${world}" from "${store.url}": no such world group`,
      );
    }
    const names = options.arrays ?? MAIN_ARRAYS;
    const arraySpecs = await Promise.all(names.map(async (name) => {
      const spec = await readArraySpec(store, `${world}/${name}.zarr`);
      if (spec === undefined) {
        throw new StoreError(
          "NOT_FOUND",
          `Cannot load world "${world}" from "${store.url}": no array "${name}"`,
        );
      }
      return spec;
    }));
    let metaSpecs: ArraySpec[] = [];
    let metaNames: string[] = [];
    if (options.metadata !== false) {
      const prefix = `${world}/metadata.zarr/`;
      const available = new Set<string>();
      for (const key of await store.list(prefix)) {
        const match = /^([^/]+)\/(zarr\.json|\.zarray)$/.exec(key.slice(prefix.length));
        if (match !== null) available.add(match[1]);
      }
      for (const name of COORDINATE_NAMES) available.delete(name);
      metaNames = options.metadata === undefined || options.metadata === true
        ? [...available].sort()
        : [...options.metadata];
      for (const name of metaNames) {
        if (!available.has(name)) {
          throw new StoreError(
            "NOT_FOUND",
            `Cannot load world "${world}" from "${store.url}": no metadata array "${name}"`,
          );
        }
      }
      metaSpecs = await Promise.all(
        metaNames.map(async (name) => (await readArraySpec(store, `${prefix}${name}`))!),
      );
    }
    const all = [...arraySpecs, ...metaSpecs];
    const nSamples = all.length > 0 ? all[0].shape[0] : 0;
    for (const spec of all) {
      if (spec.shape[0] !== nSamples) {
        throw new StoreError(
          "CORRUPT",
          `Cannot load world "${world}" from "${store.url}": "${spec.path}" has ${
            spec.shape[0]
          } samples, "${all[0].path}" has ${nSamples}`,
        );
      }
    }
    let choice: { range?: readonly [number, number]; indices?: readonly number[] } = options;
    if (options.split !== undefined) {
      if (options.range !== undefined || options.indices !== undefined) {
        throw new TypeError("Invalid selection: give one of range, indices and split");
      }
      const bytes = await store.get(`${world}/splits.json`);
      if (bytes === undefined) {
        throw new StoreError(
          "NOT_FOUND",
          `Cannot load split "${options.split}" of world "${world}" from "${store.url}": no ${world}/splits.json`,
        );
      }
      const splits = parseSplitsJson(new TextDecoder().decode(bytes));
      const indices = splits[options.split];
      if (indices === undefined) {
        throw new TypeError(
          `Invalid split "${options.split}" of world "${world}": the splits are ${
            Object.keys(splits).join(", ")
          }`,
        );
      }
      choice = { indices: Array.from(indices) };
    }
    const selection = resolveSelection(nSamples, choice);
    const count = "range" in selection
      ? selection.range[1] - selection.range[0]
      : selection.indices.length;
    const datas = await Promise.all(
      all.map((spec) =>
        readSamples(store, spec, { ...selection, concurrency: options.concurrency })
      ),
    );
    const loaded = all.map((spec, k): LoadedArray => ({
      data: datas[k],
      shape: [count, ...spec.shape.slice(1)],
      dtype: spec.dtype,
      dimensionNames: [...spec.dimensionNames],
      attributes: { ...spec.attributes },
    }));
    const arrays: Record<string, LoadedArray> = {};
    names.forEach((name, k) => (arrays[name] = loaded[k]));
    const metadata: Record<string, LoadedArray> = {};
    metaNames.forEach((name, k) => (metadata[name] = loaded[names.length + k]));
    const dims = all.flatMap((spec) => spec.dimensionNames).filter((d) => d !== "sample");
    const coordinates: Coordinates = {
      sample: "range" in selection
        ? Array.from({ length: count }, (_, i) => selection.range[0] + i)
        : [...selection.indices],
      ...await readCoordinates(store, world, dims.filter((d) => !d.startsWith("dim_"))),
    };
    const missing = dims.filter((d) => !(d in coordinates));
    if (missing.length > 0) {
      Object.assign(coordinates, await readCoordinates(store, `${world}/metadata.zarr`, missing));
    }
    return {
      worldId: world,
      nSamples,
      count,
      ...("range" in selection ? { range: selection.range } : { indices: selection.indices }),
      arrays,
      metadata,
      coordinates,
      attributes: { ...group.attributes },
    };
  });
}
