/**
 * Coordinate arrays: one small array per dimension of a group, named like
 * the dimension, so that xarray and zarr-python readers label the axes
 * (`ds.sel(shock="monetary", observable="inflation")`).
 *
 * A dimension with names (`shock`, `observable`, `param`) gets its names as
 * strings; every other dimension (`sample`, `time`, `horizon`, `regime`) its
 * indices `0 .. n-1` as `int32`. Coordinates are uncompressed and one chunk
 * each, so any Zarr reader reads them without a codec. Strings are stored
 * as every reader of the format reads them:
 *
 * - Zarr v2: fixed-length unicode `<U{n}` (UCS-4, little-endian, zero-padded),
 *   read by zarr-python 2 and 3, xarray and GDAL;
 * - Zarr v3: the `string` data type with the `vlen-utf8` codec (zarr-python 3's
 *   encoding: a little-endian `uint32` count, then per item a `uint32` byte
 *   length and the UTF-8 bytes).
 *
 * Fill values: `null` in v2 (none), `-1` (int32) and `""` (string) in v3:
 * never a value a coordinate holds.
 *
 * @module
 */

import { type ArraySpec, arraySpec } from "../zarr/array_spec.ts";
import { arrayMetadataDocuments, joinKey } from "../zarr/metadata.ts";

const encoder = new TextEncoder();

/** Every dimension name our layouts use: the names a coordinate array may have. */
export const COORDINATE_NAMES: ReadonlySet<string> = new Set([
  "sample",
  "time",
  "horizon",
  "shock",
  "observable",
  "param",
  "regime",
]);

/** One coordinate array. */
export interface CoordinateSpec {
  /** Store key of the array folder: `<group>/<dimension>`. */
  readonly path: string;
  /** The dimension it labels (the array's name and only dimension). */
  readonly dimension: string;
  /** On-disk format. */
  readonly zarrFormat: 2 | 3;
  /** The labels: names, or the indices `0 .. n-1`. */
  readonly values: readonly string[] | readonly number[];
}

/**
 * The coordinate of one dimension of a group.
 *
 * @param group The group path (`nk`, `nk/metadata.zarr`).
 * @param dimension The dimension name.
 * @param size Its extent.
 * @param zarrFormat The on-disk format.
 * @param names The names along it, if it has names (their count must be `size`).
 * @returns The coordinate.
 *
 * @example Names and indices
 * ```ts
 * import { coordinateSpec } from "./coordinates.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(coordinateSpec("nk", "horizon", 3, 3).values, [0, 1, 2]);
 * assert.equal(coordinateSpec("nk", "shock", 2, 2, ["a", "b"]).path, "nk/shock");
 * ```
 */
export function coordinateSpec(
  group: string,
  dimension: string,
  size: number,
  zarrFormat: 2 | 3,
  names?: readonly string[],
): CoordinateSpec {
  if (names !== undefined && names.length !== size) {
    throw new TypeError(
      `Invalid coordinate "${dimension}": ${names.length} names for ${size} entries`,
    );
  }
  return {
    path: joinKey(group, dimension),
    dimension,
    zarrFormat,
    values: names !== undefined ? [...names] : Array.from({ length: size }, (_, i) => i),
  };
}

function isStrings(values: CoordinateSpec["values"]): values is readonly string[] {
  return values.length > 0 && typeof values[0] === "string";
}

/** The integer coordinate as an array spec (int32, raw bytes, one chunk). */
function intSpec(c: CoordinateSpec): ArraySpec {
  return arraySpec(c.path, {
    shape: [c.values.length],
    dtype: "int32",
    dimensionNames: [c.dimension],
    zarrFormat: c.zarrFormat,
    codec: null,
  });
}

