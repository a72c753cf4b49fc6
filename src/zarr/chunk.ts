/**
 * Chunks of arrays chunked along the sample axis: keys, sample ranges,
 * packing samples into a full chunk buffer, encoding, digests, storing and
 * decoding.
 *
 * A chunk is always encoded once, from a full in-memory buffer at the full
 * chunk shape (the last chunk is padded with the fill value, as Zarr v2 and
 * v3 store edge chunks): never read-modify-write. Readers of samples go
 * through zarrita (`src/dataset/read_samples.ts`); `decodeChunk` decodes
 * bytes already in hand (validate hashes them first).
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { StoreError } from "../store/store_error.ts";
import type { ArraySpec } from "./array_spec.ts";
import { BloscCodec, type BloscConfig, decodeBlosc } from "./blosc.ts";
import { dataTypeInfo, type NumericArray } from "./data_type.ts";
import { md5Hex, sha256Hex } from "./digest.ts";
import { joinKey } from "./metadata.ts";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const codecs = new Map<string, BloscCodec>();

function checkHost(): void {
  if (!LITTLE_ENDIAN) {
    throw new Error(
      "Unsupported platform: Zarr chunks are written little-endian and this host is big-endian",
    );
  }
}

function codecFor(config: BloscConfig): BloscCodec {
  const id =
    `${config.cname}/${config.clevel}/${config.shuffle}/${config.typesize}/${config.blocksize}`;
  let codec = codecs.get(id);
  if (codec === undefined) {
    codec = new BloscCodec(config);
    codecs.set(id, codec);
  }
  return codec;
}

/** What storing one chunk produced: the one record of a stored chunk. */
export interface ChunkRecord {
  /** The array's path, e.g. `"nk/irfs.zarr"`. */
  path: string;
  /** The chunk index along the sample axis. */
  chunkIndex: number;
  /** The chunk key relative to the array, e.g. `"c/3/0/0"` or `"3.0.0"`. */
  key: string;
  /** The full store key, e.g. `"nk/irfs.zarr/c/3/0/0/0"`. */
  storeKey: string;
  /** SHA-256 (hex) of the stored, encoded bytes. */
  digest: string;
  /**
   * MD5 (hex) of the stored bytes, which `finalize` compares with an S3
   * listing's plain-MD5 ETag (absent in records of older versions).
   */
  md5?: string;
  /** Bytes of the samples the chunk holds (padding excluded). */
  rawBytes: number;
  /** Bytes stored. */
  storedBytes: number;
}

/** What the stored chunks of an array (or of several) add up to. */
export interface ChunkTotals {
  /** Number of chunks. */
  nChunks: number;
  /** Bytes of the samples the chunks hold (padding excluded). */
  rawBytes: number;
  /** Bytes stored. */
  storedBytes: number;
  /** SHA-256 of each chunk, by chunk key relative to its array, in chunk order. */
  chunkDigests: Record<string, string>;
}

/**
 * Add up chunk records: the one place where stored chunks are totalled (the
 * dataset writer's summary, the pipeline's ledger, its run summary).
 *
 * @param records The records (of one array when the digests are used).
 * @returns Counts, sizes and digests in chunk order.
 *
 * @example
 * ```ts
 * import { chunkTotals } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * const r = (i: number) => ({ path: "a", chunkIndex: i, key: `c/${i}`, storeKey: `a/c/${i}`, digest: `d${i}`, rawBytes: 8, storedBytes: 5 });
 * const t = chunkTotals([r(1), r(0)]);
 * assert.deepEqual(t, { nChunks: 2, rawBytes: 16, storedBytes: 10, chunkDigests: { "c/0": "d0", "c/1": "d1" } });
 * assert.deepEqual(Object.keys(t.chunkDigests), ["c/0", "c/1"]);
 * ```
 */
export function chunkTotals(records: Iterable<ChunkRecord>): ChunkTotals {
  const sorted = [...records].sort((a, b) => a.chunkIndex - b.chunkIndex);
  const totals: ChunkTotals = { nChunks: 0, rawBytes: 0, storedBytes: 0, chunkDigests: {} };
  for (const r of sorted) {
    totals.nChunks++;
    totals.rawBytes += r.rawBytes;
    totals.storedBytes += r.storedBytes;
    totals.chunkDigests[r.key] = r.digest;
  }
  return totals;
}

/** Milliseconds spent per stage while storing chunks (accumulated). */
export interface ChunkStoreTimes {
  /** Blosc encoding. */
  encode: number;
  /** SHA-256 of the stored bytes. */
  hash: number;
  /** Waiting for the store after the hash (the write runs meanwhile). */
  write: number;
}

