/**
 * The numeric data types of our Zarr arrays and their properties.
 *
 * @module
 */

/** A storage data type (the Zarr v3 `data_type` name). */
export type DataType = "float32" | "float64" | "int8" | "uint8" | "int32";

/** A typed array of one of the {@link DataType}s. */
export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array;

/** Properties of a data type. */
export interface DataTypeInfo {
  /** The v3 name. */
  name: DataType;
  /** Bytes per element. */
  itemSize: number;
  /** The v2 `dtype` string (little-endian). */
  v2: string;
  /** Whether it is a floating-point type. */
  isFloat: boolean;
  /** Smallest representable value (integers) or `-Infinity`. */
  min: number;
  /** Largest representable value (integers) or `Infinity`. */
  max: number;
  /** Allocate a typed array of `length` elements. */
  allocate(length: number): NumericArray;
  /** View `bytes` (aligned, a whole number of elements) as this type. */
  view(bytes: Uint8Array): NumericArray;
}

function info(
  name: DataType,
  itemSize: number,
  v2: string,
  isFloat: boolean,
  min: number,
  max: number,
  Ctor: {
    new (length: number): NumericArray;
    new (buffer: ArrayBuffer, byteOffset: number, length: number): NumericArray;
  },
): DataTypeInfo {
  return {
    name,
    itemSize,
    v2,
    isFloat,
    min,
    max,
    allocate: (length) => new Ctor(length),
    view: (bytes) => {
      if (bytes.byteOffset % itemSize !== 0) bytes = bytes.slice();
      return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / itemSize);
    },
  };
}

const TYPES: Readonly<Record<DataType, DataTypeInfo>> = {
  float32: info("float32", 4, "<f4", true, -Infinity, Infinity, Float32Array),
  float64: info("float64", 8, "<f8", true, -Infinity, Infinity, Float64Array),
  int8: info("int8", 1, "|i1", false, -128, 127, Int8Array),
  uint8: info("uint8", 1, "|u1", false, 0, 255, Uint8Array),
  int32: info("int32", 4, "<i4", false, -2147483648, 2147483647, Int32Array),
};

const V2_NAMES: Readonly<Record<string, DataType>> = {
  "<f4": "float32",
  "<f8": "float64",
  "|i1": "int8",
  "<i1": "int8",
  "|u1": "uint8",
  "<u1": "uint8",
  "<i4": "int32",
};

/**
 * The properties of a data type.
 *
 * @param dtype The data type.
 * @returns Its item size, v2 name, range and typed-array helpers.
 *
 * @example Item sizes
 * ```ts
 * import { dataTypeInfo } from "./data_type.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dataTypeInfo("float32").itemSize, 4);
 * assert.equal(dataTypeInfo("int8").v2, "|i1");
 * assert.ok(dataTypeInfo("uint8").allocate(3) instanceof Uint8Array);
 * ```
 */
export function dataTypeInfo(dtype: DataType): DataTypeInfo {
  const found = Object.hasOwn(TYPES, dtype) ? TYPES[dtype] : undefined;
  if (found === undefined) {
    throw new TypeError(
      `Unsupported data type "${dtype}": expected one of ${Object.keys(TYPES).join(", ")}`,
    );
  }
  return found;
}

/**
 * The data type of a Zarr v2 `dtype` string.
 *
 * @param v2 A v2 dtype such as `"<f4"`.
 * @returns The data type.
 *
 * @example Parse a v2 dtype
 * ```ts
 * import { dataTypeFromV2 } from "./data_type.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dataTypeFromV2("<f8"), "float64");
 * assert.throws(() => dataTypeFromV2(">f4"), /Unsupported v2 dtype/);
 * ```
 */
export function dataTypeFromV2(v2: string): DataType {
  const found = Object.hasOwn(V2_NAMES, v2) ? V2_NAMES[v2] : undefined;
  if (found === undefined) {
    throw new TypeError(
      `Unsupported v2 dtype "${v2}": expected one of ${Object.keys(V2_NAMES).join(", ")}`,
    );
  }
  return found;
}

/**
 * Whether `name` is one of the supported data types.
 *
 * @param name A candidate name.
 * @returns `true` for `float32`, `float64`, `int8`, `uint8`, `int32`.
 *
 * @example Check a name
 * ```ts
 * import { isDataType } from "./data_type.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isDataType("int32"));
 * assert.ok(!isDataType("complex64"));
 * ```
 */
export function isDataType(name: unknown): name is DataType {
  return typeof name === "string" && Object.hasOwn(TYPES, name);
}
