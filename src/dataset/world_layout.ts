/**
 * The arrays and groups of one world of a dataset:
 *
 * ```
 * <world>/                      group
 * <world>/trajectories.zarr     (n, T, nObs)          float32
 * <world>/irfs.zarr             (n, nShocks, H+1, nObs) float32
 * <world>/shocks.zarr           (n, T, nShocks)       float32
 * <world>/theta.zarr            (n, nParams)          float32
 * <world>/metadata.zarr/        group of (n, ...shape) arrays, one per field
 * <world>/<dim>, <world>/metadata.zarr/<dim>   coordinates: one per dimension
 * ```
 *
 * The four main arrays are float32, or float64 with the `dtype` option.
 * Every group carries consolidated metadata over everything below it
 * (`src/zarr/consolidated.ts`), written after the documents it copies.
 *
 * Every array of a world has the same samples per chunk, so a worker that
 * owns a chunk-aligned sample range owns whole chunks of every array.
 *
 * @module
 */

import { CANONICAL_OBSERVABLES, type MetaFieldSpec } from "../simulators/types.ts";
import type { ByteStore } from "../store/byte_store.ts";
import {
  type ArraySpec,
  arraySpec,
  DEFAULT_ZARR_FORMAT,
  type GroupSpec,
} from "../zarr/array_spec.ts";
import { consolidatedGroupDocuments } from "../zarr/consolidated.ts";
import { dataTypeInfo } from "../zarr/data_type.ts";
import { DEFAULT_STORED_DTYPE, isStoredDtype, type StoredDtype } from "../numeric/quantize.ts";
import { arrayMetadataDocuments, readGroupSpec, writeGroupMetadata } from "../zarr/metadata.ts";
import {
  COORDINATE_NAMES,
  coordinateChunk,
  coordinateDocuments,
  type CoordinateSpec,
  coordinateSpec,
} from "./coordinates.ts";

/** The four arrays every world has. */
export type MainArrayName = "trajectories" | "irfs" | "shocks" | "theta";

/** The four arrays every world has, in canonical order. */
export const MAIN_ARRAYS: readonly MainArrayName[] = ["trajectories", "irfs", "shocks", "theta"];

/** The IRF convention recorded in the attributes of `irfs`. */
export const IRF_CONVENTION =
  "IRF[h] = y_shocked[h] - y_baseline[h]; the shock hits at t = 0, IRF[0] is the impact effect; h = 0, ..., H";

/** The default target size of one raw chunk: 1 MiB. */
export const DEFAULT_CHUNK_BYTES: number = 1 << 20;

/** Dimension names of the main arrays, by array. */
export const MAIN_DIMENSIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  trajectories: ["sample", "time", "observable"],
  irfs: ["sample", "shock", "horizon", "observable"],
  shocks: ["sample", "time", "shock"],
  theta: ["sample", "param"],
});

/** Options of {@link worldLayout}. */
export interface WorldLayoutOptions {
  /** Number of samples. */
  nSamples: number;
  /** Trajectory length. */
  T: number;
  /** IRF horizon (the arrays hold `H + 1` horizons). */
  H: number;
  /** Number of shocks. */
  nShocks: number;
  /** Number of parameters. */
  nParams: number;
  /** Number of observables (default 3). */
  nObs?: number;
  /** Per-sample metadata arrays (default none). */
  metadataFields?: readonly MetaFieldSpec[];
  /** Samples per chunk (default {@link defaultChunkSamples}: ~1 MiB chunks). */
  chunkSamples?: number;
  /** On-disk format (default 3). */
  zarrFormat?: 2 | 3;
  /** Data type of the four main arrays (default float32; float64 is the debug option). */
  dtype?: StoredDtype;
  /** Extra attributes of the world group. */
  attributes?: Readonly<Record<string, unknown>>;
  /**
   * Names along the labelled axes, stored as attributes: `observables`
   * (default `output, inflation, rate` when `nObs` is 3), `shocks`, `params`.
   */
  labels?: {
    observables?: readonly string[];
    shocks?: readonly string[];
    params?: readonly string[];
  };
  /** The IRF convention text (default {@link IRF_CONVENTION}). */
  irfConvention?: string;
}

/** Every array and group of one world. */
export interface WorldLayout {
  /** The world id (the top-level folder). */
  readonly worldId: string;
  /** Number of samples. */
  readonly nSamples: number;
  /** Samples per chunk, the same for every array. */
  readonly chunkSamples: number;
  /** On-disk format. */
  readonly zarrFormat: 2 | 3;
  /** The root group (written only if absent, shared by the worlds). */
  readonly root: GroupSpec;
  /** The world group `<world>/`. */
  readonly group: GroupSpec;
  /** The metadata group `<world>/metadata.zarr/`. */
  readonly metadataGroup: GroupSpec;
  /** The four main arrays. */
  readonly arrays: Readonly<Record<MainArrayName, ArraySpec>>;
  /** The metadata arrays, by field name, in field order. */
  readonly metadata: Readonly<Record<string, ArraySpec>>;
  /**
   * The coordinates of the world group and of `metadata.zarr`: one per
   * dimension of the group's arrays (names for `shock`, `observable`,
   * `param` when the layout has them, indices otherwise).
   */
  readonly coordinates: readonly CoordinateSpec[];
}