function jsonBytes(doc: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Longest name in UCS-4 code points (at least 1: `<U0` is not a dtype). */
function ucs4Length(names: readonly string[]): number {
  return Math.max(1, ...names.map((s) => [...s].length));
}

/**
 * The metadata documents of a coordinate, by store key.
 *
 * @param c The coordinate.
 * @returns `zarr.json` (v3), or `.zarray` and `.zattrs` (v2).
 *
 * @example Names in both formats
 * ```ts
 * import { coordinateDocuments, coordinateSpec } from "./coordinates.ts";
 * import assert from "node:assert/strict";
 * const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
 * const v3 = coordinateDocuments(coordinateSpec("nk", "shock", 2, 3, ["demand", "monetary"]));
 * assert.equal(json(v3["nk/shock/zarr.json"]).data_type, "string");
 * const v2 = coordinateDocuments(coordinateSpec("nk", "shock", 2, 2, ["demand", "monetary"]));
 * assert.equal(json(v2["nk/shock/.zarray"]).dtype, "<U8");
 * assert.deepEqual(json(v2["nk/shock/.zattrs"]), { _ARRAY_DIMENSIONS: ["shock"] });
 * ```
 */
export function coordinateDocuments(c: CoordinateSpec): Record<string, Uint8Array> {
  if (!isStrings(c.values)) return arrayMetadataDocuments(intSpec(c));
  const n = c.values.length;
  if (c.zarrFormat === 3) {
    return {
      [joinKey(c.path, "zarr.json")]: jsonBytes({
        zarr_format: 3,
        node_type: "array",
        shape: [n],
        data_type: "string",
        chunk_grid: { name: "regular", configuration: { chunk_shape: [Math.max(1, n)] } },
        chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
        fill_value: "",
        codecs: [{ name: "vlen-utf8", configuration: {} }],
        attributes: {},
        dimension_names: [c.dimension],
      }),
    };
  }
  return {
    [joinKey(c.path, ".zarray")]: jsonBytes({
      zarr_format: 2,
      shape: [n],
      chunks: [Math.max(1, n)],
      dtype: `<U${ucs4Length(c.values)}`,
      compressor: null,
      fill_value: null,
      order: "C",
      filters: null,
      dimension_separator: ".",
    }),
    [joinKey(c.path, ".zattrs")]: jsonBytes({ _ARRAY_DIMENSIONS: [c.dimension] }),
  };
}

/**
 * The one chunk of a coordinate: its store key and bytes (none for an
 * empty dimension).
 *
 * @param c The coordinate.
 * @returns `{ key, bytes }`, or `undefined` if the dimension is empty.
 *
 * @example v3 strings and v2 integers
 * ```ts
 * import { coordinateChunk, coordinateSpec } from "./coordinates.ts";
 * import assert from "node:assert/strict";
 * const s = coordinateChunk(coordinateSpec("nk", "param", 1, 3, ["ab"]))!;
 * assert.equal(s.key, "nk/param/c/0");
 * assert.deepEqual(Array.from(s.bytes), [1, 0, 0, 0, 2, 0, 0, 0, 97, 98]);
 * const i = coordinateChunk(coordinateSpec("nk", "time", 2, 2))!;
 * assert.equal(i.key, "nk/time/0");
 * assert.deepEqual(Array.from(new Int32Array(i.bytes.buffer)), [0, 1]);
 * ```
 */
export function coordinateChunk(
  c: CoordinateSpec,
): { key: string; bytes: Uint8Array } | undefined {
  const n = c.values.length;
  if (n === 0) return undefined;
  const key = joinKey(c.path, c.zarrFormat === 3 ? "c/0" : "0");
  if (!isStrings(c.values)) {
    const data = new Int32Array(c.values as readonly number[]);
    return { key, bytes: new Uint8Array(data.buffer) };
  }
  if (c.zarrFormat === 2) {
    const width = ucs4Length(c.values);
    const out = new Uint32Array(n * width);
    c.values.forEach((s, i) => {
      [...s].forEach((ch, k) => (out[i * width + k] = ch.codePointAt(0)!));
    });
    return { key, bytes: new Uint8Array(out.buffer) };
  }
  const items = c.values.map((s) => encoder.encode(s));
  const bytes = new Uint8Array(4 + items.reduce((a, b) => a + 4 + b.length, 0));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, n, true);
  let at = 4;
  for (const item of items) {
    view.setUint32(at, item.length, true);
    bytes.set(item, at + 4);
    at += 4 + item.length;
  }
  return { key, bytes };
}

/**
 * Decode the chunk of a coordinate written by {@link coordinateChunk}, from
 * its metadata document (any of our coordinate encodings).
 *
 * @param zarrFormat The format.
 * @param meta The parsed `zarr.json` (v3) or `.zarray` (v2).
 * @param bytes The chunk (`undefined` for an empty dimension).
 * @returns The labels.
 *
 * @example Round trip
 * ```ts
 * import { coordinateChunk, coordinateSpec, decodeCoordinate } from "./coordinates.ts";
 * import assert from "node:assert/strict";
 * for (const f of [2, 3] as const) {
 *   const c = coordinateSpec("nk", "shock", 2, f, ["démand", "x"]);
 *   const meta = f === 3 ? { data_type: "string" } : { dtype: "<U6" };
 *   assert.deepEqual(decodeCoordinate(f, meta, coordinateChunk(c)!.bytes), ["démand", "x"]);
 * }
 * ```
 */
export function decodeCoordinate(
  zarrFormat: 2 | 3,
  meta: Record<string, unknown>,
  bytes: Uint8Array | undefined,
): string[] | number[] {
  if (bytes === undefined) return [];
  const copy = bytes.slice();
  if (zarrFormat === 3 && meta.data_type === "string") {
    const view = new DataView(copy.buffer);
    const n = view.getUint32(0, true);
    const out: string[] = [];
    const decoder = new TextDecoder();
    let at = 4;
    for (let i = 0; i < n; i++) {
      const len = view.getUint32(at, true);
      out.push(decoder.decode(copy.subarray(at + 4, at + 4 + len)));
      at += 4 + len;
    }
    return out;
  }
  const unicode = zarrFormat === 2 && typeof meta.dtype === "string"
    ? /^<U(\d+)$/.exec(meta.dtype)
    : null;
  if (unicode !== null) {
    const width = Number(unicode[1]);
    const points = new Uint32Array(copy.buffer);
    const out: string[] = [];
    for (let i = 0; i < points.length / width; i++) {
      const row = [...points.subarray(i * width, (i + 1) * width)].filter((p) => p !== 0);
      out.push(String.fromCodePoint(...row));
    }
    return out;
  }
  return Array.from(new Int32Array(copy.buffer));
}
