/**
 * Zarr v3 (`zarr.json`) and v2 (`.zarray`, `.zattrs`, `.zgroup`) metadata:
 * writing the documents of an array or group spec and parsing them back.
 *
 * camelCase specs map to the spec's snake_case JSON here and nowhere else.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { StoreError } from "../store/store_error.ts";
import { type ArraySpec, checkNodePath, type GroupSpec } from "./array_spec.ts";
import { type BloscConfig, type BloscShuffle, NUMCODECS_TYPESIZE } from "./blosc.ts";
import { type DataType, dataTypeFromV2, dataTypeInfo, isDataType } from "./data_type.ts";
import { parseMetadataJson } from "./metadata_json.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Join a node path and a name into a store key.
 *
 * @param path A node path (`""` for the root).
 * @param name A child name or file name.
 * @returns The key.
 *
 * @example Keys at the root and below
 * ```ts
 * import { joinKey } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * assert.equal(joinKey("", "zarr.json"), "zarr.json");
 * assert.equal(joinKey("nk/theta.zarr", "zarr.json"), "nk/theta.zarr/zarr.json");
 * ```
 */
export function joinKey(path: string, name: string): string {
  return path === "" ? name : `${path}/${name}`;
}

function fillToJson(value: number | null): number | string | null {
  if (value === null) return null;
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return value;
}

function fillFromJson(value: unknown, where: string): number {
  if (typeof value === "number") return value;
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  throw new TypeError(
    `Unsupported fill value in ${where}: ${JSON.stringify(value)}, expected a number`,
  );
}

function jsonBytes(doc: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(doc, null, 2)}\n`);
}

const SHUFFLE_V2: Readonly<Record<BloscShuffle, number>> = {
  noshuffle: 0,
  shuffle: 1,
  bitshuffle: 2,
};

/** A codec entry of Zarr v3 array metadata. */
export interface CodecMetadataV3 {
  /** The codec name (`"bytes"`, `"blosc"`). */
  name: string;
  /** Its configuration, when it has one. */
  configuration?: Record<string, unknown>;
}

/** Zarr v3 array metadata (the `zarr.json` document), as this code writes it. */
export interface ArrayMetadataV3 {
  /** Always 3. */
  zarr_format: 3;
  /** Always `"array"`. */
  node_type: "array";
  /** The array shape. */
  shape: number[];
  /** The data type. */
  data_type: DataType;
  /** The regular chunk grid. */
  chunk_grid: { name: "regular"; configuration: { chunk_shape: number[] } };
  /** `"default"` keys (`c/3/0`) for a v3 array, `"v2"` keys (`3.0`) for a v2 one. */
  chunk_key_encoding: { name: "default" | "v2"; configuration: { separator: "/" | "." } };
  /** The fill value (`"NaN"`, `"Infinity"`, `"-Infinity"` as strings; `null` for a v2 array without one). */
  fill_value: number | string | null;
  /** The codec chain: `bytes`, then `blosc` if the array is compressed. */
  codecs: CodecMetadataV3[];
  /** User attributes. */
  attributes: Record<string, unknown>;
  /** One name per axis. */
  dimension_names: string[];
}

/**
 * The Zarr v3 array metadata that describes a spec: a v3 array's own
 * `zarr.json`; for a v2 array, its v3 equivalent (the `"v2"` chunk key
 * encoding names the same chunk keys, and the `blosc` codec reads the same
 * chunks). This is what the reader hands zarrita.
 *
 * @param spec The array.
 * @returns The metadata, as a JSON object.
 *
 * @example A v2 array described in v3 terms
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { arrayMetadataV3 } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("w/theta.zarr", {
 *   shape: [10, 2], chunkSamples: 4, dtype: "float32", dimensionNames: ["sample", "param"], zarrFormat: 2,
 * });
 * const metadata = arrayMetadataV3(spec);
 * assert.deepEqual(metadata.chunk_key_encoding, { name: "v2", configuration: { separator: "." } });
 * assert.equal(metadata.fill_value, "NaN");
 * assert.deepEqual(metadata.codecs.map((c) => c.name), ["bytes", "blosc"]);
 * ```
 */
