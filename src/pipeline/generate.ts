/**
 * The `generate` pipeline: check the configuration's limits and the output,
 * take the output, plan, skip what a previous run wrote (resume), run the
 * chunk tasks on a worker pool, then finish the run (splits, manifest last).
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import type { WorldId } from "../simulators/types.ts";
import { MANIFEST_KEY, splitsKey } from "../dataset/keys.ts";
import { chunkCount, chunkStoreKey } from "../zarr/chunk.ts";
import { layoutArrays, type WorldLayout, writeLayoutMetadata } from "../dataset/world_layout.ts";
import { UsageError } from "../usage_error.ts";
import { openLocation } from "./_open.ts";
import { type ChunkTaskResult, runChunkTask, type StageTimes } from "./chunk_task.ts";
import type { GenerateConfig } from "./config.ts";
import { finalizeWorlds } from "./finalize.ts";
import { doneKey, type LedgerEntry, readLedger, recordTask, RUN_KEY } from "./ledger.ts";
import { checkResourceLimits, systemMemoryBytes } from "./limits.ts";
import { claimOutput } from "./output_claim.ts";
import { type ChunkTask, planWorld, shardTasks } from "./plan.ts";
import { resumeTasks } from "./resume.ts";
import { runConfig, runConfigHash } from "./run_config.ts";
import {
  alreadyComplete,
  emptyStageSeconds,
  type GenerateOptions,
  type GenerateSummary,
  worldSummary,
} from "./run_types.ts";
import { runPool } from "./worker_pool.ts";
import { layoutForWorld, resolveWorldSettings } from "./world_plan.ts";

/**
 * Refuse an output whose keys the store cannot hold (a path or object key
 * too long), before anything is written: the longest keys of the layout are
 * the last chunk of every array and its ledger entry.
 */
function checkKeysFit(store: ByteStore, output: string, layouts: readonly WorldLayout[]): void {
  if (store.keyProblem === undefined) return;
  const keys = [RUN_KEY, MANIFEST_KEY];
  for (const layout of layouts) {
    const last = chunkCount(layout.arrays.theta) - 1;
    keys.push(splitsKey(layout.worldId), doneKey(layout.worldId, last));
    for (const spec of layoutArrays(layout)) {
      keys.push(chunkStoreKey(spec, last), `${spec.path}/.zarray`, `${spec.path}/zarr.json`);
    }
  }
  for (const key of keys) {
    const problem = store.keyProblem(key);
    if (problem !== undefined) {
      throw new UsageError(
        `Cannot use output ${output}: ${problem}: choose a shorter --output`,
      );
    }
  }
}

/**
 * Generate a dataset: every world of the configuration, in parallel on
 * `config.workers` Web Workers, then (unless sharded) splits and
 * `manifest.json`. Needs read/write access to the output (and network/env
 * access for S3 outputs).
 *
 * @param config A validated configuration (see `resolveConfig`).
 * @param options Progress listener, store override, git hash.
 * @returns The run summary.
 * @throws {UsageError} For a bad output (exists, unwritable, config mismatch).
 *
 * @example Generate a tiny dataset in memory
 * ```ts
 * import { generateDataset } from "./generate.ts";
 * import { resolveConfig } from "./config.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const config = resolveConfig([{ worlds: "nk", n_samples: 20, T: 10, H: 4, workers: 1 }], 1);
 * const summary = await generateDataset(config, { store });
 * assert.equal(summary.worlds[0].nSamples, 20);
 * assert.ok(await store.get("manifest.json"));
 * ```
 */
