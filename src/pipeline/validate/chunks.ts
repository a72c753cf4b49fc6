/**
 * Every chunk of a world: present, matching its recorded SHA-256,
 * decodable, finite, theta within the prior bounds, re-simulated samples
 * byte-identical; and the facts measured on the way (digests, stored
 * sizes, rejections) from which `validate` rebuilds the manifest.
 *
 * @module
 */

import type { ByteStore } from "../../store/byte_store.ts";
import { getWorld } from "../../simulators/registry.ts";
import type { WorldId } from "../../simulators/types.ts";
import type { ArraySpec } from "../../zarr/array_spec.ts";
import { chunkCount, chunkKey, chunkRange, decodeChunk, sampleSize } from "../../zarr/chunk.ts";
import { dataTypeInfo, type NumericArray } from "../../zarr/data_type.ts";
import { sha256Hex } from "../../zarr/digest.ts";
import { joinKey } from "../../zarr/metadata.ts";
import { layoutArrays, type WorldLayout } from "../../dataset/world_layout.ts";
import type { ArrayFacts } from "../manifest_assembly.ts";
import type { Problems } from "./problems.ts";
import { differingSamples, type ResimulatedSamples } from "./resimulate.ts";

/** Inputs of {@link checkChunks}. */
export interface ChunkCheckOptions {
  /** Every key of the store. */
  present: ReadonlySet<string>;
  /** What the manifest claims per array path (digests and stored size). */
  claimed: ReadonlyMap<string, ArrayFacts>;
  /** Re-simulated samples to compare (none: no comparison). */
  resimulated: ResimulatedSamples;
  /** Seed the re-simulated samples used (for the message). */
  seed: number;
  /** Chunks read at once. */
  concurrency: number;
  /** Called after each chunk. */
  onChunk: () => void;
}

/** What {@link checkChunks} measured. */
export interface ChunkCheckResult {
  /**
   * Per array path: the digests of the stored chunks and their total size.
   * Where a chunk is missing or does not match its digest (reported at its
   * key), the manifest's claim stands in; with a chunk missing, so does the
   * claimed size.
   */
  facts: Map<string, ArrayFacts>;
  /** Sum of the stored `n_rejections` (undefined if the world has none or it is unreadable). */
  rejections?: number;
  /** Whether theta and every scalar metadata array were read intact (split statistics usable). */
  statsReadable: boolean;
  /** Chunks read. */
  chunks: number;
  /** Stored bytes read. */
  bytes: number;
}

interface ValuesCheck {
  spec: ArraySpec;
  key: string;
  start: number;
  count: number;
}

function checkFinite(v: NumericArray, at: ValuesCheck, problems: Problems, world: string): void {
  if (!dataTypeInfo(at.spec.dtype).isFloat) return;
  problems.ran("finite");
  const per = sampleSize(at.spec);
  for (let j = 0; j < at.count * per; j++) {
    if (v[j] - v[j] !== 0) {
      problems.add(
        "finite",
        at.key,
        `Sample ${at.start + Math.floor(j / per)} element ${j % per} is ${v[j]}`,
        world,
      );
      return;
    }
  }
}

function checkThetaBounds(
  v: NumericArray,
  at: ValuesCheck,
  problems: Problems,
  world: string,
): void {
  const params = getWorld(world as WorldId).params;
  problems.ran("theta-bounds");
  const per = sampleSize(at.spec);
  for (let j = 0; j < at.count * per; j++) {
    const p = j % per;
    // In float64, as numpy compares: the stored value itself, never a rounded bound.
    const [lo, hi] = params.bounds[p];
    if (!(v[j] >= lo && v[j] <= hi)) {
      problems.add(
        "theta-bounds",
        at.key,
        `Sample ${at.start + Math.floor(j / per)}: ${params.names[p]} = ${
          v[j]
        } is outside [${lo}, ${hi}]`,
        world,
      );
    }
  }
}

