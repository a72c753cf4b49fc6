/**
 * Quantization of a sample's inputs to the stored data type: the theta and
 * the shocks a world simulates are exactly the values its dataset stores, so
 * a reader who takes them back from the Zarr arrays reproduces the stored
 * trajectories and IRFs bit for bit, and every stored theta lies inside the
 * manifest's bounds when compared in float64 (as numpy does).
 *
 * @module
 */

/** The floating-point type of the stored arrays: float32 (the default) or float64 (debug). */
export type StoredDtype = "float32" | "float64";

/** The stored data types, default first. */
export const STORED_DTYPES: readonly StoredDtype[] = Object.freeze(["float32", "float64"]);

/** The default stored data type (spec 4.4). */
export const DEFAULT_STORED_DTYPE: StoredDtype = "float32";

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * The float32 next to `v` (a float32) in the direction of `toward`.
 *
 * @param v A float32 value.
 * @param toward The direction (`v` itself if equal).
 * @returns The adjacent float32.
 */
function nextFloat32(v: number, toward: number): number {
  if (v === toward || Number.isNaN(v)) return v;
  if (v === 0) return toward > 0 ? 2 ** -149 : -(2 ** -149);
  F32[0] = v;
  // Away from zero: one more in the bit pattern; toward zero: one less.
  if ((toward > v) === (v > 0)) U32[0] += 1;
  else U32[0] -= 1;
  return F32[0];
}

/**
 * A value rounded to the stored type, inside `[lo, hi]` when compared in
 * float64: the nearest float32, or, when that one lies past a bound, its
 * neighbour toward the interior. With float64 the value is returned as is.
 *
 * @param x The value, inside `[lo, hi]`.
 * @param lo Lower bound (float64).
 * @param hi Upper bound (float64).
 * @param dtype The stored type.
 * @returns The quantized value, with `lo <= v <= hi`.
 * @throws {RangeError} If `x` is outside the bounds or no value of the type lies inside them.
 *
 * @example A value just below 0.995 whose nearest float32 is above it
 * ```ts
 * import { quantizeWithin } from "./quantize.ts";
 * import assert from "node:assert/strict";
 * const x = 0.99499999;
 * assert.ok(Math.fround(x) > 0.995);
 * const v = quantizeWithin(x, 0.9, 0.995, "float32");
 * assert.ok(v <= 0.995 && v === Math.fround(v));
 * assert.equal(quantizeWithin(x, 0.9, 0.995, "float64"), x);
 * ```
 */
export function quantizeWithin(
  x: number,
  lo: number,
  hi: number,
  dtype: StoredDtype,
): number {
  if (!(x >= lo && x <= hi)) {
    throw new RangeError(`Cannot quantize ${x}: it is outside [${lo}, ${hi}]`);
  }
  if (dtype === "float64") return x;
  let v = Math.fround(x);
  if (v > hi) v = nextFloat32(v, -Infinity);
  else if (v < lo) v = nextFloat32(v, Infinity);
  if (!(v >= lo && v <= hi)) {
    throw new RangeError(`Cannot quantize ${x}: no float32 lies inside [${lo}, ${hi}]`);
  }
  return v;
}

/**
 * Quantize theta in place to the stored type, each entry inside its bounds
 * (see {@link quantizeWithin}). An entry outside its bounds (a draw the
 * world's validity check will reject) is only rounded, never moved inside.
 *
 * @param theta Parameters, changed in place.
 * @param bounds `[lo, hi]` of each parameter (the manifest's).
 * @param dtype The stored type.
 * @returns `theta`.
 *
 * @example
 * ```ts
 * import { quantizeTheta } from "./quantize.ts";
 * import assert from "node:assert/strict";
 * const theta = Float64Array.of(0.1, 2.5);
 * quantizeTheta(theta, [[0, 1], [2, 3]], "float32");
 * assert.deepEqual(Array.from(theta), [Math.fround(0.1), 2.5]);
 * ```
 */
export function quantizeTheta(
  theta: Float64Array,
  bounds: readonly (readonly [number, number])[],
  dtype: StoredDtype,
): Float64Array {
  if (dtype === "float64") return theta;
  for (let i = 0; i < theta.length; i++) {
    const [lo, hi] = bounds[i];
    const x = theta[i];
    theta[i] = x >= lo && x <= hi ? quantizeWithin(x, lo, hi, dtype) : Math.fround(x);
  }
  return theta;
}

/**
 * Round values in place to the stored type (float64: unchanged).
 *
 * @param values The values (shocks), changed in place.
 * @param dtype The stored type.
 * @returns `values`.
 *
 * @example
 * ```ts
 * import { quantizeValues } from "./quantize.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quantizeValues(Float64Array.of(0.1), "float32")[0], Math.fround(0.1));
 * assert.equal(quantizeValues(Float64Array.of(0.1), "float64")[0], 0.1);
 * ```
 */
export function quantizeValues(values: Float64Array, dtype: StoredDtype): Float64Array {
  if (dtype === "float64") return values;
  for (let i = 0; i < values.length; i++) values[i] = Math.fround(values[i]);
  return values;
}

/**
 * Check a stored data type name.
 *
 * @param value The name, e.g. from a flag.
 * @returns Whether it is `float32` or `float64`.
 *
 * @example
 * ```ts
 * import { isStoredDtype } from "./quantize.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isStoredDtype("float64") && !isStoredDtype("float16"));
 * ```
 */
export function isStoredDtype(value: unknown): value is StoredDtype {
  return value === "float32" || value === "float64";
}
