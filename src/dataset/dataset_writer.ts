/**
 * `DatasetWriter`: write the samples of one world into Zarr arrays, in any
 * order, one chunk at a time.
 *
 * @module
 */

import { countOf } from "../plural.ts";
import type { ByteStore } from "../store/byte_store.ts";
import { deleteKeys } from "../store/byte_store.ts";
import { isWorldKey } from "./keys.ts";
import { openLocationStore, type StoreLocation } from "../store/location.ts";
import { StoreError } from "../store/store_error.ts";
import type { ArraySpec } from "../zarr/array_spec.ts";
import {
  ChunkBuffer,
  chunkCount,
  chunkRange,
  type ChunkRecord,
  chunkTotals,
  sampleSize,
} from "../zarr/chunk.ts";
import type { DataType, NumericArray } from "../zarr/data_type.ts";
import {
  layoutArrays,
  MAIN_ARRAYS,
  type WorldLayout,
  worldLayout,
  type WorldLayoutOptions,
  writeLayoutMetadata,
} from "./world_layout.ts";

/**
 * Options of {@link DatasetWriter.create}: where, which world, and the
 * world's layout (the options of `worldLayout`: sizes, metadata fields,
 * chunking, format, labels, attributes).
 */
export interface DatasetWriterOptions extends WorldLayoutOptions {
  /**
   * Where to write: a folder path or store URL (opened here, and closed by
   * `finalize`), or an open store.
   */
  location: StoreLocation;
  /** The world id: the top-level folder of the world's arrays. */
  worldId: string;
  /** Replace whatever the store holds under `<world>/` (default false: refuse). */
  overwrite?: boolean;
  /** Completed chunks being encoded and stored at once before writes wait (default 4). */
  maxPendingChunks?: number;
}

/** One sample: flat row-major values, float64 or float32 (stored as float32). */
export interface SampleArrays {
  /** Parameters `(nParams)`. */
  theta: ArrayLike<number>;
  /** Observables `(T, nObs)`. */
  trajectories: ArrayLike<number>;
  /** IRFs `(nShocks, H + 1, nObs)`. */
  irfs: ArrayLike<number>;
  /** Shocks `(T, nShocks)`. */
  shocks: ArrayLike<number>;
  /** One value (or flat array) per metadata field, by field name. */
  metadata?: Readonly<Record<string, number | ArrayLike<number>>>;
}

/** Several consecutive samples: each array holds `k` samples back to back. */
export interface BatchArrays {
  /** Parameters `(k, nParams)`. */
  theta: ArrayLike<number>;
  /** Observables `(k, T, nObs)`. */
  trajectories: ArrayLike<number>;
  /** IRFs `(k, nShocks, H + 1, nObs)`. */
  irfs: ArrayLike<number>;
  /** Shocks `(k, T, nShocks)`. */
  shocks: ArrayLike<number>;
  /** Metadata `(k, ...shape)` per field, by field name. */
  metadata?: Readonly<Record<string, ArrayLike<number>>>;
}

/** What was written to one array. */
export interface ArraySummary {
  /** Store key of the array folder. */
  path: string;
  /** Array shape. */
  shape: number[];
  /** Chunk shape. */
  chunks: number[];
  /** Storage data type. */
  dtype: DataType;
  /** Number of chunks. */
  nChunks: number;
  /** Bytes of the array's values, uncompressed (chunk padding excluded). */
  rawBytes: number;
  /** Bytes stored (all chunks, encoded). */
  storedBytes: number;
  /** `rawBytes / storedBytes`. */
  compressionRatio: number;
  /** SHA-256 (hex) of each stored chunk, by chunk key relative to the array, in chunk order. */
  chunkDigests: Record<string, string>;
}

