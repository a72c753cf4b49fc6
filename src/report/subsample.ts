/**
 * Deterministic, chunk-aligned subsampling of a world for the report.
 *
 * Samples are independent draws (sample i uses seed `g + i`), so any set of
 * indices chosen without looking at the data is a fair sample. Whole chunks
 * spread evenly over the index range keep the reads small: the report reads
 * `ceil(maxSamples / chunkSamples)` chunks per array instead of all of them.
 *
 * @module
 */

import { sampleChunkCount, sampleChunkRange } from "../zarr/chunk.ts";

/**
 * Choose at most `maxSamples` sample indices of a world: every index when
 * the world is small enough, otherwise every sample of evenly spaced whole
 * chunks, thinned evenly to `maxSamples`. A pure function of its arguments.
 *
 * @param nSamples Number of samples of the world.
 * @param chunkSamples Samples per chunk along the sample axis.
 * @param maxSamples Upper bound on the number of indices returned (at least 1).
 * @returns Sorted, distinct indices in `[0, nSamples)`.
 * @throws {RangeError} If an argument is not a positive integer (`nSamples` may be 0).
 *
 * @example Two whole chunks out of ten
 * ```ts
 * import { chooseSubsample } from "./subsample.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(chooseSubsample(5, 4, 10), [0, 1, 2, 3, 4]);
 * const picked = chooseSubsample(100, 10, 20);
 * assert.equal(picked.length, 20);
 * assert.deepEqual(new Set(picked.map((i) => Math.floor(i / 10))), new Set([0, 5]));
 * ```
 */
export function chooseSubsample(
  nSamples: number,
  chunkSamples: number,
  maxSamples: number,
): number[] {
  if (!Number.isSafeInteger(nSamples) || nSamples < 0) {
    throw new RangeError(`Invalid number of samples: expected an integer >= 0, got ${nSamples}`);
  }
  if (!Number.isSafeInteger(chunkSamples) || chunkSamples < 1) {
    throw new RangeError(`Invalid chunk size: expected an integer >= 1, got ${chunkSamples}`);
  }
  if (!Number.isSafeInteger(maxSamples) || maxSamples < 1) {
    throw new RangeError(`Invalid sample limit: expected an integer >= 1, got ${maxSamples}`);
  }
  if (nSamples <= maxSamples) return Array.from({ length: nSamples }, (_, i) => i);
  const nChunks = sampleChunkCount(nSamples, chunkSamples);
  const k = Math.min(nChunks, Math.ceil(maxSamples / chunkSamples));
  const picked: number[] = [];
  for (let j = 0; j < k; j++) {
    const [start, end] = sampleChunkRange(nSamples, chunkSamples, Math.floor((j * nChunks) / k));
    for (let i = start; i < end; i++) picked.push(i);
  }
  if (picked.length <= maxSamples) return picked;
  return Array.from(
    { length: maxSamples },
    (_, p) => picked[Math.floor((p * picked.length) / maxSamples)],
  );
}
