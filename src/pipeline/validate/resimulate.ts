/**
 * Re-simulation: regenerate a few samples of a world with the recorded
 * seed and compare their bytes with the stored ones (while the chunks are
 * checked, so no chunk is read twice). Catches an edited seed and stored
 * values changed consistently with their digests.
 *
 * @module
 */

import { keyedStream } from "../../numeric/rng.ts";
import { getWorld } from "../../simulators/registry.ts";
import type { ArraySpec } from "../../zarr/array_spec.ts";
import { sampleSize } from "../../zarr/chunk.ts";
import { dataTypeInfo, type NumericArray } from "../../zarr/data_type.ts";
import type { WorldLayout } from "../../dataset/world_layout.ts";
import { sampleValues } from "../chunk_task.ts";
import type { WorldSettings } from "../world_plan.ts";

/** Re-simulated samples: per array path, per sample index, the bytes this code stores. */
export type ResimulatedSamples = Map<string, Map<number, Uint8Array>>;

/**
 * Which samples to re-simulate: `k` distinct indices drawn from a stream
 * keyed by the seed (the same choice on every run).
 *
 * @param settings The world's settings.
 * @param k How many (at most the number of samples).
 * @returns Sorted sample indices.
 *
 * @example
 * ```ts
 * import { pickSamples } from "./resimulate.ts";
 * import assert from "node:assert/strict";
 * const s = { world: "nk" as const, seed: 42, nSamples: 100, T: 4, H: 1, chunkSamples: 10, zarrFormat: 3 as const };
 * assert.equal(pickSamples(s, 3).length, 3);
 * assert.deepEqual(pickSamples(s, 3), pickSamples(s, 3));
 * assert.equal(pickSamples(s, 500).length, 100);
 * ```
 */
export function pickSamples(settings: WorldSettings, k: number): number[] {
  const n = settings.nSamples;
  const rng = keyedStream(settings.seed, "validate", 0, 3);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(k, n)) chosen.add(rng.integer(0, n - 1));
  return [...chosen].sort((a, b) => a - b);
}

/**
 * Regenerate samples and convert them to their stored bytes (the same
 * mapping onto the layout and the same conversion the writer applies).
 *
 * @param layout The world layout.
 * @param settings The world's settings (seed, T, H).
 * @param indices The samples.
 * @returns The bytes of every array of every sample.
 * @throws {Error} If the simulator fails.
 *
 * @example Bytes of one nk sample
 * ```ts
 * import { resimulateSamples } from "./resimulate.ts";
 * import { layoutForWorld } from "../world_plan.ts";
 * import assert from "node:assert/strict";
 * const s = { world: "nk" as const, seed: 42, nSamples: 10, T: 4, H: 1, chunkSamples: 5, zarrFormat: 3 as const };
 * const layout = layoutForWorld(s);
 * const r = resimulateSamples(layout, s, [3]);
 * assert.equal(r.get("nk/theta.zarr")!.get(3)!.length, 12 * 4);
 * ```
 */
export function resimulateSamples(
  layout: WorldLayout,
  settings: WorldSettings,
  indices: readonly number[],
): ResimulatedSamples {
  const adapter = getWorld(settings.world);
  const out: ResimulatedSamples = new Map();
  for (const index of indices) {
    const sample = adapter.generateSample(
      settings.seed + index,
      settings.T,
      settings.H,
      settings.dtype,
    );
    for (const [spec, values] of sampleValues(layout, sample, index)) {
      const fresh = dataTypeInfo(spec.dtype).allocate(sampleSize(spec));
      fresh.set(values);
      const bytes = new Uint8Array(fresh.buffer, fresh.byteOffset, fresh.byteLength);
      let byIndex = out.get(spec.path);
      if (byIndex === undefined) out.set(spec.path, byIndex = new Map());
      byIndex.set(index, bytes);
    }
  }
  return out;
}

/**
 * The re-simulated samples of a decoded chunk whose stored bytes differ.
 *
 * @param spec The array.
 * @param values The decoded chunk.
 * @param start The chunk's first sample.
 * @param samples The re-simulated samples.
 * @returns The indices of the samples that differ (of those in the chunk).
 *
 * @example
 * ```ts
 * import { arraySpec } from "../../zarr/array_spec.ts";
 * import { differingSamples } from "./resimulate.ts";
 * import assert from "node:assert/strict";
 * const spec = arraySpec("w/a.zarr", { shape: [4, 2], chunkSamples: 2, dtype: "float32", dimensionNames: ["sample", "x"] });
 * const chunk = new Float32Array([1, 2, 3, 4]);
 * const same = new Uint8Array(new Float32Array([3, 4]).buffer);
 * const other = new Uint8Array(new Float32Array([5, 6]).buffer);
 * assert.deepEqual(differingSamples(spec, chunk, 2, new Map([["w/a.zarr", new Map([[3, same]])]])), []);
 * assert.deepEqual(differingSamples(spec, chunk, 2, new Map([["w/a.zarr", new Map([[2, other]])]])), [2]);
 * ```
 */
export function differingSamples(
  spec: ArraySpec,
  values: NumericArray,
  start: number,
  samples: ResimulatedSamples,
): number[] {
  const byIndex = samples.get(spec.path);
  if (byIndex === undefined) return [];
  const per = sampleSize(spec);
  const itemSize = dataTypeInfo(spec.dtype).itemSize;
  const stored = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out: number[] = [];
  for (const [index, fresh] of byIndex) {
    const slot = index - start;
    if (slot < 0 || slot >= spec.chunks[0]) continue;
    const old = stored.subarray(slot * per * itemSize, (slot + 1) * per * itemSize);
    let same = old.length === fresh.length;
    for (let j = 0; same && j < fresh.length; j++) same = fresh[j] === old[j];
    if (!same) out.push(index);
  }
  return out.sort((a, b) => a - b);
}