export function arrayMetadataV3(spec: ArraySpec): ArrayMetadataV3 {
  const codecs: CodecMetadataV3[] = [
    dataTypeInfo(spec.dtype).itemSize === 1
      ? { name: "bytes" }
      : { name: "bytes", configuration: { endian: "little" } },
  ];
  if (spec.codec !== null) {
    const c = spec.codec;
    codecs.push({
      name: "blosc",
      configuration: {
        cname: c.cname,
        clevel: c.clevel,
        shuffle: c.shuffle,
        typesize: c.typesize,
        blocksize: c.blocksize,
      },
    });
  }
  return {
    zarr_format: 3,
    node_type: "array",
    shape: [...spec.shape],
    data_type: spec.dtype,
    chunk_grid: { name: "regular", configuration: { chunk_shape: [...spec.chunks] } },
    chunk_key_encoding: {
      name: spec.zarrFormat === 3 ? "default" : "v2",
      configuration: { separator: spec.separator },
    },
    fill_value: fillToJson(spec.fillValue),
    codecs,
    attributes: { ...spec.attributes },
    dimension_names: [...spec.dimensionNames],
  };
}

/**
 * The metadata documents of an array, by store key.
 *
 * @param spec The array.
 * @returns `{ "<path>/zarr.json": bytes }` for v3, `.zarray` and `.zattrs` for v2.
 *
 * @example The v3 document of a small array
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { arrayMetadataDocuments } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("w/theta.zarr", { shape: [10, 2], dtype: "float32", dimensionNames: ["sample", "param"] });
 * const docs = arrayMetadataDocuments(spec);
 * const json = JSON.parse(new TextDecoder().decode(docs["w/theta.zarr/zarr.json"]));
 * assert.equal(json.fill_value, "NaN");
 * assert.deepEqual(json.dimension_names, ["sample", "param"]);
 * ```
 */
export function arrayMetadataDocuments(spec: ArraySpec): Record<string, Uint8Array> {
  if (spec.zarrFormat === 3) {
    return { [joinKey(spec.path, "zarr.json")]: jsonBytes(arrayMetadataV3(spec)) };
  }
  const info = dataTypeInfo(spec.dtype);
  const compressor = spec.codec === null ? null : {
    id: "blosc",
    cname: spec.codec.cname,
    clevel: spec.codec.clevel,
    shuffle: SHUFFLE_V2[spec.codec.shuffle],
    blocksize: spec.codec.blocksize,
  };
  const zarray = {
    zarr_format: 2,
    shape: spec.shape,
    chunks: spec.chunks,
    dtype: info.v2,
    compressor,
    fill_value: fillToJson(spec.fillValue),
    order: "C",
    filters: null,
    dimension_separator: spec.separator,
  };
  const zattrs = { _ARRAY_DIMENSIONS: spec.dimensionNames, ...spec.attributes };
  return {
    [joinKey(spec.path, ".zarray")]: jsonBytes(zarray),
    [joinKey(spec.path, ".zattrs")]: jsonBytes(zattrs),
  };
}

/**
 * The metadata documents of a group, by store key.
 *
 * @param group The group.
 * @returns `{ "<path>/zarr.json": bytes }` for v3, `.zgroup` and `.zattrs` for v2.
 *
 * @example A v2 group
 * ```ts
 * import { groupMetadataDocuments } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * const docs = groupMetadataDocuments({ path: "nk", zarrFormat: 2, attributes: { world_id: "nk" } });
 * assert.deepEqual(Object.keys(docs), ["nk/.zgroup", "nk/.zattrs"]);
 * ```
 */
export function groupMetadataDocuments(group: GroupSpec): Record<string, Uint8Array> {
  checkNodePath(group.path, true);
  if (group.zarrFormat === 3) {
    const doc = { zarr_format: 3, node_type: "group", attributes: group.attributes };
    return { [joinKey(group.path, "zarr.json")]: jsonBytes(doc) };
  }
  return {
    [joinKey(group.path, ".zgroup")]: jsonBytes({ zarr_format: 2 }),
    [joinKey(group.path, ".zattrs")]: jsonBytes(group.attributes),
  };
}

/**
 * Write the metadata documents of an array.
 *
 * @param store The store.
 * @param spec The array.
 * @returns When every document is written.
 *
 * @example Write and read back
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { readArraySpec, writeArrayMetadata } from "./metadata.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const spec = arraySpec("a.zarr", { shape: [4], dtype: "int8", dimensionNames: ["sample"], zarrFormat: 2 });
 * await writeArrayMetadata(store, spec);
 * assert.deepEqual(await readArraySpec(store, "a.zarr"), spec);
 * ```
 */
export async function writeArrayMetadata(store: ByteStore, spec: ArraySpec): Promise<void> {
  const docs = arrayMetadataDocuments(spec);
  await Promise.all(Object.entries(docs).map(([key, bytes]) => store.set(key, bytes)));
}