const NAME = /^[A-Za-z0-9_-]+$/;

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`Invalid ${name}: ${value} is not an integer >= ${min}`);
  }
}

function checkLabels(what: string, labels: readonly string[] | undefined, n: number): void {
  if (labels !== undefined && labels.length !== n) {
    throw new TypeError(`Invalid ${what} labels: ${labels.length} names for ${n} entries`);
  }
}

/**
 * Samples per chunk for ~`targetBytes` raw chunks of the largest per-sample
 * array: `floor(targetBytes / largestSampleBytes)`, at least 1, at most
 * `nSamples` when given.
 *
 * @param largestSampleBytes Raw bytes of one sample of the largest array.
 * @param options `nSamples` (cap), `targetBytes` (default 1 MiB).
 * @returns Samples per chunk.
 *
 * @example nk-sized trajectories (T = 200, 3 float32 observables)
 * ```ts
 * import { defaultChunkSamples } from "./world_layout.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultChunkSamples(200 * 3 * 4), 436);
 * assert.equal(defaultChunkSamples(2400, { nSamples: 100 }), 100);
 * ```
 */
export function defaultChunkSamples(
  largestSampleBytes: number,
  options: { nSamples?: number; targetBytes?: number } = {},
): number {
  const target = options.targetBytes ?? DEFAULT_CHUNK_BYTES;
  checkCount("targetBytes", target, 1);
  let samples = largestSampleBytes > 0
    ? Math.max(1, Math.floor(target / largestSampleBytes))
    : target;
  if (options.nSamples !== undefined) samples = Math.max(1, Math.min(samples, options.nSamples));
  return samples;
}

/**
 * The specs of every array and group of one world.
 *
 * @param worldId The world id, a folder name (`[A-Za-z0-9_-]+`).
 * @param options Sizes, metadata fields, chunking, format, attributes, labels.
 * @returns The layout.
 *
 * @example The nk layout
 * ```ts
 * import { worldLayout } from "./world_layout.ts";
 * import assert from "node:assert/strict";
 * const layout = worldLayout("nk", { nSamples: 1000, T: 200, H: 40, nShocks: 3, nParams: 8 });
 * assert.deepEqual(layout.arrays.irfs.shape, [1000, 3, 41, 3]);
 * assert.deepEqual(layout.arrays.irfs.dimensionNames, ["sample", "shock", "horizon", "observable"]);
 * assert.equal(layout.arrays.theta.path, "nk/theta.zarr");
 * assert.equal(layout.arrays.theta.chunks[0], layout.chunkSamples);
 * ```
 */
