/**
 * The description of one Zarr array and one Zarr group, independent of the
 * on-disk format version.
 *
 * @module
 */

import { type BloscConfig, bloscConfigFor } from "./blosc.ts";
import { type DataType, dataTypeInfo } from "./data_type.ts";

/** The Zarr format written unless another is asked for: 3 (`zarr.json`). */
export const DEFAULT_ZARR_FORMAT: 2 | 3 = 3;

/** A Zarr array: where it lives, its geometry, type, codec and attributes. */
export interface ArraySpec {
  /** Store key of the array folder, e.g. `"nk/irfs.zarr"` (no slashes at the ends). */
  readonly path: string;
  /** On-disk format: 3 (`zarr.json`) or 2 (`.zarray` + `.zattrs`). */
  readonly zarrFormat: 2 | 3;
  /** Array shape; axis 0 is the sample axis. */
  readonly shape: readonly number[];
  /** Chunk shape: chunked along axis 0 only, full extent on the others. */
  readonly chunks: readonly number[];
  /** Storage data type. */
  readonly dtype: DataType;
  /**
   * The fill value: never a value the data can hold (see {@link defaultFillValue}),
   * so no reader mistakes it for data; `null` (v2 only) for none.
   */
  readonly fillValue: number | null;
  /** One name per axis (v3 `dimension_names`, v2 `_ARRAY_DIMENSIONS`). */
  readonly dimensionNames: readonly string[];
  /** User attributes (JSON-serializable). */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The Blosc compressor, or `null` for raw little-endian bytes. */
  readonly codec: BloscConfig | null;
  /** Chunk key separator: v3 default `"/"` (`c/0/0`), v2 default `"."` (`0.0`). */
  readonly separator: "/" | ".";
}