/**
 * Write the metadata documents of a group.
 *
 * @param store The store.
 * @param group The group.
 * @returns When every document is written.
 *
 * @example Write a root group
 * ```ts
 * import { writeGroupMetadata } from "./metadata.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await writeGroupMetadata(store, { path: "", zarrFormat: 3, attributes: {} });
 * assert.deepEqual(await store.list(), ["zarr.json"]);
 * ```
 */
export async function writeGroupMetadata(store: ByteStore, group: GroupSpec): Promise<void> {
  const docs = groupMetadataDocuments(group);
  await Promise.all(Object.entries(docs).map(([key, bytes]) => store.set(key, bytes)));
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Invalid metadata in ${where}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

function asIntArray(value: unknown, where: string, field: string): number[] {
  if (!Array.isArray(value) || !value.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new TypeError(
      `Invalid metadata in ${where}: "${field}" must be an array of non-negative integers`,
    );
  }
  return value as number[];
}

function parseJson(bytes: Uint8Array, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseMetadataJson(decoder.decode(bytes));
  } catch (error) {
    throw new SyntaxError(
      `Invalid JSON in ${where}: ${error instanceof Error ? error.message : error}`,
    );
  }
  return asRecord(value, where);
}

function checkChunking(path: string, where: string, shape: number[], chunks: number[]): void {
  if (chunks.length !== shape.length || shape.length === 0) {
    throw new TypeError(
      `Invalid metadata in ${where}: chunk rank ${chunks.length} differs from shape rank ${shape.length}`,
    );
  }
  if (chunks[0] < 1) throw new TypeError(`Invalid metadata in ${where}: chunk extent 0`);
  for (let k = 1; k < shape.length; k++) {
    if (chunks[k] !== Math.max(1, shape[k])) {
      throw new TypeError(
        `Unsupported chunking of array "${path}": only axis 0 may be chunked, got chunks ${
          JSON.stringify(chunks)
        } for shape ${JSON.stringify(shape)}`,
      );
    }
  }
}

function parseV3Array(path: string, doc: Record<string, unknown>, where: string): ArraySpec {
  const dtype = doc.data_type;
  if (!isDataType(dtype)) {
    throw new TypeError(`Unsupported data type in ${where}: ${JSON.stringify(dtype)}`);
  }
  const info = dataTypeInfo(dtype);
  const shape = asIntArray(doc.shape, where, "shape");
  const grid = asRecord(doc.chunk_grid, where);
  if (grid.name !== "regular") {
    throw new TypeError(`Unsupported chunk grid in ${where}: ${JSON.stringify(grid.name)}`);
  }
  const chunks = asIntArray(asRecord(grid.configuration, where).chunk_shape, where, "chunk_shape");
  checkChunking(path, where, shape, chunks);
  const encoding = asRecord(doc.chunk_key_encoding ?? { name: "default" }, where);
  if (encoding.name !== "default") {
    throw new TypeError(
      `Unsupported chunk key encoding in ${where}: ${JSON.stringify(encoding.name)}`,
    );
  }
  const separator = (encoding.configuration as { separator?: unknown } | undefined)?.separator ??
    "/";
  if (separator !== "/" && separator !== ".") {
    throw new TypeError(
      `Unsupported chunk key separator in ${where}: ${JSON.stringify(separator)}`,
    );
  }
  if (!Array.isArray(doc.codecs) || doc.codecs.length === 0) {
    throw new TypeError(`Invalid metadata in ${where}: "codecs" must be a non-empty array`);
  }
  const [first, ...rest] = doc.codecs.map((c) => asRecord(c, where));
  const endian = (first.configuration as { endian?: unknown } | undefined)?.endian;
  if (
    first.name !== "bytes" ||
    (endian !== "little" && !(endian === undefined && info.itemSize === 1))
  ) {
    throw new TypeError(
      `Unsupported codec chain in ${where}: expected "bytes" (little-endian) first`,
    );
  }
  let codec: BloscConfig | null = null;
  if (rest.length > 1 || (rest.length === 1 && rest[0].name !== "blosc")) {
    throw new TypeError(
      `Unsupported codec chain in ${where}: ${
        rest.map((c) => JSON.stringify(c.name)).join(", ")
      } (only blosc is supported)`,
    );
  }
  if (rest.length === 1) {
    const c = asRecord(rest[0].configuration, where);
    const shuffle = c.shuffle as BloscShuffle;
    codec = {
      cname: c.cname as BloscConfig["cname"],
      clevel: c.clevel as number,
      shuffle,
      typesize: typeof c.typesize === "number" ? c.typesize : info.itemSize,
      blocksize: typeof c.blocksize === "number" ? c.blocksize : 0,
    };
  }
  const names = doc.dimension_names;
  const dimensionNames = Array.isArray(names) && names.length === shape.length
    ? names.map((n, k) => (typeof n === "string" ? n : `dim_${k}`))
    : shape.map((_, k) => `dim_${k}`);
  return {
    path,
    zarrFormat: 3,
    shape,
    chunks,
    dtype,
    fillValue: fillFromJson(doc.fill_value, where),
    dimensionNames,
    attributes: asRecord(doc.attributes ?? {}, where),
    codec,
    separator,
  };
}

