/**
 * Read selected samples of an array chunked along the sample axis, fetching
 * only the chunks that hold them, with zarrita: it reads the chunks of the
 * array our spec describes (`arrayMetadataV3`) from our store (through
 * {@link ZarritaStore}, where a missing chunk is an error) and decodes them
 * with our verified Blosc codec (registered in its registry when this module
 * loads). zarrita's errors become StoreError `CORRUPT`, naming the chunk.
 *
 * @module
 */

import { zarr } from "./_deps.ts";
import { registerBlosc } from "./_zarrita_blosc.ts";
import { ZarritaStore } from "./_zarrita_store.ts";
import type { ByteStore } from "../store/byte_store.ts";
import { StoreError } from "../store/store_error.ts";
import type { ArraySpec } from "../zarr/array_spec.ts";
import { chunkStoreKey, sampleSize } from "../zarr/chunk.ts";
import { dataTypeInfo, type NumericArray } from "../zarr/data_type.ts";
import { arrayMetadataV3 } from "../zarr/metadata.ts";

registerBlosc();

/** Options of {@link readSamples}. */
export interface ReadSamplesOptions {
  /** Samples `[start, end)` to read (default: all). Exclusive with `indices`. */
  range?: readonly [number, number];
  /** Sample indices to read, in the order wanted (repeats allowed). */
  indices?: readonly number[];
  /** Chunks fetched at once (default 8). */
  concurrency?: number;
  /** Return the fill value for chunks that are not stored instead of failing (default false). */
  allowMissing?: boolean;
}

/**
 * The sample indices a selection names, validated against `nSamples`.
 *
 * @param nSamples Number of samples of the array.
 * @param options `range` or `indices` (neither: all samples).
 * @returns The indices, or a `[start, end)` range when the selection is a range.
 *
 * @example Validate a selection
 * ```ts
 * import { resolveSelection } from "./read_samples.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(resolveSelection(10, {}), { range: [0, 10] });
 * assert.deepEqual(resolveSelection(10, { indices: [3, 1] }), { indices: [3, 1] });
 * assert.throws(() => resolveSelection(10, { indices: [10] }), RangeError);
 * ```
 */
export function resolveSelection(
  nSamples: number,
  options: Pick<ReadSamplesOptions, "range" | "indices">,
): { range: [number, number] } | { indices: number[] } {
  if (options.range !== undefined && options.indices !== undefined) {
    throw new TypeError("Invalid selection: give either range or indices, not both");
  }
  if (options.indices !== undefined) {
    const indices = [...options.indices];
    for (const i of indices) {
      if (!Number.isSafeInteger(i) || i < 0 || i >= nSamples) {
        throw new RangeError(
          `Invalid sample index ${i}: expected an integer from 0 to ${nSamples - 1}`,
        );
      }
    }
    return { indices };
  }
  const [start, end] = options.range ?? [0, nSamples];
  if (
    !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > nSamples ||
    start > end
  ) {
    throw new RangeError(
      `Invalid sample range [${start}, ${end}): expected 0 <= start <= end <= ${nSamples}`,
    );
  }
  return { range: [start, end] };
}

/**
 * The chunk reader of an array: chunk index -> the full chunk, decoded.
 *
 * @param store The store.
 * @param spec The array.
 * @param allowMissing Fill a missing chunk (zarrita's behaviour) instead of failing.
 * @returns The reader.
 */
function chunkReader(
  store: ByteStore,
  spec: ArraySpec,
  allowMissing: boolean,
): (chunkIndex: number) => Promise<NumericArray> {
  const array = new zarr.Array(
    new ZarritaStore(store, { allowMissing }),
    `/${spec.path}`,
    arrayMetadataV3(spec) as zarr.ArrayMetadata,
  );
  const length = spec.chunks.reduce((a, b) => a * b, 1);
  const rest = spec.shape.slice(1).map(() => 0);
  return async (chunkIndex) => {
    let data: NumericArray;
    try {
      data = (await array.getChunk([chunkIndex, ...rest])).data as NumericArray;
    } catch (error) {
      if (!zarr.isZarritaError(error)) throw error; // our StoreError, or the store's
      const key = chunkStoreKey(spec, chunkIndex);
      const detail = zarr.isZarritaError(error, "CodecPipelineError")
        ? `${error.codec ?? "codec"} ${error.direction} failed: ${
          error.cause instanceof Error ? error.cause.message : String(error.cause)
        }`
        : error.message;
      throw new StoreError("CORRUPT", `Cannot read chunk "${key}": ${detail}`, { cause: error });
    }
    if (data.length !== length) {
      throw new StoreError(
        "CORRUPT",
        `Cannot read chunk "${
          chunkStoreKey(spec, chunkIndex)
        }": ${data.length} values, expected ${length}`,
      );
    }
    return data;
  };
}

/**
 * Read selected samples of an array into one typed array of shape
 * `(selected, ...shape[1:])`, fetching each needed chunk once.
 *
 * @param store The store.
 * @param spec The array.
 * @param options The selection, concurrency and missing-chunk policy.
 * @returns The values, row-major.
 *
 * @example Read two samples out of order
 * ```ts
 * import { arraySpec } from "../zarr/array_spec.ts";
 * import { packChunk, storeChunk } from "../zarr/chunk.ts";
 * import { readSamples } from "./read_samples.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const spec = arraySpec("a.zarr", { shape: [4, 2], chunkSamples: 2, dtype: "int32", dimensionNames: ["sample", "k"] });
 * await storeChunk(store, packChunk({ spec, chunkIndex: 0 }, [0, 1, 10, 11]));
 * await storeChunk(store, packChunk({ spec, chunkIndex: 1 }, [20, 21, 30, 31]));
 * const out = await readSamples(store, spec, { indices: [3, 0] });
 * assert.deepEqual(Array.from(out), [30, 31, 0, 1]);
 * ```
 */
export async function readSamples(
  store: ByteStore,
  spec: ArraySpec,
  options: ReadSamplesOptions = {},
): Promise<NumericArray> {
  const selection = resolveSelection(spec.shape[0], options);
  const n = sampleSize(spec);
  const perChunk = spec.chunks[0];
  // chunk index -> [output slot, sample] pairs (flat)
  const plan = new Map<number, number[]>();
  let count: number;
  if ("range" in selection) {
    const [start, end] = selection.range;
    count = end - start;
    for (let i = start; i < end; i++) {
      const c = Math.floor(i / perChunk);
      let list = plan.get(c);
      if (list === undefined) plan.set(c, list = []);
      list.push(i - start, i);
    }
  } else {
    count = selection.indices.length;
    selection.indices.forEach((i, slot) => {
      const c = Math.floor(i / perChunk);
      let list = plan.get(c);
      if (list === undefined) plan.set(c, list = []);
      list.push(slot, i);
    });
  }
  const out = dataTypeInfo(spec.dtype).allocate(count * n);
  const chunks = [...plan.keys()].sort((a, b) => a - b);
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const read = chunkReader(store, spec, options.allowMissing ?? false);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < chunks.length) {
      const c = chunks[next++];
      const data = await read(c);
      const pairs = plan.get(c)!;
      const base = c * perChunk;
      for (let p = 0; p < pairs.length;) {
        // Copy runs of consecutive samples to consecutive slots in one go.
        const slot = pairs[p];
        const sample = pairs[p + 1];
        let run = 1;
        p += 2;
        while (p < pairs.length && pairs[p] === slot + run && pairs[p + 1] === sample + run) {
          run++;
          p += 2;
        }
        const from = (sample - base) * n;
        out.set(data.subarray(from, from + run * n), slot * n);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return out;
}
