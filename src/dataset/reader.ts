/**
 * Read datasets: list the worlds and arrays of a store (`openDataset`) and
 * load selected samples of a world as typed arrays (`loadDataset`). Works for
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
import { readArraySpec, readGroupSpec } from "../zarr/metadata.ts";
import { readSamples, resolveSelection } from "./read_samples.ts";
import { MAIN_ARRAYS } from "./world_layout.ts";

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
}

/** What {@link openDataset} finds. */
export interface DatasetInfo {
  /** The store URL. */
  url: string;
  /** The worlds, by id, sorted. */
  worlds: Record<string, WorldInfo>;
}

/** Options of {@link loadDataset}. */
export interface LoadOptions {
  /** Samples `[start, end)` to load (default: all). Exclusive with `indices`. */
  range?: readonly [number, number];
  /** Sample indices to load, in the order wanted (e.g. one split). */
  indices?: readonly number[];
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
export function openDataset(storeOrPath: ByteStore | string): Promise<DatasetInfo> {
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
      const specs = await Promise.all(children.map((path) => readArraySpec(store, path)));
      children.forEach((path, k) => {
        const spec = specs[k];
        if (spec === undefined) return;
        const rest = path.slice(id.length + 1);
        if (!rest.includes("/")) arrays[rest.replace(/\.zarr$/, "")] = spec;
        else if (rest.startsWith("metadata.zarr/") && rest.split("/").length === 2) {
          metadata[rest.slice("metadata.zarr/".length)] = spec;
        }
      });
      const first = arrays.theta ?? Object.values(arrays)[0];
      worlds[id] = {
        id,
        zarrFormat: group.zarrFormat,
        attributes: { ...group.attributes },
        nSamples: first?.shape[0] ?? 0,
        arrays,
        metadata,
      };
    }
    return { url: store.url, worlds };
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
 * @param options The selection (`range` or `indices`), arrays, metadata.
 * @returns The arrays and metadata arrays with their shapes.
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
    const selection = resolveSelection(nSamples, options);
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
    return {
      worldId: world,
      nSamples,
      count,
      ...("range" in selection ? { range: selection.range } : { indices: selection.indices }),
      arrays,
      metadata,
    };
  });
}