export function worldLayout(worldId: string, options: WorldLayoutOptions): WorldLayout {
  if (typeof worldId !== "string" || !NAME.test(worldId)) {
    throw new TypeError(`Invalid world id "${worldId}": expected letters, digits, "_" or "-"`);
  }
  const { nSamples, T, H, nShocks, nParams } = options;
  const nObs = options.nObs ?? 3;
  checkCount("nSamples", nSamples, 1);
  checkCount("T", T, 1);
  checkCount("H", H, 0);
  checkCount("nShocks", nShocks, 0);
  checkCount("nParams", nParams, 0);
  checkCount("nObs", nObs, 1);
  const zarrFormat = options.zarrFormat ?? DEFAULT_ZARR_FORMAT;
  if (zarrFormat !== 2 && zarrFormat !== 3) {
    throw new RangeError(`Invalid zarrFormat: ${zarrFormat}, expected 2 or 3`);
  }
  const fields = options.metadataFields ?? [];
  const seen = new Set<string>();
  for (const field of fields) {
    if (typeof field.name !== "string" || !/^[A-Za-z0-9_]+$/.test(field.name)) {
      throw new TypeError(
        `Invalid metadata field name "${field.name}": expected letters, digits or "_"`,
      );
    }
    if (seen.has(field.name)) throw new TypeError(`Duplicate metadata field "${field.name}"`);
    if (COORDINATE_NAMES.has(field.name)) {
      throw new TypeError(
        `Invalid metadata field name "${field.name}": it is the name of a coordinate`,
      );
    }
    seen.add(field.name);
    dataTypeInfo(field.dtype);
    if (field.dims.length !== field.shape.length) {
      throw new TypeError(
        `Invalid metadata field "${field.name}": ${field.dims.length} dims for ${field.shape.length} axes`,
      );
    }
    for (const n of field.shape) checkCount(`shape of metadata field "${field.name}"`, n, 0);
  }
  const labels = options.labels ?? {};
  const observables = labels.observables ?? (nObs === 3 ? CANONICAL_OBSERVABLES : undefined);
  checkLabels("observable", observables, nObs);
  checkLabels("shock", labels.shocks, nShocks);
  checkLabels("parameter", labels.params, nParams);

  const dtype = options.dtype ?? DEFAULT_STORED_DTYPE;
  if (!isStoredDtype(dtype)) {
    throw new RangeError(`Invalid dtype: ${dtype}, expected float32 or float64`);
  }
  const item = dataTypeInfo(dtype).itemSize;
  const sampleBytes = [
    T * nObs * item,
    nShocks * (H + 1) * nObs * item,
    T * nShocks * item,
    nParams * item,
  ];
  for (const field of fields) {
    sampleBytes.push(field.shape.reduce((a, b) => a * b, 1) * dataTypeInfo(field.dtype).itemSize);
  }
  const chunkSamples = options.chunkSamples ??
    defaultChunkSamples(Math.max(...sampleBytes), { nSamples });
  checkCount("chunkSamples", chunkSamples, 1);

  const base = { world_id: worldId };
  const withLabels = (extra: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = [...(v as string[])];
    return out;
  };
  const common = { chunkSamples, dtype, zarrFormat };
  const arrays: Record<MainArrayName, ArraySpec> = {
    trajectories: arraySpec(`${worldId}/trajectories.zarr`, {
      ...common,
      shape: [nSamples, T, nObs],
      dimensionNames: MAIN_DIMENSIONS.trajectories,
      attributes: withLabels({ observables }),
    }),
    irfs: arraySpec(`${worldId}/irfs.zarr`, {
      ...common,
      shape: [nSamples, nShocks, H + 1, nObs],
      dimensionNames: MAIN_DIMENSIONS.irfs,
      attributes: {
        ...withLabels({ shocks: labels.shocks, observables }),
        irf_convention: options.irfConvention ?? IRF_CONVENTION,
      },
    }),
    shocks: arraySpec(`${worldId}/shocks.zarr`, {
      ...common,
      shape: [nSamples, T, nShocks],
      dimensionNames: MAIN_DIMENSIONS.shocks,
      attributes: {
        ...withLabels({ shocks: labels.shocks }),
        units: "N(0, 1) standard deviations",
      },
    }),
    theta: arraySpec(`${worldId}/theta.zarr`, {
      ...common,
      shape: [nSamples, nParams],
      dimensionNames: MAIN_DIMENSIONS.theta,
      attributes: { ...withLabels({ params: labels.params }), units: "natural" },
    }),
  };
  const metadata: Record<string, ArraySpec> = {};
  for (const field of fields) {
    metadata[field.name] = arraySpec(`${worldId}/metadata.zarr/${field.name}`, {
      shape: [nSamples, ...field.shape],
      chunkSamples,
      dtype: field.dtype,
      zarrFormat,
      dimensionNames: ["sample", ...field.dims],
      attributes: { ...base, description: field.description },
    });
  }
  const names: Record<string, readonly string[] | undefined> = {
    observable: observables,
    shock: labels.shocks,
    param: labels.params,
  };
  const coordinatesOf = (group: string, specs: ArraySpec[]): CoordinateSpec[] => {
    const sizes = new Map<string, number>();
    for (const spec of specs) spec.dimensionNames.forEach((d, k) => sizes.set(d, spec.shape[k]));
    return [...sizes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([d, n]) =>
      coordinateSpec(group, d, n, zarrFormat, names[d])
    );
  };
  const coordinates = [
    ...coordinatesOf(worldId, Object.values(arrays)),
    ...coordinatesOf(`${worldId}/metadata.zarr`, Object.values(metadata)),
  ];
  return {
    worldId,
    nSamples,
    chunkSamples,
    zarrFormat,
    coordinates,
    root: { path: "", zarrFormat, attributes: {} },
    group: { path: worldId, zarrFormat, attributes: { ...base, ...(options.attributes ?? {}) } },
    metadataGroup: { path: `${worldId}/metadata.zarr`, zarrFormat, attributes: { ...base } },
    arrays,
    metadata,
  };
}

/**
 * Every array of a layout: the four main arrays, then the metadata arrays.
 *
 * @param layout The layout.
 * @returns The array specs, in a fixed order.
 *
 * @example Count the arrays
 * ```ts
 * import { layoutArrays, worldLayout } from "./world_layout.ts";
 * import assert from "node:assert/strict";
 * const layout = worldLayout("zlb", {
 *   nSamples: 10, T: 20, H: 5, nShocks: 3, nParams: 4,
 *   metadataFields: [{ name: "binding_flags", dtype: "uint8", shape: [20], dims: ["time"], description: "ZLB binds" }],
 * });
 * assert.deepEqual(layoutArrays(layout).map((a) => a.path).at(-1), "zlb/metadata.zarr/binding_flags");
 * ```
 */