/** One chunk of an array: the array and the chunk index along the sample axis. */
export interface ChunkRef {
  /** The array. */
  readonly spec: ArraySpec;
  /** The chunk index along the sample axis. */
  readonly chunkIndex: number;
}

/** A chunk whose full raw bytes are ready to encode (a {@link ChunkBuffer}). */
export interface PackedChunk extends ChunkRef {
  /** The raw little-endian bytes of the full chunk. */
  bytes(): Uint8Array;
}

/**
 * Number of elements of one sample (the product of the non-sample axes).
 *
 * @param spec The array.
 * @returns Elements per sample.
 *
 * @example IRFs of 3 shocks, 41 horizons, 3 observables
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { sampleSize } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("w/irfs.zarr", {
 *   shape: [10, 3, 41, 3], dtype: "float32", dimensionNames: ["sample", "shock", "horizon", "observable"],
 * });
 * assert.equal(sampleSize(spec), 369);
 * ```
 */
export function sampleSize(spec: ArraySpec): number {
  let n = 1;
  for (let k = 1; k < spec.shape.length; k++) n *= spec.shape[k];
  return n;
}

/**
 * Number of chunks along the sample axis.
 *
 * @param spec The array.
 * @returns `ceil(shape[0] / chunks[0])`.
 *
 * @example 10 samples in chunks of 4
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { chunkCount } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("a.zarr", { shape: [10], chunkSamples: 4, dtype: "uint8", dimensionNames: ["sample"] });
 * assert.equal(chunkCount(spec), 3);
 * ```
 */
export function chunkCount(spec: ArraySpec): number {
  return sampleChunkCount(spec.shape[0], spec.chunks[0]);
}

/**
 * Number of chunks of `chunkSamples` samples that `nSamples` samples make:
 * the one place that cuts the sample axis (arrays, the generation plan, the
 * report's subsample all use it).
 *
 * @param nSamples Samples.
 * @param chunkSamples Samples per chunk (at least 1).
 * @returns `ceil(nSamples / chunkSamples)`.
 *
 * @example
 * ```ts
 * import { sampleChunkCount } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sampleChunkCount(10, 4), 3);
 * ```
 */
export function sampleChunkCount(nSamples: number, chunkSamples: number): number {
  if (!(chunkSamples >= 1)) {
    throw new RangeError(`Chunk size must be at least 1: got ${chunkSamples}`);
  }
  return Math.ceil(nSamples / chunkSamples);
}

/**
 * The samples `[start, end)` of chunk `chunkIndex` when `nSamples` samples
 * are cut into chunks of `chunkSamples` (the last may hold fewer).
 *
 * @param nSamples Samples.
 * @param chunkSamples Samples per chunk.
 * @param chunkIndex The chunk.
 * @returns `[start, end)`.
 *
 * @example
 * ```ts
 * import { sampleChunkRange } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(sampleChunkRange(10, 4, 2), [8, 10]);
 * ```
 */
export function sampleChunkRange(
  nSamples: number,
  chunkSamples: number,
  chunkIndex: number,
): [number, number] {
  const start = chunkIndex * chunkSamples;
  return [start, Math.min(start + chunkSamples, nSamples)];
}

function checkChunkIndex(spec: ArraySpec, chunkIndex: number): void {
  if (!Number.isSafeInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= chunkCount(spec)) {
    throw new RangeError(
      `Invalid chunk index ${chunkIndex} for array "${spec.path}": expected 0 to ${
        chunkCount(spec) - 1
      }`,
    );
  }
}

/**
 * The samples `[start, end)` a chunk holds (the last chunk may hold fewer).
 *
 * @param spec The array.
 * @param chunkIndex The chunk index.
 * @returns `[start, end)`.
 *
 * @example The partial last chunk
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { chunkRange } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("a.zarr", { shape: [10], chunkSamples: 4, dtype: "uint8", dimensionNames: ["sample"] });
 * assert.deepEqual(chunkRange(spec, 2), [8, 10]);
 * ```
 */
export function chunkRange(spec: ArraySpec, chunkIndex: number): [number, number] {
  checkChunkIndex(spec, chunkIndex);
  return sampleChunkRange(spec.shape[0], spec.chunks[0], chunkIndex);
}