export async function generateDataset(
  config: GenerateConfig,
  options: GenerateOptions = {},
): Promise<GenerateSummary> {
  const started = performance.now();
  const settings = config.worlds.map((world) =>
    resolveWorldSettings({
      world,
      seed: config.seed,
      nSamples: config.nSamples,
      T: config.T,
      H: config.H,
      zarrFormat: config.zarrFormat,
      dtype: config.dtype,
    }, config.chunkSamples)
  );
  const cfg = runConfig(config, settings);
  const layouts = new Map<WorldId, WorldLayout>(settings.map((s) => [s.world, layoutForWorld(s)]));
  const inThread = options.store !== undefined || config.workers <= 1;
  checkResourceLimits(
    [...layouts.values()],
    inThread ? 1 : config.workers,
    options.memoryBytes ?? systemMemoryBytes(),
  );
  const store = await openLocation(config.output, options.store);
  checkKeysFit(store, config.output, [...layouts.values()]);
  const claimed = await claimOutput(store, config, {
    config_hash: runConfigHash(cfg),
    config: cfg,
    started_at: options.createdAt ?? new Date().toISOString(),
    run_id: crypto.randomUUID(),
  }, options.onNotice);
  if (claimed.complete) {
    return alreadyComplete(config.output, started, "complete already: nothing to do");
  }
  const run = claimed.record;
  const emit = options.onProgress ?? (() => {});
  const times = emptyStageSeconds();

  for (const layout of layouts.values()) await writeLayoutMetadata(store, layout);

  // Plan, shard, and skip what a previous run already wrote and verified.
  const planned: ChunkTask[] = [];
  for (const s of settings) planned.push(...planWorld(s.world, s.nSamples, s.chunkSamples));
  const mine = shardTasks(planned, config.shard);
  const ledgers = new Map<WorldId, Map<number, LedgerEntry>>();
  for (const s of settings) ledgers.set(s.world, await readLedger(store, s.world));
  const { todo, resumed, seconds: verifySeconds } = await resumeTasks(store, mine, ledgers, emit);
  times.verify += verifySeconds;

  // Run.
  const perWorld = new Map<WorldId, { samples: number; ms: number; rejections: number }>();
  const totalSamples = todo.reduce((a, t) => a + t.end - t.start, 0);
  let doneSamples = 0;
  let rawGenerated = 0;
  const tRun = performance.now();
  async function onResult(result: ChunkTaskResult): Promise<void> {
    await recordTask(store, result);
    ledgers.get(result.task.world)!.set(result.task.chunk, {
      task: result.task,
      chunks: result.chunks,
      nRejections: result.nRejections,
    });
    const n = result.task.end - result.task.start;
    const w = perWorld.get(result.task.world) ?? { samples: 0, ms: 0, rejections: 0 };
    let ms = 0;
    for (const [k, v] of Object.entries(result.times) as [keyof StageTimes, number][]) {
      times[k] += v / 1000;
      ms += v;
    }
    w.samples += n;
    w.ms += ms;
    w.rejections += result.nRejections;
    perWorld.set(result.task.world, w);
    doneSamples += n;
    for (const c of result.chunks) rawGenerated += c.rawBytes;
    emit({
      phase: "generate",
      done: doneSamples,
      total: totalSamples,
      unit: "samples",
      elapsedMs: performance.now() - tRun,
    });
  }
  if (todo.length > 0) {
    if (inThread) {
      const bySettings = new Map(settings.map((s) => [s.world, s]));
      for (const task of todo) {
        await onResult(
          await runChunkTask(store, layouts.get(task.world)!, bySettings.get(task.world)!, task),
        );
      }
    } else {
      await runPool(todo, {
        workers: config.workers,
        storeUrl: config.output,
        worlds: settings,
        onResult,
      });
    }
  }

  let splitSizes = new Map<WorldId, Record<string, number>>();
  if (!config.shard) {
    const t = performance.now();
    splitSizes = await finalizeWorlds(store, config, settings, layouts, ledgers, run, options);
    times.finalize += (performance.now() - t) / 1000;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    output: config.output,
    finalized: !config.shard,
    shard: config.shard,
    seconds,
    samplesPerSecond: doneSamples / seconds,
    rawMBPerSecond: rawGenerated / 1e6 / seconds,
    stageSeconds: times,
    worlds: settings.map((s) =>
      worldSummary(
        s,
        ledgers.get(s.world)!,
        perWorld.get(s.world),
        resumed.get(s.world) ?? 0,
        splitSizes.get(s.world),
      )
    ),
  };
}
