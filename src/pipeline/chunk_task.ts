/**
 * One unit of generation work: simulate every sample of one chunk of one
 * world, pack the chunk of every array from full in-memory buffers, encode
 * each chunk once (Blosc, WASM), store it and return its digest.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { getSimulator } from "../simulators/registry.ts";
import type { SampleResult } from "../simulators/types.ts";
import { ChunkBuffer, chunkKey, encodeChunk, sampleSize } from "../zarr/chunk.ts";
import { sha256Hex } from "../zarr/digest.ts";
import { joinKey } from "../zarr/metadata.ts";
import { layoutArrays, type WorldLayout } from "../zarr/world_layout.ts";
import { dataTypeInfo } from "../zarr/data_type.ts";
import type { ChunkTask } from "./plan.ts";
import type { WorldSettings } from "./world_plan.ts";

/** One stored chunk. */
export interface StoredChunk {
  /** Array path, e.g. `"nk/irfs.zarr"`. */
  array: string;
  /** Full store key. */
  key: string;
  /** SHA-256 (hex) of the stored bytes. */
  sha256: string;
  /** Raw bytes of the samples in the chunk (padding excluded). */
  rawBytes: number;
  /** Stored (encoded) bytes. */
  storedBytes: number;
}

/** CPU time per stage, in milliseconds. */
export interface StageTimes {
  /** Sampling theta and shocks, solving, simulating, IRFs. */
  simulate: number;
  /** Converting to float32 and packing chunk buffers. */
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
  /** One entry per array. */
  chunks: StoredChunk[];
  /** Rejected draws in the chunk's samples. */
  nRejections: number;
  /** Time per stage. */
  times: StageTimes;
}

/**
 * Flatten one metadata value (a number or an array) for `ChunkBuffer.put`.
 *
 * @param value The value from `SampleResult.metadata`.
 * @param scratch A one-element scratch array.
 * @returns Something array-like.
 */
function asArray(value: number | ArrayLike<number>, scratch: Float64Array): ArrayLike<number> {
  if (typeof value === "number") {
    scratch[0] = value;
    return scratch;
  }
  return value;
}

/**
 * Put every array of one sample into the chunk buffers.
 *
 * @param layout The world layout.
 * @param buffers The chunk buffers by array path.
 * @param index The sample index.
 * @param sample The sample.
 */
export function putSample(
  layout: WorldLayout,
  buffers: ReadonlyMap<string, ChunkBuffer>,
  index: number,
  sample: SampleResult,
): void {
  const a = layout.arrays;
  buffers.get(a.trajectories.path)!.put(index, sample.trajectories);
  buffers.get(a.irfs.path)!.put(index, sample.irfs);
  buffers.get(a.shocks.path)!.put(index, sample.shocks);
  buffers.get(a.theta.path)!.put(index, sample.theta);
  const scratch = new Float64Array(1);
  for (const [name, spec] of Object.entries(layout.metadata)) {
    const value = sample.metadata[name];
    if (value === undefined) {
      throw new TypeError(
        `World "${layout.worldId}" returned no metadata "${name}" for sample ${index}`,
      );
    }
    buffers.get(spec.path)!.put(index, asArray(value, scratch));
  }
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
  const world = getSimulator(settings.world);
  const specs = layoutArrays(layout);
  const times: StageTimes = { simulate: 0, pack: 0, encode: 0, hash: 0, write: 0 };
  let t = performance.now();
  const buffers = new Map<string, ChunkBuffer>();
  for (const spec of specs) buffers.set(spec.path, new ChunkBuffer(spec, task.chunk));
  times.pack += performance.now() - t;
  let nRejections = 0;
  for (let i = task.start; i < task.end; i++) {
    t = performance.now();
    const sample = world.generateSample(settings.seed + i, settings.T, settings.H);
    const t1 = performance.now();
    times.simulate += t1 - t;
    nRejections += sample.nRejections;
    putSample(layout, buffers, i, sample);
    times.pack += performance.now() - t1;
  }
  const chunks: StoredChunk[] = [];
  const writes: Promise<void>[] = [];
  for (const spec of specs) {
    const buffer = buffers.get(spec.path)!;
    t = performance.now();
    const encoded = await encodeChunk(spec, buffer.bytes());
    const t1 = performance.now();
    const sha256 = await sha256Hex(encoded);
    const t2 = performance.now();
    times.encode += t1 - t;
    times.hash += t2 - t1;
    const key = joinKey(spec.path, chunkKey(spec, task.chunk));
    writes.push(store.set(key, encoded));
    chunks.push({
      array: spec.path,
      key,
      sha256,
      rawBytes: (task.end - task.start) * sampleSize(spec) * dataTypeInfo(spec.dtype).itemSize,
      storedBytes: encoded.length,
    });
  }
  t = performance.now();
  await Promise.all(writes);
  times.write += performance.now() - t;
  return { task, chunks, nRejections, times };
}
