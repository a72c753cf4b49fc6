/**
 * A world's `splits.json` against the splits this code builds from the
 * stored split statistics with the recorded split seed: they must be
 * identical, byte for byte. Differences are located by `checkSplits`
 * (holdout leaks, overlaps, coverage, samples the seeded shuffle puts
 * elsewhere) or, failing that, at the first differing entry.
 *
 * @module
 */

import type { ByteStore } from "../../store/byte_store.ts";
import { getWorld } from "../../simulators/registry.ts";
import type { WorldId } from "../../simulators/types.ts";
import { checkSplits, parseSplitsJson, type SplitResult } from "../../splits.ts";
import type { WorldLayout } from "../../dataset/world_layout.ts";
import { splitsKey } from "../../dataset/keys.ts";
import { readSplitStats, worldSplits } from "../split_stats.ts";
import { pointerToken } from "./json_diff.ts";
import type { Problems } from "./problems.ts";

const decoder = new TextDecoder();

function firstDifference(
  stored: Readonly<Record<string, ArrayLike<number>>>,
  rebuilt: SplitResult["indices"],
): { pointer: string; message: string } | undefined {
  const names = [...new Set([...Object.keys(rebuilt), ...Object.keys(stored)])];
  for (const name of names) {
    const a = stored[name], b = rebuilt[name];
    const at = `/${pointerToken(name)}`;
    if (a === undefined) return { pointer: at, message: `Split "${name}" is missing` };
    if (b === undefined) return { pointer: at, message: `Unexpected split "${name}"` };
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== b[i]) {
        return { pointer: `${at}/${i}`, message: `Stored ${a[i]}, rebuilt ${b[i]}` };
      }
    }
  }
  return undefined;
}

/**
 * Rebuild a world's splits and compare them with its `splits.json`.
 *
 * @param store The dataset store.
 * @param layout The world's layout.
 * @param splitSeed The recorded split seed.
 * @param statsReadable Whether theta and the scalar metadata were read intact (if not, only
 *   the presence of `splits.json` is checked).
 * @param problems Where problems go (check `"splits"`).
 * @returns The info of the rebuilt splits (what the manifest should record),
 *   or `undefined` if they cannot be rebuilt.
 *
 * @example Splits made with another seed
 * ```ts
 * import { checkWorldSplits } from "./splits.ts";
 * import { Problems } from "./problems.ts";
 * import { generateDataset } from "../generate.ts";
 * import { resolveConfig } from "../config.ts";
 * import { layoutForWorld } from "../world_plan.ts";
 * import { MemoryStore } from "../../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "nk", n_samples: 40, T: 4, H: 1, split_seed: 7 }], 1), { store });
 * const layout = layoutForWorld({ world: "nk", seed: 42, nSamples: 40, T: 4, H: 1, chunkSamples: 40, zarrFormat: 3 });
 * const ok = new Problems();
 * assert.equal((await checkWorldSplits(store, layout, 7, true, ok))?.info.n, 40);
 * assert.deepEqual(ok.list, []);
 * const bad = new Problems();
 * await checkWorldSplits(store, layout, 8, true, bad);
 * assert.match(bad.list[0].location, /^nk\/splits\.json#\//);
 * ```
 */
export async function checkWorldSplits(
  store: ByteStore,
  layout: WorldLayout,
  splitSeed: number,
  statsReadable: boolean,
  problems: Problems,
): Promise<SplitResult | undefined> {
  const world = layout.worldId as WorldId;
  const key = splitsKey(world);
  problems.ran("splits");
  const bytes = await store.get(key);
  if (bytes === undefined) problems.add("splits", key, "splits.json is missing", world);
  // Damaged theta or metadata chunks are reported already; the statistics need them intact.
  if (!statsReadable) return undefined;
  let stats, rebuilt;
  try {
    stats = await readSplitStats(store, layout);
    rebuilt = worldSplits(world, stats, splitSeed);
  } catch (e) {
    problems.add("splits", key, `Cannot rebuild the splits: ${(e as Error).message}`, world);
    return undefined;
  }
  if (bytes === undefined) return rebuilt.result;
  const text = decoder.decode(bytes);
  if (text === rebuilt.json) return rebuilt.result;
  let indices: Record<string, Uint32Array>;
  try {
    indices = parseSplitsJson(text);
  } catch (e) {
    problems.add("splits", key, (e as Error).message, world);
    return rebuilt.result;
  }
  const expectation = {
    stats,
    sliceRule: getWorld(world).sliceRule,
    info: rebuilt.result.info,
    n: layout.nSamples,
  };
  // Recorded values ("/info/...") are the manifest's, compared with the rebuilt info there.
  const located = checkSplits(indices, expectation).filter((v) => !v.path.startsWith("/info"));
  for (const v of located) problems.add("splits", `${key}#${v.path}`, v.message, world);
  if (located.length > 0) return rebuilt.result;
  const first = firstDifference(indices, rebuilt.result.indices);
  problems.add(
    "splits",
    first === undefined ? key : `${key}#${first.pointer}`,
    first === undefined
      ? "Not byte-identical to the splits.json this code writes (same splits, other formatting)"
      : `Differs from the splits rebuilt with split seed ${splitSeed}: ${first.message}`,
    world,
  );
  return rebuilt.result;
}