/** What `finalize` returns. */
export interface DatasetSummary {
  /** The world id. */
  worldId: string;
  /** The store URL. */
  url: string;
  /** On-disk format. */
  zarrFormat: 2 | 3;
  /** Number of samples. */
  nSamples: number;
  /** Samples per chunk. */
  chunkSamples: number;
  /** Sum of the arrays' raw bytes. */
  rawBytes: number;
  /** Sum of the arrays' stored bytes. */
  storedBytes: number;
  /** `rawBytes / storedBytes`. */
  compressionRatio: number;
  /** Per array: `trajectories`, `irfs`, `shocks`, `theta`, then `metadata/<field>`. */
  arrays: Record<string, ArraySummary>;
}

interface PendingChunk {
  buffers: ChunkBuffer[];
  count: number;
  expected: number;
}

function describeShape(spec: ArraySpec): string {
  return spec.shape.length > 1 ? spec.shape.slice(1).join(" x ") : "scalar";
}

/** A typed array as is; anything else array-like copied into a Float64Array. */
function toFlat(values: ArrayLike<number>): NumericArray {
  return ArrayBuffer.isView(values) && !(values instanceof DataView)
    ? values as NumericArray
    : Float64Array.from(values);
}

function formatIndices(indices: number[], limit = 20): string {
  const parts: string[] = [];
  for (let k = 0; k < indices.length && parts.length < limit;) {
    let j = k;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(j === k ? `${indices[k]}` : `${indices[k]}-${indices[j]}`);
    k = j + 1;
  }
  const shown = parts.join(", ");
  return parts.length === limit ? `${shown}, ...` : shown;
}

/**
 * Writes the samples of one world: `trajectories`, `irfs`, `shocks`, `theta`
 * and the metadata arrays. Samples may arrive in any order; each chunk is
 * buffered until all its samples are in, then encoded once and stored, so
 * memory stays at a few chunks for in-order writes. `finalize` waits for
 * every chunk and returns sizes and chunk digests.
 *
 * @example Write a tiny world and check the summary
 * ```ts
 * import { DatasetWriter } from "./dataset_writer.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const writer = await DatasetWriter.create({
 *   location: new MemoryStore(), worldId: "nk", nSamples: 3, T: 4, H: 2, nParams: 2, nShocks: 1,
 * });
 * for (const i of [2, 0, 1]) {
 *   await writer.writeSample(i, {
 *     theta: [i, 1], trajectories: new Float64Array(12).fill(i), irfs: new Float64Array(9), shocks: new Float64Array(4),
 *   });
 * }
 * const summary = await writer.finalize();
 * assert.deepEqual(summary.arrays.irfs.shape, [3, 1, 3, 3]);
 * assert.equal(Object.keys(summary.arrays.theta.chunkDigests)[0], "c/0/0");
 * ```
 */
export class DatasetWriter {
  #store: ByteStore;
  #ownsStore: boolean;
  #layout: WorldLayout;
  #specs: ArraySpec[];
  #names: string[];
  #metaNames: string[];
  #pending = new Map<number, PendingChunk>();
  #received: Uint8Array;
  #nReceived = 0;
  #inflight = new Set<Promise<void>>();
  #maxPending: number;
  #failure: unknown = undefined;
  #records: Map<number, ChunkRecord>[];
  #finalized = false;

  private constructor(
    store: ByteStore,
    ownsStore: boolean,
    layout: WorldLayout,
    maxPending: number,
  ) {
    this.#store = store;
    this.#ownsStore = ownsStore;
    this.#layout = layout;
    this.#specs = layoutArrays(layout);
    this.#metaNames = Object.keys(layout.metadata);
    this.#names = [...MAIN_ARRAYS, ...this.#metaNames.map((n) => `metadata/${n}`)];
    this.#received = new Uint8Array(Math.ceil(layout.nSamples / 8));
    this.#records = this.#specs.map(() => new Map());
    this.#maxPending = maxPending;
  }