/** A Zarr group. */
export interface GroupSpec {
  /** Store key of the group folder (`""` for the root). */
  readonly path: string;
  /** On-disk format. */
  readonly zarrFormat: 2 | 3;
  /** User attributes (JSON-serializable). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** Options of {@link arraySpec}. */
export interface ArraySpecOptions {
  /** Array shape (rank >= 1); axis 0 is the sample axis. */
  shape: readonly number[];
  /** Samples per chunk along axis 0 (default: the whole axis, at least 1). */
  chunkSamples?: number;
  /** Storage data type. */
  dtype: DataType;
  /** One name per axis. */
  dimensionNames: readonly string[];
  /** On-disk format (default 3). */
  zarrFormat?: 2 | 3;
  /** Fill value (default {@link defaultFillValue}); `null` (v2 only) for none. */
  fillValue?: number | null;
  /** User attributes (default `{}`). */
  attributes?: Readonly<Record<string, unknown>>;
  /** Codec (default: {@link bloscConfigFor} the item size; `null` for none). */
  codec?: BloscConfig | null;
  /** Chunk key separator (default: `"/"` for v3, `"."` for v2). */
  separator?: "/" | ".";
}

const PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * Check that a node path is a clean relative key path.
 *
 * @param path The path (`""` allowed only when `allowRoot`).
 * @param allowRoot Whether the root `""` is allowed.
 *
 * @example Accept and reject paths
 * ```ts
 * import { checkNodePath } from "./array_spec.ts";
 * import assert from "node:assert/strict";
 * checkNodePath("nk/metadata.zarr/regime_seq", false);
 * checkNodePath("", true);
 * assert.throws(() => checkNodePath("nk/../x", false), TypeError);
 * assert.throws(() => checkNodePath("/nk", false), TypeError);
 * ```
 */
export function checkNodePath(path: string, allowRoot: boolean): void {
  if (path === "" && allowRoot) return;
  if (!PATH.test(path) || path.split("/").some((s) => s === "." || s === "..")) {
    throw new TypeError(
      `Invalid Zarr node path "${path}": expected "/"-separated names of letters, digits, "_", "-", "."`,
    );
  }
}

/**
 * The fill value of an array no reader can mistake for data, per data type:
 * floats `NaN` (the writer rejects NaN as data); integers in Zarr v2 none
 * (`null`: xarray then does not mask, and keeps the integer type); integers
 * in Zarr v3, which requires one, `-1` for signed types and the type's
 * maximum (255) for `uint8`: every integer array we write holds counts,
 * flags, regimes or indices, all non-negative and below that maximum, and
 * the writer refuses a value equal to the fill value.
 *
 * @param dtype The data type.
 * @param zarrFormat The on-disk format.
 * @returns The fill value, or `null` for none.
 *
 * @example
 * ```ts
 * import { defaultFillValue } from "./array_spec.ts";
 * import assert from "node:assert/strict";
 * assert.ok(Number.isNaN(defaultFillValue("float32", 3)));
 * assert.equal(defaultFillValue("int32", 2), null);
 * assert.equal(defaultFillValue("int8", 3), -1);
 * assert.equal(defaultFillValue("uint8", 3), 255);
 * ```
 */
export function defaultFillValue(dtype: DataType, zarrFormat: 2 | 3): number | null {
  const info = dataTypeInfo(dtype);
  if (info.isFloat) return NaN;
  if (zarrFormat === 2) return null;
  return info.min < 0 ? -1 : info.max;
}

/**
 * Build and validate an array spec, chunked along axis 0 only.
 *
 * @param path Store key of the array folder, e.g. `"nk/theta.zarr"`.
 * @param options Shape, chunking, dtype, dimension names, format, fill value,
 *   attributes, codec.
 * @returns The spec.
 *
 * @example A v3 float32 array with 100-sample chunks
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("nk/theta.zarr", {
 *   shape: [1000, 8], chunkSamples: 100, dtype: "float32", dimensionNames: ["sample", "param"],
 * });
 * assert.deepEqual(spec.chunks, [100, 8]);
 * assert.ok(Number.isNaN(spec.fillValue));
 * assert.equal(spec.codec?.shuffle, "shuffle");
 * ```
 */
export function arraySpec(path: string, options: ArraySpecOptions): ArraySpec {
  checkNodePath(path, false);
  const { shape, dtype, dimensionNames } = options;
  const info = dataTypeInfo(dtype);
  if (!Array.isArray(shape) || shape.length === 0) {
    throw new TypeError(`Invalid shape for array "${path}": expected at least one axis`);
  }
  for (const n of shape) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Invalid shape for array "${path}": ${
          JSON.stringify(shape)
        } has a non-integer or negative extent`,
      );
    }
  }
  if (dimensionNames.length !== shape.length) {
    throw new TypeError(
      `Invalid dimension names for array "${path}": ${dimensionNames.length} names for ${shape.length} axes`,
    );
  }
  const chunkSamples = options.chunkSamples ?? Math.max(1, shape[0]);
  if (!Number.isSafeInteger(chunkSamples) || chunkSamples < 1) {
    throw new RangeError(
      `Invalid chunkSamples for array "${path}": ${chunkSamples} is not a positive integer`,
    );
  }
  const zarrFormat = options.zarrFormat ?? DEFAULT_ZARR_FORMAT;
  if (zarrFormat !== 2 && zarrFormat !== 3) {
    throw new RangeError(`Invalid zarrFormat for array "${path}": ${zarrFormat}, expected 2 or 3`);
  }
  const fillValue = options.fillValue === undefined
    ? defaultFillValue(dtype, zarrFormat)
    : options.fillValue;
  if (fillValue === null) {
    if (zarrFormat === 3) {
      throw new TypeError(`Invalid fill value for array "${path}": Zarr v3 requires one`);
    }
  } else if (typeof fillValue !== "number") {
    throw new TypeError(`Invalid fill value for array "${path}": expected a number`);
  } else if (
    !info.isFloat && (!Number.isInteger(fillValue) || fillValue < info.min || fillValue > info.max)
  ) {
    throw new RangeError(
      `Invalid fill value for array "${path}": ${fillValue} is not a valid ${dtype}`,
    );
  }
  return {
    path,
    zarrFormat,
    shape: [...shape],
    chunks: [chunkSamples, ...shape.slice(1).map((n) => Math.max(1, n))],
    dtype,
    fillValue,
    dimensionNames: [...dimensionNames],
    attributes: { ...(options.attributes ?? {}) },
    codec: options.codec === undefined ? bloscConfigFor(info.itemSize) : options.codec,
    separator: options.separator ?? (zarrFormat === 3 ? "/" : "."),
  };
}