/**
 * The key of a chunk relative to the array (`c/3/0/0` in v3, `3.0.0` in v2
 * with the default separators).
 *
 * @param spec The array.
 * @param chunkIndex The chunk index along the sample axis.
 * @returns The relative key.
 *
 * @example v3 and v2 keys
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { chunkKey } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * const options = { shape: [10, 5, 3], chunkSamples: 4, dtype: "float32" as const, dimensionNames: ["s", "t", "o"] };
 * assert.equal(chunkKey(arraySpec("a", options), 2), "c/2/0/0");
 * assert.equal(chunkKey(arraySpec("a", { ...options, zarrFormat: 2 }), 2), "2.0.0");
 * ```
 */
export function chunkKey(spec: ArraySpec, chunkIndex: number): string {
  checkChunkIndex(spec, chunkIndex);
  const coords = [chunkIndex, ...spec.shape.slice(1).map(() => 0)].join(spec.separator);
  return spec.zarrFormat === 3 ? `c${spec.separator}${coords}` : coords;
}

/**
 * The full store key of a chunk.
 *
 * @param spec The array.
 * @param chunkIndex The chunk index along the sample axis.
 * @returns `<spec.path>/<chunkKey>`.
 *
 * @example A v3 store key
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { chunkStoreKey } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("nk/theta.zarr", { shape: [10, 8], chunkSamples: 4, dtype: "float32", dimensionNames: ["sample", "param"] });
 * assert.equal(chunkStoreKey(spec, 1), "nk/theta.zarr/c/1/0");
 * ```
 */
export function chunkStoreKey(spec: ArraySpec, chunkIndex: number): string {
  return joinKey(spec.path, chunkKey(spec, chunkIndex));
}

/**
 * A full in-memory chunk of one array: samples are validated and converted
 * to the storage type as they are put; the padding past the array's end (in
 * the last chunk) holds the fill value. Put every sample of the chunk before
 * storing it (a sample never put reads as 0).
 *
 * @example Pack, store and read back one chunk
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { ChunkBuffer, decodeChunk } from "./chunk.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("x.zarr", { shape: [3, 2], chunkSamples: 2, dtype: "float32", dimensionNames: ["sample", "k"] });
 * const chunk = new ChunkBuffer(spec, 1); // holds sample 2 only
 * chunk.put(2, new Float64Array([0.5, -1]));
 * const store = new MemoryStore();
 * const record = await chunk.store(store);
 * assert.equal(record.storeKey, "x.zarr/c/1/0");
 * const back = await decodeChunk(spec, (await store.get(record.storeKey))!);
 * assert.deepEqual(Array.from(back.subarray(0, 2)), [0.5, -1]);
 * assert.ok(Number.isNaN(back[2])); // padding = fill value
 * ```
 */
export class ChunkBuffer implements PackedChunk {
  /** The array. */
  readonly spec: ArraySpec;
  /** The chunk index. */
  readonly chunkIndex: number;
  /** First sample of the chunk. */
  readonly start: number;
  /** One past the last sample of the chunk. */
  readonly end: number;
  /** The full chunk data, at the storage type. */
  readonly data: NumericArray;
  #sampleSize: number;

