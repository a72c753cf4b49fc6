/**
 * The splits of a world: its split statistics, read chunk by chunk from the
 * stored theta and scalar metadata (exactly what `validate` sees, so memory
 * stays at one chunk of each array plus the statistics themselves), and the
 * splits built from them (what `generate` writes and `validate` rebuilds).
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { getWorld } from "../simulators/registry.ts";
import type { WorldId } from "../simulators/types.ts";
import { buildSplits, type SplitResult, type SplitStatsColumns, splitsToJson } from "../splits.ts";
import { chunkCount, chunkRange } from "../zarr/chunk.ts";
import { readSamples } from "../dataset/read_samples.ts";
import type { WorldLayout } from "../dataset/world_layout.ts";

/** Chunks of theta (with their scalar metadata) read ahead while statistics are computed. */
const READ_AHEAD = 8;

/**
 * Read the split statistics of every sample of a world.
 *
 * @param store The dataset store.
 * @param layout The world layout.
 * @returns One value per sample and statistic, in sample order (columns).
 * @throws {Error} If a theta or scalar metadata chunk is missing or corrupt.
 *
 * @example Statistics of a generated world
 * ```ts
 * import { readSplitStats } from "./split_stats.ts";
 * import { generateDataset } from "./generate.ts";
 * import { resolveConfig } from "./config.ts";
 * import { layoutForWorld } from "./world_plan.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "nk", n_samples: 12, T: 4, H: 1, chunk_samples: 5 }], 1), { store });
 * const layout = layoutForWorld({ world: "nk", seed: 42, nSamples: 12, T: 4, H: 1, chunkSamples: 5, zarrFormat: 3 });
 * const stats = await readSplitStats(store, layout);
 * assert.equal(stats.slice.length, 12);
 * assert.ok(stats.slice[0] >= 1.05 && stats.slice[0] <= 3.5); // phi_pi
 * ```
 */
export async function readSplitStats(
  store: ByteStore,
  layout: WorldLayout,
): Promise<SplitStatsColumns> {
  const world = getWorld(layout.worldId);
  const thetaSpec = layout.arrays.theta;
  const nParams = thetaSpec.shape[1];
  const scalarSpecs = Object.entries(layout.metadata).filter(([, spec]) => spec.shape.length === 1);
  const n = layout.nSamples;
  const stats: SplitStatsColumns = {
    slice: new Float64Array(n),
    persistence: new Float64Array(n),
    volatility: new Float64Array(n),
  };
  const meta: Record<string, number> = {};
  const read = async (c: number) => {
    const range = chunkRange(thetaSpec, c);
    const [theta, scalars] = await Promise.all([
      readSamples(store, thetaSpec, { range }),
      Promise.all(
        scalarSpecs.map(async ([name, spec]) =>
          [name, await readSamples(store, spec, { range })] as const
        ),
      ),
    ]);
    return { range, theta, scalars };
  };
  // Keep READ_AHEAD chunks in flight (latency-bound stores such as S3), in order.
  const nChunks = chunkCount(thetaSpec);
  const ahead: ReturnType<typeof read>[] = [];
  const start = (c: number) => {
    const p = read(c);
    p.catch(() => {}); // awaited in turn; a failure ahead of its turn is not unhandled
    ahead.push(p);
  };
  for (let c = 0; c < Math.min(READ_AHEAD, nChunks); c++) start(c);
  for (let c = 0; c < nChunks; c++) {
    const { range, theta, scalars } = await ahead.shift()!;
    if (c + READ_AHEAD < nChunks) start(c + READ_AHEAD);
    for (let i = range[0]; i < range[1]; i++) {
      const j = i - range[0];
      for (const [name, values] of scalars) meta[name] = values[j];
      const s = world.splitStats(theta.subarray(j * nParams, (j + 1) * nParams), meta);
      stats.slice[i] = s.slice;
      stats.persistence[i] = s.persistence;
      stats.volatility[i] = s.volatility;
    }
  }
  return stats;
}

/**
 * The splits of a world as `generate` writes them: built from the split
 * statistics with the world's slice rule and the split seed.
 *
 * @param world The world.
 * @param stats Its split statistics (see {@link readSplitStats}).
 * @param splitSeed The split seed.
 * @returns The construction (indices and the info recorded in the manifest)
 *   and the text of `splits.json`.
 * @throws {RangeError} If the statistics are not finite or the seed is invalid.
 *
 * @example Deterministic
 * ```ts
 * import { worldSplits } from "./split_stats.ts";
 * import assert from "node:assert/strict";
 * const n = 50;
 * const stats = {
 *   slice: Float64Array.from({ length: n }, (_, i) => 1 + i / 20),
 *   persistence: Float64Array.from({ length: n }, (_, i) => (i * 7) % 11),
 *   volatility: Float64Array.from({ length: n }, (_, i) => (i * 3) % 13),
 * };
 * const a = worldSplits("nk", stats, 5), b = worldSplits("nk", stats, 5);
 * assert.equal(a.json, b.json);
 * assert.notEqual(worldSplits("nk", stats, 6).json, a.json);
 * assert.equal(a.result.info.n, n);
 * ```
 */
export function worldSplits(
  world: WorldId,
  stats: SplitStatsColumns,
  splitSeed: number,
): { result: SplitResult; json: string } {
  const result = buildSplits(stats, getWorld(world).sliceRule, { seed: splitSeed });
  return { result, json: splitsToJson(result.indices) };
}