export function layoutArrays(layout: WorldLayout): ArraySpec[] {
  return [...MAIN_ARRAYS.map((name) => layout.arrays[name]), ...Object.values(layout.metadata)];
}

/**
 * Every metadata document of a world (its group, its metadata group, every
 * array and coordinate; not the root group), by store key: the one
 * definition of which documents a world has and what they say. The groups'
 * documents carry consolidated metadata over everything below them.
 *
 * @param layout The layout.
 * @returns The documents (`zarr.json` for v3; `.zgroup`, `.zarray`, `.zattrs`,
 *   `.zmetadata` for v2).
 *
 * @example The documents of a v2 world
 * ```ts
 * import { layoutMetadataDocuments, worldLayout } from "./world_layout.ts";
 * import assert from "node:assert/strict";
 * const layout = worldLayout("rbc", { nSamples: 5, T: 10, H: 4, nShocks: 2, nParams: 9, zarrFormat: 2 });
 * const keys = Object.keys(layoutMetadataDocuments(layout));
 * assert.ok(keys.includes("rbc/.zgroup") && keys.includes("rbc/theta.zarr/.zattrs"));
 * assert.ok(keys.includes("rbc/.zmetadata") && keys.includes("rbc/shock/.zarray"));
 * assert.ok(!keys.includes(".zgroup"));
 * ```
 */
export function layoutMetadataDocuments(layout: WorldLayout): Record<string, Uint8Array> {
  const { members, groups } = layoutDocumentsByPhase(layout);
  return { ...members, ...groups };
}

/** The world's documents: those of its arrays and coordinates, then those of its groups. */
function layoutDocumentsByPhase(
  layout: WorldLayout,
): { members: Record<string, Uint8Array>; groups: Record<string, Uint8Array> } {
  const members: Record<string, Uint8Array> = Object.assign(
    {},
    ...layoutArrays(layout).map(arrayMetadataDocuments),
    ...layout.coordinates.map(coordinateDocuments),
  );
  const metadataGroup = consolidatedGroupDocuments(layout.metadataGroup, members);
  const group = consolidatedGroupDocuments(layout.group, { ...members, ...metadataGroup });
  return { members, groups: { ...metadataGroup, ...group } };
}

/**
 * The chunk of every coordinate of a world, by store key (its bytes are a
 * function of the layout, like the documents).
 *
 * @param layout The layout.
 * @returns The chunks.
 *
 * @example
 * ```ts
 * import { layoutCoordinateChunks, worldLayout } from "./world_layout.ts";
 * import assert from "node:assert/strict";
 * const layout = worldLayout("nk", { nSamples: 5, T: 10, H: 4, nShocks: 3, nParams: 8 });
 * assert.ok("nk/sample/c/0" in layoutCoordinateChunks(layout));
 * ```
 */
export function layoutCoordinateChunks(layout: WorldLayout): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const c of layout.coordinates) {
    const chunk = coordinateChunk(c);
    if (chunk !== undefined) out[chunk.key] = chunk.bytes;
  }
  return out;
}

/**
 * Write the metadata of every group and array of a world and the
 * coordinates (the root group only if the store has none yet); the
 * groups' documents, which consolidate the others, last. Chunks of the
 * arrays are written separately.
 *
 * @param store The store.
 * @param layout The layout.
 * @returns When everything is written.
 *
 * @example Write a world's metadata
 * ```ts
 * import { worldLayout, writeLayoutMetadata } from "./world_layout.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await writeLayoutMetadata(store, worldLayout("var", { nSamples: 5, T: 10, H: 4, nShocks: 3, nParams: 12 }));
 * assert.ok((await store.list()).includes("var/irfs.zarr/zarr.json"));
 * assert.ok((await store.list()).includes("var/metadata.zarr/zarr.json"));
 * assert.ok((await store.list()).includes("var/shock/c/0"));
 * ```
 */
export async function writeLayoutMetadata(store: ByteStore, layout: WorldLayout): Promise<void> {
  if (await readGroupSpec(store, "") === undefined) await writeGroupMetadata(store, layout.root);
  const { members, groups } = layoutDocumentsByPhase(layout);
  const first = { ...members, ...layoutCoordinateChunks(layout) };
  await Promise.all(Object.entries(first).map(([key, bytes]) => store.set(key, bytes)));
  await Promise.all(Object.entries(groups).map(([key, bytes]) => store.set(key, bytes)));
}