  /**
   * Allocate a chunk (zeros, padding at the fill value).
   *
   * @param spec The array.
   * @param chunkIndex The chunk index along the sample axis.
   */
  constructor(spec: ArraySpec, chunkIndex: number) {
    [this.start, this.end] = chunkRange(spec, chunkIndex);
    this.spec = spec;
    this.chunkIndex = chunkIndex;
    this.#sampleSize = sampleSize(spec);
    this.data = dataTypeInfo(spec.dtype).allocate(spec.chunks[0] * this.#sampleSize);
    // Only the padding past the last sample is set to the fill value: the
    // samples themselves are all put before the chunk is stored.
    if (spec.fillValue !== null && spec.fillValue !== 0) {
      this.data.fill(spec.fillValue, (this.end - this.start) * this.#sampleSize);
    }
  }

  /**
   * Put one or more consecutive samples (flat, row-major, `k * sampleSize`
   * values for `k` samples starting at `sampleIndex`). Float arrays reject
   * NaN and infinities (also after rounding to float32); integer arrays
   * reject non-integers, values outside the type's range and the fill value
   * (which must never be mistaken for data).
   *
   * @param sampleIndex The (absolute) index of the first sample.
   * @param values The values, any numeric array type.
   */
  put(sampleIndex: number, values: ArrayLike<number>): void {
    const n = this.#sampleSize;
    const spec = this.spec;
    const count = n === 0 ? 0 : values.length / n;
    if (!Number.isInteger(count) || (n === 0 && values.length !== 0)) {
      throw new TypeError(
        `Cannot write sample ${sampleIndex} of "${spec.path}": expected a multiple of ${n} values (shape ${
          spec.shape.slice(1).join(" x ") || "scalar"
        }), got ${values.length}`,
      );
    }
    if (
      !Number.isSafeInteger(sampleIndex) || sampleIndex < this.start ||
      sampleIndex + count > this.end
    ) {
      throw new RangeError(
        `Cannot write sample ${sampleIndex} of "${spec.path}": chunk ${this.chunkIndex} holds samples ${this.start} to ${
          this.end - 1
        }`,
      );
    }
    const offset = (sampleIndex - this.start) * n;
    const data = this.data;
    const info = dataTypeInfo(spec.dtype);
    if (info.isFloat) {
      // One pass: round to the storage type, reject NaN and infinities
      // (including float32 overflow), store.
      const count = values.length;
      let bad = -1;
      if (spec.dtype === "float32") {
        for (let j = 0; j < count; j++) {
          const v = Math.fround(values[j]);
          if (v - v !== 0) {
            bad = j;
            break;
          }
          data[offset + j] = v;
        }
      } else {
        for (let j = 0; j < count; j++) {
          const v = values[j];
          if (v - v !== 0) {
            bad = j;
            break;
          }
          data[offset + j] = v;
        }
      }
      if (bad >= 0) {
        const x = values[bad];
        throw new RangeError(
          `Cannot write sample ${sampleIndex + Math.floor(bad / n)} of "${spec.path}": element ${
            bad % n
          } is ${
            Number.isNaN(x)
              ? "NaN"
              : Number.isFinite(x)
              ? `${x}, outside the ${spec.dtype} range`
              : x
          }`,
        );
      }
    } else {
      const fill = spec.fillValue;
      for (let j = 0; j < values.length; j++) {
        const v = values[j];
        if (!Number.isInteger(v) || v < info.min || v > info.max || v === fill) {
          throw new RangeError(
            `Cannot write sample ${sampleIndex + Math.floor(j / n)} of "${spec.path}": element ${
              j % n
            } is ${v}, ${
              v === fill ? "the array's fill value (never data)" : `not a valid ${spec.dtype}`
            }`,
          );
        }
      }
      data.set(values, offset);
    }
  }

  /**
   * The raw little-endian bytes of the full chunk (a view, not a copy).
   *
   * @returns The bytes.
   */
  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }

  /**
   * Encode the chunk, store it and return its key and digest.
   *
   * @param store The store.
   * @returns The record of the stored chunk.
   */
  store(store: ByteStore): Promise<ChunkRecord> {
    return storeChunk(store, this);
  }
}

/**
 * Pack the samples of one chunk into a full chunk buffer: convert to the
 * storage type, validate, pad the last chunk with the fill value.
 *
 * @param chunk The array and chunk index.
 * @param values Every sample of the chunk, flat (`(end - start) * sampleSize` values).
 * @returns The filled chunk buffer (`.bytes()` gives the raw bytes).
 *
 * @example A partial last chunk is padded
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { packChunk } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("a.zarr", {
 *   shape: [3], chunkSamples: 2, dtype: "int32", dimensionNames: ["sample"], fillValue: -1,
 * });
 * const chunk = packChunk({ spec, chunkIndex: 1 }, [7]);
 * assert.deepEqual(Array.from(new Int32Array(chunk.bytes().buffer)), [7, -1]);
 * ```
 */
export function packChunk(chunk: ChunkRef, values: ArrayLike<number>): ChunkBuffer {
  const { spec, chunkIndex } = chunk;
  const buffer = new ChunkBuffer(spec, chunkIndex);
  const expected = (buffer.end - buffer.start) * sampleSize(spec);
  if (values.length !== expected) {
    throw new TypeError(
      `Cannot pack chunk ${chunkIndex} of "${spec.path}": expected ${expected} values for samples ${buffer.start} to ${
        buffer.end - 1
      }, got ${values.length}`,
    );
  }
  buffer.put(buffer.start, values);
  return buffer;
}

/**
 * Encode raw chunk bytes with the array's codec (a copy when it has none).
 *
 * @param spec The array.
 * @param raw The raw bytes of the full chunk (`ChunkBuffer.bytes()`).
 * @returns The bytes to store.
 *
 * @example Blosc-encode a chunk
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { encodeChunk, packChunk } from "./chunk.ts";
 * import { parseBloscHeader } from "./blosc.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("a.zarr", { shape: [64], dtype: "float32", dimensionNames: ["sample"] });
 * const encoded = await encodeChunk(spec, packChunk({ spec, chunkIndex: 0 }, new Float64Array(64)).bytes());
 * assert.equal(parseBloscHeader(encoded).nbytes, 256);
 * ```
 */
export async function encodeChunk(spec: ArraySpec, raw: Uint8Array): Promise<Uint8Array> {
  checkHost();
  const expected = spec.chunks.reduce((a, b) => a * b, 1) * dataTypeInfo(spec.dtype).itemSize;
  if (raw.length !== expected) {
    throw new RangeError(
      `Cannot encode a chunk of "${spec.path}": ${raw.length} bytes, expected ${expected} (full chunk shape)`,
    );
  }
  return spec.codec === null ? raw.slice() : await codecFor(spec.codec).encode(raw);
}

/**
 * Encode a full chunk, store it under its key and return its digest.
 *
 * @param store The store.
 * @param chunk The chunk: a {@link ChunkBuffer}, or any array, index and raw bytes.
 * @param times Accumulates the milliseconds spent encoding, hashing and waiting for the write.
 * @returns The record: keys, SHA-256 of the stored bytes, sizes.
 *
 * @example Store a packed chunk
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { packChunk, storeChunk } from "./chunk.ts";
 * import { sha256Hex } from "./digest.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const spec = arraySpec("a.zarr", { shape: [4], dtype: "float32", dimensionNames: ["sample"] });
 * const record = await storeChunk(store, packChunk({ spec, chunkIndex: 0 }, [1, 2, 3, 4]));
 * assert.equal(record.digest, await sha256Hex((await store.get(record.storeKey))!));
 * assert.equal(record.rawBytes, 16);
 * ```
 */
export async function storeChunk(
  store: ByteStore,
  chunk: PackedChunk,
  times?: ChunkStoreTimes,
): Promise<ChunkRecord> {
  const { spec, chunkIndex } = chunk;
  const [start, end] = chunkRange(spec, chunkIndex);
  const key = chunkKey(spec, chunkIndex);
  const storeKey = joinKey(spec.path, key);
  let t = performance.now();
  const encoded = await encodeChunk(spec, chunk.bytes());
  const t1 = performance.now();
  // Start the write first: the hash runs while the store works.
  const written = store.set(storeKey, encoded);
  const digest = await sha256Hex(encoded);
  const md5 = md5Hex(encoded);
  const t2 = performance.now();
  await written;
  if (times !== undefined) {
    t = t1 - t;
    times.encode += t;
    times.hash += t2 - t1;
    times.write += performance.now() - t2;
  }
  return {
    path: spec.path,
    chunkIndex,
    key,
    storeKey,
    digest,
    md5,
    rawBytes: (end - start) * sampleSize(spec) * dataTypeInfo(spec.dtype).itemSize,
    storedBytes: encoded.length,
  };
}

/**
 * Decode stored chunk bytes to the full chunk data.
 *
 * @param spec The array.
 * @param stored The stored bytes.
 * @returns The chunk at the full chunk shape, as a typed array.
 *
 * @example Decode what was encoded
 * ```ts
 * import { arraySpec } from "./array_spec.ts";
 * import { decodeChunk, encodeChunk, packChunk } from "./chunk.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("a.zarr", { shape: [3], dtype: "uint8", dimensionNames: ["sample"] });
 * const stored = await encodeChunk(spec, packChunk({ spec, chunkIndex: 0 }, [1, 2, 3]).bytes());
 * assert.deepEqual(await decodeChunk(spec, stored), new Uint8Array([1, 2, 3]));
 * ```
 */
export async function decodeChunk(spec: ArraySpec, stored: Uint8Array): Promise<NumericArray> {
  checkHost();
  const info = dataTypeInfo(spec.dtype);
  const expected = spec.chunks.reduce((a, b) => a * b, 1) * info.itemSize;
  let raw: Uint8Array;
  try {
    raw = spec.codec === null ? stored : await decodeBlosc(stored, expected);
  } catch (error) {
    throw new StoreError(
      "CORRUPT",
      `Cannot decode a chunk of "${spec.path}": ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
  if (raw.length !== expected) {
    throw new StoreError(
      "CORRUPT",
      `Cannot decode a chunk of "${spec.path}": ${raw.length} bytes, expected ${expected}`,
    );
  }
  return info.view(raw);
}