  /**
   * Create the world's groups and array metadata and return a writer.
   * Refuses (StoreError `EXISTS`) if the store already holds keys under
   * `<world>/`, unless `overwrite` is set, which deletes them first (and
   * the temporary files of interrupted writes), but only if every one of
   * them is a document or chunk of this world's arrays: anything else there
   * is refused, never deleted.
   *
   * @param options Store, world id, sizes, chunking, format, attributes,
   *   metadata fields.
   * @returns The writer.
   */
  static async create(options: DatasetWriterOptions): Promise<DatasetWriter> {
    if (options.location === undefined) {
      throw new TypeError("Cannot create a DatasetWriter: no location (a path, URL or store)");
    }
    const maxPending = options.maxPendingChunks ?? 4;
    if (!Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new RangeError(`Invalid maxPendingChunks: ${maxPending} is not a positive integer`);
    }
    const { location: _, worldId, overwrite: __, maxPendingChunks: ___, ...layoutOptions } =
      options;
    const layout = worldLayout(worldId, layoutOptions);
    const { store, opened } = await openLocationStore(options.location);
    const prefix = `${layout.worldId}/`;
    const existing = await store.list(prefix);
    if (existing.length > 0) {
      if (!options.overwrite) {
        throw new StoreError(
          "EXISTS",
          `Cannot create world "${layout.worldId}" in "${store.url}": it already holds ${
            countOf(existing.length, "key")
          } (pass overwrite: true to replace them)`,
        );
      }
      // Delete only what a writer of this world writes: anything else there is someone else's.
      const fields = new Set(Object.keys(layout.metadata));
      const foreign = existing.filter((key) => !isWorldKey(key, layout.worldId, fields));
      if (foreign.length > 0) {
        throw new StoreError(
          "EXISTS",
          `Cannot overwrite world "${layout.worldId}" in "${store.url}": it holds ${
            countOf(foreign.length, "key")
          } that are not part of this world's arrays (${foreign.slice(0, 3).join(", ")}${
            foreign.length > 3 ? ", ..." : ""
          }); move them away first`,
        );
      }
      await deleteKeys(store, existing);
    }
    // Temporary files of writes a killed process left in this world's folder.
    await store.removeTempFiles?.((key) => key.startsWith(prefix));
    await writeLayoutMetadata(store, layout);
    return new DatasetWriter(store, opened, layout, maxPending);
  }

  /** The layout: every array spec and the samples per chunk. */
  get layout(): WorldLayout {
    return this.#layout;
  }

  /**
   * Chunks held in memory: incomplete chunks plus completed chunks still
   * being encoded and stored (a few for in-order writes).
   */
  get bufferedChunks(): number {
    return this.#pending.size + this.#inflight.size;
  }

  /** Number of samples received so far. */
  get samplesWritten(): number {
    return this.#nReceived;
  }

  #checkOpen(): void {
    if (this.#finalized) {
      throw new Error(`Cannot write to world "${this.#layout.worldId}": the writer is finalized`);
    }
    if (this.#failure !== undefined) this.#throwFailure();
  }

