/**
 * Finishing a run: check that every chunk of every world is there, build
 * the splits, write `params.parquet` (recorded in the root group's
 * attributes), write `manifest.json` last and delete the ledger. `generate`
 * ends with it; `deno task finalize` runs it after sharded generation.
 *
 * @module
 */

import { countOf } from "../plural.ts";
import type { ByteStore } from "../store/byte_store.ts";
import type { WorldId } from "../simulators/types.ts";
import { isOurKey, MANIFEST_KEY, splitsKey } from "../dataset/keys.ts";
import { chunkCount, chunkTotals, sampleChunkCount } from "../zarr/chunk.ts";
import { layoutArrays, type WorldLayout } from "../dataset/world_layout.ts";
import { PARAMS_PARQUET_ATTRIBUTE, writeParamsParquet } from "../params/params_parquet.ts";
import { manifestFacts, rootAttributes, rootDocuments } from "../dataset/root_group.ts";
import { ZMETADATA } from "../zarr/consolidated.ts";
import { UsageError } from "../usage_error.ts";
import { openLocation } from "./_open.ts";
import type { GenerateConfig } from "./config.ts";
import { deleteLedger, type LedgerEntry, readLedger } from "./ledger.ts";
import { type ArrayFacts, assembleManifest, type WorldFacts } from "./manifest_assembly.ts";
import { refuseLinks } from "./output_claim.ts";
import { checkLedgerChunks } from "./ledger_check.ts";
import { readRunRecord, type RunRecord, settingsFromRun } from "./run_config.ts";
import {
  alreadyComplete,
  emptyStageSeconds,
  type GenerateOptions,
  type GenerateSummary,
  worldSummary,
} from "./run_types.ts";
import { readSplitStats, worldSplits } from "./split_stats.ts";
import { layoutForWorld, type WorldSettings } from "./world_plan.ts";

/**
 * Finish a sharded run (or re-finish an interrupted one): check that every
 * chunk of every world was recorded by a shard and is stored with its
 * recorded size (and MD5, where the store lists a plain-MD5 ETag), by
 * listing, without downloading the chunks; then build the splits (reading
 * theta and the scalar metadata) and write `manifest.json`. `validate`
 * re-hashes every chunk.
 *
 * @param output The output folder or URL.
 * @param options Progress listener, store override, git hash.
 * @returns The summary.
 * @throws {UsageError} If there is no run to finalize.
 * @throws {Error} Listing the missing or damaged chunks.
 */
export async function finalizeDataset(
  output: string,
  options: GenerateOptions = {},
): Promise<GenerateSummary> {
  const started = performance.now();
  const store = await openLocation(output, options.store);
  await refuseLinks(store, output);
  if (await store.get(MANIFEST_KEY)) {
    // Finalized already; a kill may have cut the ledger clean-up short: finish it.
    const n = await deleteLedger(store);
    return alreadyComplete(
      output,
      started,
      n > 0
        ? `finalized already: removed ${
          countOf(n, "file")
        } of the run ledger a previous finalize left`
        : "finalized already: nothing to do",
    );
  }
  let run: RunRecord | undefined;
  try {
    run = await readRunRecord(store);
  } catch (e) {
    throw new UsageError(`Cannot finalize ${output}: its run record is damaged`, { cause: e });
  }
  if (!run) {
    throw new UsageError(
      `Output ${output} holds no ume-data run to finalize: run generate (with --shard i/N) first`,
    );
  }
  const { config, settings } = settingsFromRun(run);
  config.output = output;
  // Every shard has finished: drop temporary files of writes cut off by a crash.
  await store.removeTempFiles?.(isOurKey);
  const emit = options.onProgress ?? (() => {});
  const times = emptyStageSeconds();
  const layouts = new Map<WorldId, WorldLayout>();
  const ledgers = new Map<WorldId, Map<number, LedgerEntry>>();
  const problems: string[] = [];
  const tVerify = performance.now();
  const total = settings.reduce((a, s) => a + sampleChunkCount(s.nSamples, s.chunkSamples), 0);
  let done = 0;
  // Task k of the plan (worlds in order, chunks in order) runs on shard k mod N.
  let firstTask = 0;
  const tasks: number[] = [];
  for (const s of settings) {
    const offset = firstTask;
    firstTask += sampleChunkCount(s.nSamples, s.chunkSamples);
    const layout = layoutForWorld(s);
    layouts.set(s.world, layout);
    const ledger = await readLedger(store, s.world);
    ledgers.set(s.world, ledger);
    const n = chunkCount(layout.arrays.theta);
    const missing: number[] = [];
    for (let c = 0; c < n; c++) {
      if (!ledger.has(c)) missing.push(c);
    }
    // Presence and size (and MD5 ETags) by listing: no chunk is downloaded.
    const recorded = [...ledger.values()].filter((e) => e.task.chunk < n)
      .sort((a, b) => a.task.chunk - b.task.chunk);
    done += missing.length;
    const checked = await checkLedgerChunks(store, recorded, () => {
      done++;
      emit({
        phase: "verify",
        done,
        total,
        unit: "chunks",
        elapsedMs: performance.now() - tVerify,
      });
    });
    for (const d of checked.damaged) {
      problems.push(`${s.world} chunk ${d.chunk} is damaged (${d.reason})`);
      tasks.push(offset + d.chunk);
    }
    if (missing.length > 0) {
      problems.push(
        `${s.world} is missing ${missing.length} of ${countOf(n, "chunk")} (${
          compactRanges(missing)
        })`,
      );
      tasks.push(...missing.map((c) => offset + c));
    }
  }
  times.verify = (performance.now() - tVerify) / 1000;
  if (problems.length > 0) {
    throw new Error(
      `Cannot finalize ${output}: ${problems.join("; ")}. These chunks are plan ${
        tasks.length === 1 ? "task" : "tasks"
      } ${
        compactRanges([...new Set(tasks)].sort((a, b) => a - b))
      }, and plan task k is written by shard k mod N (N: the number of shards the run used, which the run does not record): rerun shard i/N for each i = k mod N ("deno task generate --resume --output ${output} --shard i/N"; ${
        shardExample(tasks)
      }), or write every missing chunk at once with "deno task generate --resume --output ${output}"; then finalize again`,
    );
  }
  const t = performance.now();
  const splitSizes = await finalizeWorlds(store, config, settings, layouts, ledgers, run, options);
  times.finalize = (performance.now() - t) / 1000;
  const seconds = (performance.now() - started) / 1000;
  return {
    output,
    finalized: true,
    seconds,
    samplesPerSecond: 0,
    rawMBPerSecond: 0,
    stageSeconds: times,
    worlds: settings.map((s) =>
      worldSummary(s, ledgers.get(s.world)!, undefined, 0, splitSizes.get(s.world))
    ),
  };
}