const SHUFFLE_FROM_V2: Readonly<Record<number, BloscShuffle>> = {
  0: "noshuffle",
  1: "shuffle",
  2: "bitshuffle",
  [-1]: "shuffle",
};

function parseV2Array(
  path: string,
  doc: Record<string, unknown>,
  attrs: Record<string, unknown>,
  where: string,
): ArraySpec {
  if (doc.zarr_format !== 2) {
    throw new TypeError(`Invalid metadata in ${where}: zarr_format is not 2`);
  }
  if (typeof doc.dtype !== "string") {
    throw new TypeError(`Invalid metadata in ${where}: "dtype" must be a string`);
  }
  const dtype = dataTypeFromV2(doc.dtype);
  const info = dataTypeInfo(dtype);
  const shape = asIntArray(doc.shape, where, "shape");
  const chunks = asIntArray(doc.chunks, where, "chunks");
  checkChunking(path, where, shape, chunks);
  if (doc.order !== undefined && doc.order !== "C") {
    throw new TypeError(`Unsupported order in ${where}: ${JSON.stringify(doc.order)}`);
  }
  if (
    doc.filters !== undefined && doc.filters !== null &&
    !(Array.isArray(doc.filters) && doc.filters.length === 0)
  ) {
    throw new TypeError(`Unsupported filters in ${where}: ${JSON.stringify(doc.filters)}`);
  }
  let codec: BloscConfig | null = null;
  if (doc.compressor !== null && doc.compressor !== undefined) {
    const c = asRecord(doc.compressor, where);
    if (c.id !== "blosc") {
      throw new TypeError(`Unsupported compressor in ${where}: ${JSON.stringify(c.id)}`);
    }
    const shuffle = SHUFFLE_FROM_V2[c.shuffle as number];
    if (shuffle === undefined) {
      throw new TypeError(`Unsupported Blosc shuffle in ${where}: ${JSON.stringify(c.shuffle)}`);
    }
    codec = {
      cname: c.cname as BloscConfig["cname"],
      clevel: c.clevel as number,
      shuffle,
      // v2 records no typesize; numcodecs' WASM build shuffles with 4 at most.
      typesize: shuffle === "noshuffle"
        ? info.itemSize
        : Math.min(info.itemSize, NUMCODECS_TYPESIZE),
      blocksize: typeof c.blocksize === "number" ? c.blocksize : 0,
    };
  }
  const separator = doc.dimension_separator ?? ".";
  if (separator !== "/" && separator !== ".") {
    throw new TypeError(
      `Unsupported dimension_separator in ${where}: ${JSON.stringify(separator)}`,
    );
  }
  const { _ARRAY_DIMENSIONS: dims, ...attributes } = attrs;
  const dimensionNames = Array.isArray(dims) && dims.length === shape.length
    ? dims.map((n, k) => (typeof n === "string" ? n : `dim_${k}`))
    : shape.map((_, k) => `dim_${k}`);
  return {
    path,
    zarrFormat: 2,
    shape,
    chunks,
    dtype,
    fillValue: doc.fill_value === null ? null : fillFromJson(doc.fill_value, where),
    dimensionNames,
    attributes,
    codec,
    separator,
  };
}

/**
 * Parse array metadata documents already read from a store.
 *
 * @param path The array path.
 * @param docs The documents by file name: `zarr.json`, or `.zarray` and
 *   optionally `.zattrs`.
 * @returns The array spec.
 *
 * @example Parse a v2 `.zarray`
 * ```ts
 * import { parseArrayMetadata } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * const zarray = new TextEncoder().encode(JSON.stringify({
 *   zarr_format: 2, shape: [5, 3], chunks: [2, 3], dtype: "<f4", compressor: null,
 *   fill_value: "NaN", order: "C", filters: null,
 * }));
 * const spec = parseArrayMetadata("x", { ".zarray": zarray });
 * assert.equal(spec.dtype, "float32");
 * assert.equal(spec.separator, ".");
 * ```
 */
