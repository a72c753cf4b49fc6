/**
 * One unit of generation work: simulate every sample of one chunk of one
 * world, pack the chunk of every array from full in-memory buffers, encode
 * each chunk once (Blosc, WASM), store it and return its digest.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { getWorld } from "../simulators/registry.ts";
import type { SampleResult } from "../simulators/types.ts";
import { ChunkBuffer, type ChunkRecord, storeChunk } from "../zarr/chunk.ts";
import { layoutArrays, type WorldLayout } from "../dataset/world_layout.ts";
import type { ArraySpec } from "../zarr/array_spec.ts";
import type { ChunkTask } from "./plan.ts";
import type { WorldSettings } from "./world_plan.ts";

/** CPU time per stage, in milliseconds. */
export interface StageTimes {
  /** Sampling theta and shocks, solving, simulating, IRFs. */
  simulate: number;
  /** Converting to the stored type and packing chunk buffers. */
  pack: number;
  /** Blosc encoding. */
  encode: number;
  /** SHA-256 of the stored bytes. */
  hash: number;
  /** Writing to the store. */
  write: number;
}

/** What one finished task reports. */
export interface ChunkTaskResult {
  /** The task. */
  task: ChunkTask;
  /** One record per array. */
  chunks: ChunkRecord[];
  /** Rejected draws in the chunk's samples. */
  nRejections: number;
  /** Time per stage. */
  times: StageTimes;
}

/**
 * Every array's values of one sample, paired with the array they belong to:
 * the one place that maps a `SampleResult` onto the world's layout.
 *
 * @param layout The world layout.
 * @param sample The sample.
 * @param index The sample index (for the error message).
 * @returns `[spec, values]` per array, in layout order.
 * @throws {TypeError} If the sample lacks a metadata field of the layout.
 */
export function sampleValues(
  layout: WorldLayout,
  sample: SampleResult,
  index: number,
): [ArraySpec, ArrayLike<number>][] {
  const a = layout.arrays;
  const out: [ArraySpec, ArrayLike<number>][] = [
    [a.trajectories, sample.trajectories],
    [a.irfs, sample.irfs],
    [a.shocks, sample.shocks],
    [a.theta, sample.theta],
  ];
  for (const [name, spec] of Object.entries(layout.metadata)) {
    const value = sample.metadata[name];
    if (value === undefined) {
      throw new TypeError(
        `World "${layout.worldId}" returned no metadata "${name}" for sample ${index}`,
      );
    }
    out.push([spec, typeof value === "number" ? [value] : value]);
  }
  return out;
}

/**
 * Simulate the samples of one chunk and store the chunk of every array.
 *
 * @param store Where to write.
 * @param layout The world layout (from `layoutForWorld(settings)`).
 * @param settings The world settings.
 * @param task The chunk to produce.
 * @returns Digests, sizes, rejections and stage times.
 */
export async function runChunkTask(
  store: ByteStore,
  layout: WorldLayout,
  settings: WorldSettings,
  task: ChunkTask,
): Promise<ChunkTaskResult> {
  const world = getWorld(settings.world);
  const specs = layoutArrays(layout);
  const times: StageTimes = { simulate: 0, pack: 0, encode: 0, hash: 0, write: 0 };
  let t = performance.now();
  const buffers = new Map<string, ChunkBuffer>();
  for (const spec of specs) buffers.set(spec.path, new ChunkBuffer(spec, task.chunk));
  times.pack += performance.now() - t;
  let nRejections = 0;
  for (let i = task.start; i < task.end; i++) {
    t = performance.now();
    const sample = world.generateSample(settings.seed + i, settings.T, settings.H, settings.dtype);
    const t1 = performance.now();
    times.simulate += t1 - t;
    nRejections += sample.nRejections;
    for (const [spec, values] of sampleValues(layout, sample, i)) {
      buffers.get(spec.path)!.put(i, values);
    }
    times.pack += performance.now() - t1;
  }
  // Every array's chunk through the one writer (storeChunk); the writes overlap.
  const chunks = await Promise.all(
    specs.map((spec) => storeChunk(store, buffers.get(spec.path)!, times)),
  );
  return { task, chunks, nRejections, times };
}