/**
 * Check every chunk of a world and measure its facts.
 *
 * @param store The dataset store.
 * @param layout The world's expected layout.
 * @param problems Where problems go.
 * @param options Present keys, claims, re-simulated samples, concurrency, progress.
 * @returns The measured facts.
 *
 * @example A missing chunk
 * ```ts
 * import { checkChunks } from "./chunks.ts";
 * import { Problems } from "./problems.ts";
 * import { generateDataset } from "../generate.ts";
 * import { resolveConfig } from "../config.ts";
 * import { layoutForWorld } from "../world_plan.ts";
 * import { MemoryStore } from "../../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "rbc", n_samples: 6, T: 4, H: 1, chunk_samples: 3 }], 1), { store });
 * const layout = layoutForWorld({ world: "rbc", seed: 42, nSamples: 6, T: 4, H: 1, chunkSamples: 3, zarrFormat: 3 });
 * await store.delete("rbc/theta.zarr/c/1/0");
 * const problems = new Problems();
 * const r = await checkChunks(store, layout, problems, {
 *   present: new Set(await store.list()), claimed: new Map(), resimulated: new Map(),
 *   seed: 42, concurrency: 2, onChunk: () => {},
 * });
 * assert.deepEqual(problems.list.map((p) => p.location), ["rbc/theta.zarr/c/1/0"]);
 * assert.equal(r.statsReadable, false);
 * assert.equal(Object.keys(r.facts.get("rbc/irfs.zarr")!.chunkSha256).length, 2);
 * ```
 */
export async function checkChunks(
  store: ByteStore,
  layout: WorldLayout,
  problems: Problems,
  options: ChunkCheckOptions,
): Promise<ChunkCheckResult> {
  const world = layout.worldId;
  const result: ChunkCheckResult = { facts: new Map(), statsReadable: true, chunks: 0, bytes: 0 };
  const rejectionsPath = layout.metadata.n_rejections?.path;
  let rejections = 0;
  // One queue over every chunk of every array, so `concurrency` reads stay in
  // flight across arrays (a latency-bound store such as S3 never drains
  // between two arrays, nor waits on the few chunks of a small one).
  const arrays = layoutArrays(layout).map((spec) => ({
    spec,
    claim: options.claimed.get(spec.path),
    digests: {} as Record<string, string>,
    stored: 0,
    complete: true,
    neededForStats: spec === layout.arrays.theta ||
      (spec.shape.length === 1 && spec.path.startsWith(`${layout.metadataGroup.path}/`)),
    n: chunkCount(spec),
  }));
  const jobs = arrays.flatMap((array) =>
    Array.from({ length: array.n }, (_, ci) => ({ array, ci }))
  );
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < jobs.length) {
      const { array, ci } = jobs[next++];
      const { spec, claim, digests, neededForStats } = array;
      const rel = chunkKey(spec, ci);
      const key = joinKey(spec.path, rel);
      const want = claim?.chunkSha256[rel];
      problems.ran("chunk-present");
      const bytes = options.present.has(key) ? await store.get(key) : undefined;
      options.onChunk();
      if (bytes === undefined) {
        problems.add("chunk-present", key, "Chunk is missing", world);
        if (want !== undefined) digests[rel] = want;
        array.complete = false;
        if (neededForStats) result.statsReadable = false;
        continue;
      }
      result.chunks++;
      result.bytes += bytes.length;
      array.stored += bytes.length;
      problems.ran("chunk-digest");
      const got = await sha256Hex(bytes);
      if (want !== undefined && want !== got) {
        problems.add(
          "chunk-digest",
          key,
          `SHA-256 mismatch: stored bytes hash to ${got}, manifest says ${want}`,
          world,
        );
        digests[rel] = want;
        if (neededForStats) result.statsReadable = false;
        continue;
      }
      digests[rel] = got;
      let values: NumericArray;
      try {
        problems.ran("chunk-decode");
        values = await decodeChunk(spec, bytes);
      } catch (e) {
        problems.add("chunk-decode", key, `Cannot decode chunk: ${(e as Error).message}`, world);
        if (neededForStats) result.statsReadable = false;
        continue;
      }
      const [start, end] = chunkRange(spec, ci);
      const at = { spec, key, start, count: end - start };
      checkFinite(values, at, problems, world);
      if (spec === layout.arrays.theta) checkThetaBounds(values, at, problems, world);
      if (spec.path === rejectionsPath) {
        for (let j = 0; j < at.count; j++) rejections += values[j];
      }
      for (const index of differingSamples(spec, values, start, options.resimulated)) {
        problems.add(
          "resimulate",
          spec.path,
          `Sample ${index} re-simulated with seed ${
            options.seed + index
          } differs from the stored bytes`,
          world,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, run));
  for (const { spec, claim, digests, stored, complete, n } of arrays) {
    const sorted: Record<string, string> = {};
    for (let ci = 0; ci < n; ci++) {
      const rel = chunkKey(spec, ci);
      if (digests[rel] !== undefined) sorted[rel] = digests[rel];
    }
    result.facts.set(spec.path, {
      chunkSha256: sorted,
      storedBytes: complete ? stored : claim?.storedBytes ?? stored,
    });
  }
  if (rejectionsPath !== undefined && result.statsReadable) result.rejections = rejections;
  return result;
}