export function parseArrayMetadata(
  path: string,
  docs: { "zarr.json"?: Uint8Array; ".zarray"?: Uint8Array; ".zattrs"?: Uint8Array },
): ArraySpec {
  if (docs["zarr.json"] !== undefined) {
    const where = `"${joinKey(path, "zarr.json")}"`;
    const doc = parseJson(docs["zarr.json"], where);
    if (doc.zarr_format !== 3 || doc.node_type !== "array") {
      throw new TypeError(`Invalid metadata in ${where}: not a Zarr v3 array`);
    }
    return parseV3Array(path, doc, where);
  }
  if (docs[".zarray"] !== undefined) {
    const where = `"${joinKey(path, ".zarray")}"`;
    const doc = parseJson(docs[".zarray"], where);
    const attrs = docs[".zattrs"] === undefined
      ? {}
      : parseJson(docs[".zattrs"], `"${joinKey(path, ".zattrs")}"`);
    return parseV2Array(path, doc, attrs, where);
  }
  throw new TypeError(`No array metadata for "${path}": expected zarr.json or .zarray`);
}

/**
 * Read the metadata of an array from a store (v3 first, then v2).
 *
 * @param store The store.
 * @param path The array path.
 * @returns The spec, or `undefined` if there is no array at `path` (or a group).
 *
 * @example A missing array
 * ```ts
 * import { readArraySpec } from "./metadata.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await readArraySpec(new MemoryStore(), "nope"), undefined);
 * ```
 */
export async function readArraySpec(
  store: ByteStore,
  path: string,
): Promise<ArraySpec | undefined> {
  const v3 = await store.get(joinKey(path, "zarr.json"));
  if (v3 !== undefined) {
    const doc = parseJson(v3, `"${joinKey(path, "zarr.json")}"`);
    if (doc.node_type === "group") return undefined;
    return parseArrayMetadata(path, { "zarr.json": v3 });
  }
  const [zarray, zattrs] = await Promise.all([
    store.get(joinKey(path, ".zarray")),
    store.get(joinKey(path, ".zattrs")),
  ]);
  if (zarray === undefined) return undefined;
  return parseArrayMetadata(path, { ".zarray": zarray, ".zattrs": zattrs });
}

/**
 * Read the metadata of a group from a store (v3 first, then v2).
 *
 * @param store The store.
 * @param path The group path (`""` for the root).
 * @returns The group, or `undefined` if there is no group at `path`.
 *
 * @example Read back a written group
 * ```ts
 * import { readGroupSpec, writeGroupMetadata } from "./metadata.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const group = { path: "nk", zarrFormat: 3 as const, attributes: { world_id: "nk" } };
 * await writeGroupMetadata(store, group);
 * assert.deepEqual(await readGroupSpec(store, "nk"), group);
 * ```
 */
export async function readGroupSpec(
  store: ByteStore,
  path: string,
): Promise<GroupSpec | undefined> {
  const v3 = await store.get(joinKey(path, "zarr.json"));
  if (v3 !== undefined) {
    const where = `"${joinKey(path, "zarr.json")}"`;
    const doc = parseJson(v3, where);
    if (doc.node_type !== "group") return undefined;
    return { path, zarrFormat: 3, attributes: asRecord(doc.attributes ?? {}, where) };
  }
  const zgroup = await store.get(joinKey(path, ".zgroup"));
  if (zgroup === undefined) return undefined;
  const zattrs = await store.get(joinKey(path, ".zattrs"));
  return {
    path,
    zarrFormat: 2,
    attributes: zattrs === undefined ? {} : parseJson(zattrs, `"${joinKey(path, ".zattrs")}"`),
  };
}

/**
 * Throw a `StoreError` with code `NOT_FOUND` for a missing array.
 *
 * @param store The store.
 * @param path The array path.
 * @returns The spec.
 *
 * @example Require an array
 * ```ts
 * import { requireArraySpec } from "./metadata.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(requireArraySpec(new MemoryStore(), "x.zarr"), { code: "NOT_FOUND" });
 * ```
 */
export async function requireArraySpec(store: ByteStore, path: string): Promise<ArraySpec> {
  const spec = await readArraySpec(store, path);
  if (spec === undefined) {
    throw new StoreError(
      "NOT_FOUND",
      `Cannot open array "${path}" in "${store.url}": no zarr.json or .zarray`,
    );
  }
  return spec;
}
