/**
 * The generation plan: chunk-aligned sample ranges per world, and their
 * assignment to shards.
 *
 * @module
 */

import type { WorldId } from "../simulators/types.ts";
import { sampleChunkCount, sampleChunkRange } from "../zarr/chunk.ts";

/** Which part of the plan one process writes (scale-out). */
export interface ShardSpec {
  /** 0-based shard index. */
  index: number;
  /** Number of shards. */
  count: number;
}

/** One unit of work: one chunk of samples of one world. */
export interface ChunkTask {
  /** The world. */
  world: WorldId;
  /** Chunk index along the sample axis. */
  chunk: number;
  /** First sample (inclusive). */
  start: number;
  /** Last sample (exclusive). */
  end: number;
}

/**
 * The chunk-aligned tasks of one world.
 *
 * @param world The world.
 * @param nSamples Samples in the world.
 * @param chunkSamples Samples per chunk.
 * @returns One task per chunk, in order; the last may be partial.
 *
 * @example Three chunks, the last partial
 * ```ts
 * import { planWorld } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const tasks = planWorld("nk", 10, 4);
 * assert.deepEqual(tasks.map((t) => [t.start, t.end]), [[0, 4], [4, 8], [8, 10]]);
 * ```
 */
export function planWorld(world: WorldId, nSamples: number, chunkSamples: number): ChunkTask[] {
  return Array.from({ length: sampleChunkCount(nSamples, chunkSamples) }, (_, chunk) => {
    const [start, end] = sampleChunkRange(nSamples, chunkSamples, chunk);
    return { world, chunk, start, end };
  });
}

/**
 * The tasks of one shard: task k of the plan (worlds in order, chunks in
 * order) belongs to shard `k mod N`, which spreads every world evenly.
 *
 * @param tasks The full plan.
 * @param shard The shard (undefined: everything).
 * @returns The shard's tasks, in plan order.
 *
 * @example Two shards
 * ```ts
 * import { planWorld, shardTasks } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const all = planWorld("var", 10, 2);
 * assert.deepEqual(shardTasks(all, { index: 1, count: 2 }).map((t) => t.chunk), [1, 3]);
 * ```
 */
export function shardTasks(tasks: readonly ChunkTask[], shard?: ShardSpec): ChunkTask[] {
  if (!shard) return [...tasks];
  return tasks.filter((_, k) => k % shard.count === shard.index);
}