  #throwFailure(): never {
    const error = this.#failure;
    throw new Error(
      `Cannot write world "${this.#layout.worldId}" to "${this.#store.url}": ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }

  #isReceived(i: number): boolean {
    return (this.#received[i >> 3] & (1 << (i & 7))) !== 0;
  }

  #checkIndices(start: number, count: number): void {
    const n = this.#layout.nSamples;
    const world = this.#layout.worldId;
    if (!Number.isSafeInteger(start) || start < 0 || start + count > n) {
      const what = count === 1 ? `sample ${start}` : `samples ${start} to ${start + count - 1}`;
      throw new RangeError(
        `Cannot write ${what} of world "${world}": sample indices must be integers from 0 to ${
          n - 1
        }`,
      );
    }
    for (let i = start; i < start + count; i++) {
      if (this.#isReceived(i)) {
        throw new RangeError(
          `Cannot write sample ${i} of world "${world}": it was already written`,
        );
      }
    }
  }

  #arraysOf(sample: SampleArrays | BatchArrays, count: number, start: number): NumericArray[] {
    const values: NumericArray[] = [];
    const what = count === 1 ? `sample ${start}` : `samples ${start} to ${start + count - 1}`;
    const check = (spec: ArraySpec, name: string, v: unknown): NumericArray => {
      if (typeof v === "number" && sampleSize(spec) === 1 && count === 1) v = [v];
      if (
        v === null || typeof v !== "object" || typeof (v as ArrayLike<number>).length !== "number"
      ) {
        throw new TypeError(
          `Cannot write ${what} of "${spec.path}": ${name} is missing or not an array`,
        );
      }
      const arr = v as ArrayLike<number>;
      const expected = count * sampleSize(spec);
      if (arr.length !== expected) {
        throw new TypeError(
          `Cannot write ${what} of "${spec.path}": expected ${expected} values (${
            count === 1 ? "" : `${count} x `
          }${describeShape(spec)}), got ${arr.length}`,
        );
      }
      return toFlat(arr);
    };
    MAIN_ARRAYS.forEach((name, k) => values.push(check(this.#specs[k], name, sample[name])));
    const metadata = sample.metadata ?? {};
    for (const key of Object.keys(metadata)) {
      if (!Object.hasOwn(this.#layout.metadata, key)) {
        throw new TypeError(
          `Cannot write ${what} of world "${this.#layout.worldId}": unknown metadata field "${key}" (declared: ${
            this.#metaNames.join(", ") || "none"
          })`,
        );
      }
    }
    this.#metaNames.forEach((name, k) => {
      values.push(
        check(this.#specs[MAIN_ARRAYS.length + k], `metadata field "${name}"`, metadata[name]),
      );
    });
    return values;
  }

  #chunk(c: number): PendingChunk {
    let chunk = this.#pending.get(c);
    if (chunk === undefined) {
      const [start, end] = chunkRange(this.#specs[0], c);
      chunk = {
        buffers: this.#specs.map((spec) => new ChunkBuffer(spec, c)),
        count: 0,
        expected: end - start,
      };
      this.#pending.set(c, chunk);
    }
    return chunk;
  }

  /** Put `[a, b)` (within chunk c) from the flat batch values starting at `first`. */
  #put(c: number, a: number, b: number, first: number, values: NumericArray[]): void {
    const chunk = this.#chunk(c);
    chunk.buffers.forEach((buffer, k) => {
      const n = sampleSize(buffer.spec);
      buffer.put(a, values[k].subarray((a - first) * n, (b - first) * n));
    });
    for (let i = a; i < b; i++) this.#received[i >> 3] |= 1 << (i & 7);
    chunk.count += b - a;
    this.#nReceived += b - a;
    if (chunk.count === chunk.expected) {
      this.#pending.delete(c);
      this.#flush(c, chunk);
    }
  }

  #flush(c: number, chunk: PendingChunk): void {
    const task = Promise.all(chunk.buffers.map((buffer) => buffer.store(this.#store)))
      .then((records) => {
        records.forEach((record, k) => this.#records[k].set(c, record));
      })
      .catch((error) => {
        this.#failure ??= error;
      })
      .finally(() => {
        this.#inflight.delete(task);
      });
    this.#inflight.add(task);
  }

  async #backpressure(): Promise<void> {
    while (this.#inflight.size >= this.#maxPending) await Promise.race(this.#inflight);
    if (this.#failure !== undefined) this.#throwFailure();
  }

  /**
   * Write one sample. Values are validated (shape, NaN and infinities,
   * integer ranges) and converted to the storage type; errors name the
   * array and the sample index. A sample that failed may be written again.
   *
   * @param index The sample index, `0 <= index < nSamples`, each written once.
   * @param sample The arrays of the sample (and its metadata values).
   * @returns When the sample is buffered (and earlier chunks are being stored).
   */
  async writeSample(index: number, sample: SampleArrays): Promise<void> {
    this.#checkOpen();
    this.#checkIndices(index, 1);
    const values = this.#arraysOf(sample, 1, index);
    const c = Math.floor(index / this.#layout.chunkSamples);
    this.#put(c, index, index + 1, index, values);
    await this.#backpressure();
  }

  /**
   * Write `k` consecutive samples `start .. start + k - 1`; each array holds
   * the `k` samples back to back. If a value fails validation, the samples
   * of earlier chunks of the batch are kept and the rest is not written.
   *
   * @param start The index of the first sample.
   * @param batch The arrays of the samples (and their metadata values).
   * @returns When the samples are buffered.
   */
  async writeBatch(start: number, batch: BatchArrays): Promise<void> {
    this.#checkOpen();
    const perSample = sampleSize(this.#specs[0]);
    const len = batch?.trajectories?.length;
    if (typeof len !== "number" || len % perSample !== 0) {
      throw new TypeError(
        `Cannot write a batch at ${start} of "${
          this.#specs[0].path
        }": trajectories must hold a multiple of ${perSample} values, got ${len}`,
      );
    }
    const count = len / perSample;
    if (count === 0) return;
    this.#checkIndices(start, count);
    const values = this.#arraysOf(batch, count, start);
    const per = this.#layout.chunkSamples;
    for (let a = start; a < start + count;) {
      const c = Math.floor(a / per);
      const b = Math.min(start + count, (c + 1) * per);
      this.#put(c, a, b, start, values);
      a = b;
      await this.#backpressure();
    }
  }

  /**
   * Wait for every chunk to be stored, check that every sample was written,
   * and return the summary. Closes the store if the writer opened it.
   *
   * @returns Per array: shape, chunks, dtype, raw and stored bytes,
   *   compression ratio and the SHA-256 of every chunk.
   */
  async finalize(): Promise<DatasetSummary> {
    if (this.#finalized) {
      throw new Error(`Cannot finalize world "${this.#layout.worldId}": already finalized`);
    }
    while (this.#inflight.size > 0) await Promise.race(this.#inflight);
    if (this.#failure !== undefined) this.#throwFailure();
    const n = this.#layout.nSamples;
    if (this.#nReceived !== n) {
      const missing: number[] = [];
      for (let i = 0; i < n && missing.length < 1000; i++) {
        if (!this.#isReceived(i)) missing.push(i);
      }
      throw new Error(
        `Cannot finalize world "${this.#layout.worldId}": ${
          n - this.#nReceived
        } of ${n} samples were never written to ${this.#names.join(", ")}: missing sample indices ${
          formatIndices(missing)
        }`,
      );
    }
    this.#finalized = true;
    const arrays: Record<string, ArraySummary> = {};
    let rawBytes = 0;
    let storedBytes = 0;
    this.#specs.forEach((spec, k) => {
      const records = this.#records[k];
      const nChunks = chunkCount(spec);
      for (let c = 0; c < nChunks; c++) {
        if (!records.has(c)) {
          throw new Error(
            `Cannot finalize world "${this.#layout.worldId}": chunk ${c} of "${spec.path}" was never stored`,
          );
        }
      }
      const totals = chunkTotals(records.values());
      rawBytes += totals.rawBytes;
      storedBytes += totals.storedBytes;
      arrays[this.#names[k]] = {
        path: spec.path,
        shape: [...spec.shape],
        chunks: [...spec.chunks],
        dtype: spec.dtype,
        ...totals,
        compressionRatio: totals.storedBytes === 0 ? 0 : totals.rawBytes / totals.storedBytes,
      };
    });
    if (this.#ownsStore) await this.#store.close?.();
    return {
      worldId: this.#layout.worldId,
      url: this.#store.url,
      zarrFormat: this.#layout.zarrFormat,
      nSamples: n,
      chunkSamples: this.#layout.chunkSamples,
      rawBytes,
      storedBytes,
      compressionRatio: storedBytes === 0 ? 0 : rawBytes / storedBytes,
      arrays,
    };
  }
}