/** For N = 2: which shards hold the tasks, as a worked example of the rule. */
function shardExample(tasks: readonly number[]): string {
  const shards = [...new Set(tasks.map((k) => k % 2))].sort();
  return `e.g. with 2 shards: ${shards.map((i) => `--shard ${i}/2`).join(" and ")}`;
}

function compactRanges(values: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(i === j ? `${values[i]}` : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return parts.length > 8 ? `${parts.slice(0, 8).join(", ")}, ...` : parts.join(", ");
}

const encoder = new TextEncoder();

/** The facts of a world's stored arrays, from its ledger (every chunk recorded). */
function ledgerFacts(
  layout: WorldLayout,
  ledger: Map<number, LedgerEntry>,
): Map<string, ArrayFacts> {
  const facts = new Map<string, ArrayFacts>();
  for (const spec of layoutArrays(layout)) {
    const records = [...ledger.values()].map((e) => {
      const c = e.chunks.find((x) => x.path === spec.path);
      if (!c) {
        throw new Error(
          `Ledger of ${layout.worldId} chunk ${e.task.chunk} lacks array ${spec.path}`,
        );
      }
      return c;
    });
    const totals = chunkTotals(records);
    facts.set(spec.path, { chunkSha256: totals.chunkDigests, storedBytes: totals.storedBytes });
  }
  return facts;
}

/**
 * Build the splits of every world, write `params.parquet` from the stored
 * data, write the root group (attributes, with the `params_parquet` record,
 * and consolidated metadata) and `manifest.json` (last), then delete the
 * ledger: the end of every run, sharded or not.
 *
 * @param store The output store.
 * @param config The run's configuration.
 * @param settings Every world's settings.
 * @param layouts Every world's layout.
 * @param ledgers Every world's complete ledger.
 * @param run The run record (its start time is the dataset's `created_at`).
 * @param options Progress listener, git hash, creation time.
 * @returns Split sizes per world.
 */
export async function finalizeWorlds(
  store: ByteStore,
  config: GenerateConfig,
  settings: WorldSettings[],
  layouts: Map<WorldId, WorldLayout>,
  ledgers: Map<WorldId, Map<number, LedgerEntry>>,
  run: RunRecord,
  options: GenerateOptions,
): Promise<Map<WorldId, Record<string, number>>> {
  const emit = options.onProgress ?? (() => {});
  const t0 = performance.now();
  const sizes = new Map<WorldId, Record<string, number>>();
  const worlds: WorldFacts[] = [];
  for (const s of settings) {
    const layout = layouts.get(s.world)!;
    const ledger = ledgers.get(s.world)!;
    const stats = await readSplitStats(store, layout);
    const split = worldSplits(s.world, stats, config.splitSeed);
    await store.set(splitsKey(s.world), encoder.encode(split.json));
    sizes.set(s.world, split.result.info.sizes);
    let rejections = 0;
    for (const e of ledger.values()) rejections += e.nRejections;
    worlds.push({
      settings: s,
      arrays: ledgerFacts(layout, ledger),
      rejections,
      splits: split.result.info,
      splitIndices: split.result.indices,
    });
    emit({
      phase: "splits",
      done: worlds.length,
      total: settings.length,
      unit: "worlds",
      elapsedMs: performance.now() - t0,
    });
  }
  const params = await writeParamsParquet(store, settings.map((s) => s.world));
  const manifest = assembleManifest(config, worlds, {
    gitHash: options.gitHash,
    createdAt: options.createdAt ?? run.started_at,
  });
  // The root group (its attributes and consolidated metadata over every
  // world), then manifest.json, last.
  const root = rootDocuments(
    settings.map((s) => layouts.get(s.world)!),
    { ...rootAttributes(manifestFacts(manifest.build())), [PARAMS_PARQUET_ATTRIBUTE]: params },
  );
  const { [ZMETADATA]: zmetadata, ...rootDocs } = root;
  for (const [key, bytes] of Object.entries(rootDocs)) await store.set(key, bytes);
  if (zmetadata !== undefined) await store.set(ZMETADATA, zmetadata);
  await manifest.save(store);
  await deleteLedger(store);
  return sizes;
}
