/**
 * Keyed, cross-machine deterministic random streams.
 *
 * The core is xoshiro128** (Blackman and Vigna), an integer-only generator
 * built on `Math.imul` and 32-bit shifts, so its output is bit-identical on
 * every platform. Streams are keyed by (sample seed, world, attempt, stream
 * id) through SplitMix64, so worlds never share draws and a variable number of
 * rejection draws in one stream never shifts another.
 *
 * @module
 */

/** Stream ids of a sample: one independent stream per purpose. */
export const STREAM = {
  /** Parameter draws (with rejection sampling). */
  THETA: 0,
  /** Structural shocks, N(0, 1). */
  EPS: 1,
  /** Markov regime paths. */
  REGIME: 2,
  /** Anything else a world needs (kept apart from the three above). */
  SPARE: 3,
} as const;

/** A stream id: one of the values of {@link STREAM}. */
export type StreamId = typeof STREAM[keyof typeof STREAM];

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
const TWO_POW_M31 = 1 / 2147483648;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_26 = 67108864;

function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * A 32-bit FNV-1a hash of a string (UTF-16 code units, low byte then high
 * byte), used to key streams by world id.
 *
 * @param text The string to hash, e.g. a world id.
 * @returns An unsigned 32-bit integer.
 *
 * @example Hash a world id
 * ```ts
 * import { worldKey } from "./rng.ts";
 * import assert from "node:assert/strict";
 * assert.equal(worldKey("nk"), worldKey("nk"));
 * assert.notEqual(worldKey("nk"), worldKey("zlb"));
 * ```
 */
export function worldKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), 0x01000193);
    h = Math.imul(h ^ (c >>> 8), 0x01000193);
  }
  return h >>> 0;
}

/**
 * The xoshiro128** generator with helpers for uniform and normal doubles.
 *
 * @example Reproduce the published test vector
 * ```ts
 * import { Xoshiro128 } from "./rng.ts";
 * import assert from "node:assert/strict";
 * const rng = new Xoshiro128(1, 2, 3, 4);
 * assert.deepEqual([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()], [11520, 0, 5927040]);
 * ```
 */
export class Xoshiro128 {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare = 0;
  #hasSpare = false;

  /**
   * Start from an explicit state (not all zero).
   *
   * @param s0 State word 0 (uint32).
   * @param s1 State word 1 (uint32).
   * @param s2 State word 2 (uint32).
   * @param s3 State word 3 (uint32).
   */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    if ((s0 | s1 | s2 | s3) === 0) throw new RangeError("xoshiro128** state must not be all zero");
    this.#s0 = s0 | 0;
    this.#s1 = s1 | 0;
    this.#s2 = s2 | 0;
    this.#s3 = s3 | 0;
  }

  /**
   * The next raw output.
   *
   * @returns An unsigned 32-bit integer.
   */
  nextUint32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result >>> 0;
  }

  /**
   * A uniform double in [0, 1) with 53 random bits (two raw outputs).
   *
   * @returns A number in [0, 1).
   */
  nextFloat64(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /**
   * A uniform double in [lo, hi).
   *
   * @param lo Lower bound (inclusive).
   * @param hi Upper bound (exclusive).
   * @returns A number in [lo, hi).
   */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.nextFloat64();
  }

  /**
   * A uniform integer in {lo, ..., hi} (both inclusive), without modulo bias.
   *
   * @param lo Smallest value.
   * @param hi Largest value.
   * @returns An integer in [lo, hi].
   */
  integer(lo: number, hi: number): number {
    return lo + Math.floor(this.nextFloat64() * (hi - lo + 1));
  }

  /**
   * A standard normal draw: Marsaglia's polar method on 32-bit uniforms in
   * [-1, 1) (pairs of draws; the second of a pair is cached for the next
   * call). About 3x faster than Box-Muller, no trigonometry.
   *
   * @returns A N(0, 1) number.
   */
  nextNormal(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spare;
    }
    let u: number, v: number, s: number;
    do {
      u = this.nextUint32() * TWO_POW_M31 - 1;
      v = this.nextUint32() * TWO_POW_M31 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * f;
    this.#hasSpare = true;
    return u * f;
  }

  /**
   * Fill an array with standard normal draws (the same sequence as calling
   * {@link nextNormal} repeatedly).
   *
   * @param out The array to fill.
   * @returns The same array.
   */
  fillNormal(out: Float64Array): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.nextNormal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The independent stream for one (sample seed, world, attempt, stream id).
 *
 * The key words are absorbed into SplitMix64 and two of its outputs become
 * the xoshiro128** state. The result is a pure function of the key.
 *
 * @param sampleSeed The sample seed, `global_seed + sample_index` (a
 *   non-negative safe integer).
 * @param worldId The world id, e.g. `"nk"`.
 * @param attempt The attempt number (0 unless a guard redraws the sample).
 * @param streamId Which stream, see {@link STREAM}.
 * @returns A fresh generator.
 *
 * @example Streams are reproducible and independent
 * ```ts
 * import { keyedStream, STREAM } from "./rng.ts";
 * import assert from "node:assert/strict";
 * const a = keyedStream(42, "nk", 0, STREAM.EPS).nextUint32();
 * assert.equal(keyedStream(42, "nk", 0, STREAM.EPS).nextUint32(), a);
 * assert.notEqual(keyedStream(42, "zlb", 0, STREAM.EPS).nextUint32(), a);
 * ```
 */
export function keyedStream(
  sampleSeed: number,
  worldId: string,
  attempt: number,
  streamId: number,
): Xoshiro128 {
  if (!Number.isSafeInteger(sampleSeed) || sampleSeed < 0) {
    throw new RangeError(`Sample seed must be a non-negative safe integer: got ${sampleSeed}`);
  }
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > 0xffffffff) {
    throw new RangeError(`Attempt must be a uint32: got ${attempt}`);
  }
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffffffff) {
    throw new RangeError(`Stream id must be a uint32: got ${streamId}`);
  }
  let x = mix64((BigInt(sampleSeed) + GOLDEN_GAMMA) & MASK64);
  x = mix64(((x ^ BigInt(worldKey(worldId))) + GOLDEN_GAMMA) & MASK64);
  x = mix64(((x ^ BigInt(attempt)) + GOLDEN_GAMMA) & MASK64);
  x = mix64(((x ^ BigInt(streamId)) + GOLDEN_GAMMA) & MASK64);
  const o1 = mix64((x + GOLDEN_GAMMA) & MASK64);
  const o2 = mix64((x + 2n * GOLDEN_GAMMA) & MASK64);
  const s0 = Number(o1 & 0xffffffffn);
  const s1 = Number(o1 >> 32n);
  const s2 = Number(o2 & 0xffffffffn);
  const s3 = Number(o2 >> 32n);
  return (s0 | s1 | s2 | s3) === 0 ? new Xoshiro128(1, 0, 0, 0) : new Xoshiro128(s0, s1, s2, s3);
}
