/**
 * Preparing an output for a run, before any compute: refuse what is not
 * ours, overwrite only what is, take the output exclusively, and decide
 * whether a run continues (resume, another shard) or only its clean-up is
 * left.
 *
 * Never destroy what is not ours: `--overwrite` replaces only a ume-data
 * dataset or run (recognized by its `manifest.json` or run record), deletes
 * only keys of our layout and `.ume/` (never a whole folder or prefix), and
 * refuses when anything else is there. Symbolic links inside an output are
 * never followed, and an output that holds any is refused.
 *
 * @module
 */

import { countOf } from "../plural.ts";
import { type ByteStore, deleteKeys } from "../store/byte_store.ts";
import { isOurKey, MANIFEST_KEY, RUN_KEY } from "../dataset/keys.ts";
import type { Manifest } from "../manifest/types.ts";
import { UsageError } from "../usage_error.ts";
import type { GenerateConfig } from "./config.ts";
import { deleteLedger } from "./ledger.ts";
import { claimRun, readRunRecord, type RunRecord, writeRunRecord } from "./run_config.ts";
import { diffConfig, diffRunConfig, runConfigFromManifest, runConfigHash } from "./run_config.ts";

/** What the output holds for this run. */
export interface ClaimedRun {
  /** The run record this process works under (its own, or the run it joins). */
  record: RunRecord;
  /** The dataset is complete already: only leftover ledger keys (if any) were to be cleaned. */
  complete: boolean;
}

/** Receives one-line notices worth telling the user (what an overwrite deletes). */
export type NoticeListener = (message: string) => void;

const decoder = new TextDecoder();

function examples(keys: readonly string[], n = 5): string {
  return `${keys.slice(0, n).join(", ")}${keys.length > n ? `, ... (${keys.length} in all)` : ""}`;
}

/**
 * Refuse an output that holds symbolic links: ume-data never writes, reads
 * or deletes through them, and a dataset split across links is not one
 * folder to trust.
 *
 * @param store The output store.
 * @param output The output as the user gave it.
 * @throws {UsageError} Naming the links.
 */
export async function refuseLinks(store: ByteStore, output: string): Promise<void> {
  const links = await store.links?.("") ?? [];
  if (links.length > 0) {
    throw new UsageError(
      `Cannot use output ${output}: it holds symbolic links (${
        examples(links)
      }); ume-data never writes, reads or deletes through links inside a dataset: replace them with real folders and files, or choose another --output`,
    );
  }
}

function parseManifest(bytes: Uint8Array | undefined): Manifest | undefined {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes)) as Manifest;
  } catch {
    return undefined;
  }
}

/**
 * Replace a ume-data dataset or run: delete its keys, and only those.
 *
 * The output stays recognizable until the end, so a kill mid-way leaves
 * something a second `--overwrite` (or `--resume`) still knows as ours: a
 * finished dataset first gets a run record of its own configuration, then
 * `manifest.json` goes, then the arrays and the ledger, and the run record
 * last.
 */
async function overwrite(
  store: ByteStore,
  output: string,
  existing: readonly string[],
  notice: NoticeListener,
): Promise<void> {
  const hasManifest = existing.includes(MANIFEST_KEY);
  const hasRun = existing.includes(RUN_KEY);
  if (!hasManifest && !hasRun) {
    throw new UsageError(
      `Cannot overwrite ${output}: it holds no ume-data dataset or run (no ${MANIFEST_KEY}, no ${RUN_KEY}) but ${
        countOf(existing.length, "other file")
      } (${
        examples(existing)
      }); --overwrite only replaces what ume-data wrote: choose an empty or new --output`,
    );
  }
  const foreign = existing.filter((k) => !isOurKey(k));
  if (foreign.length > 0) {
    throw new UsageError(
      `Cannot overwrite ${output}: besides a ume-data ${hasManifest ? "dataset" : "run"} it holds ${
        countOf(foreign.length, "file")
      } that ume-data did not write (${
        examples(foreign)
      }); --overwrite deletes only what ume-data wrote: move them away, or choose another --output`,
    );
  }
  const manifest = hasManifest ? parseManifest(await store.get(MANIFEST_KEY)) : undefined;
  const worlds = manifest ? Object.keys(manifest.simulators ?? {}).join(", ") : "";
  notice(
    `Overwriting ${output}: it holds a ume-data ${
      hasManifest ? `dataset${worlds ? ` (${worlds})` : ""}` : "run that did not finish"
    }; deleting its ${countOf(existing.length, "file")}, nothing else`,
  );
  if (!hasRun) {
    let config: ReturnType<typeof runConfigFromManifest> | undefined;
    try {
      config = manifest ? runConfigFromManifest(manifest) : undefined;
    } catch {
      config = undefined;
    }
    await writeRunRecord(store, {
      config_hash: config ? runConfigHash(config) : "",
      config: config ?? null,
      started_at: manifest?.created_at ?? new Date().toISOString(),
      run_id: "overwrite-in-progress",
    });
  }
  if (hasManifest) await deleteKeys(store, [MANIFEST_KEY]);
  await deleteKeys(store, existing.filter((k) => k !== MANIFEST_KEY && k !== RUN_KEY));
  await store.removeTempFiles?.(isOurKey);
  await deleteKeys(store, [RUN_KEY]);
}

/**
 * Prepare the output for a `generate` run and take it: see the module
 * documentation for the rules.
 *
 * @param store The output store.
 * @param config The run's configuration (`output`, `resume`, `overwrite`, `shard` are used).
 * @param record This run's record (configuration, hash, a fresh `run_id`).
 * @param notice Receives what an overwrite is about to delete.
 * @returns The record to work under, and whether the dataset is complete already.
 * @throws {UsageError} For every output this run may not take, saying why and what to do.
 */
export async function claimOutput(
  store: ByteStore,
  config: GenerateConfig,
  record: RunRecord,
  notice: NoticeListener = () => {},
): Promise<ClaimedRun> {
  const output = config.output;
  const sharded = config.shard !== undefined;
  let existing: string[];
  try {
    await refuseLinks(store, output);
    existing = await store.list("");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`Cannot use output ${output}: ${(e as Error).message}`, { cause: e });
  }
  if (existing.length > 0 && config.overwrite) {
    if (sharded) {
      throw new UsageError(
        `--overwrite cannot be combined with --shard (one shard would delete the others' work): run "deno task generate --overwrite" once without --shard, or clear ${output} yourself, before starting the shards`,
      );
    }
    await overwrite(store, output, existing, notice);
    existing = [];
  }
  if (existing.length === 0) return { record: await claim(store, config, record), complete: false };

  let previous: RunRecord | undefined;
  try {
    previous = await readRunRecord(store);
  } catch (e) {
    throw new UsageError(
      `Cannot use output ${output}: its run record ${RUN_KEY} is damaged (${
        (e as Error).message
      }): pass --overwrite to start again`,
    );
  }
  if (existing.includes(MANIFEST_KEY)) {
    return { record: await finishedDataset(store, config, record, previous), complete: true };
  }
  if (!previous) {
    throw new UsageError(
      `Output ${output} is not empty and holds no ume-data run (${
        examples(existing, 3)
      }): choose an empty or new --output`,
    );
  }
  if (!config.resume && !sharded) {
    throw new UsageError(
      `Output ${output} holds an unfinished run: pass --resume to finish it, or --overwrite to start again`,
    );
  }
  if (previous.config_hash !== record.config_hash) {
    throw new UsageError(
      `Cannot resume ${output}: the configuration differs from the interrupted run (${
        previous.config && record.config
          ? diffRunConfig(previous.config, record.config)
          : diffConfig(previous.config ?? {}, record.config ?? {})
      }); leave out the options that differ (--resume takes the rest from the interrupted run), or pass --overwrite to start again`,
    );
  }
  // Writes cut off by a crash leave temporary files behind (never visible as keys).
  await store.removeTempFiles?.(isOurKey);
  return { record: previous, complete: false };
}

/** Create the run record exclusively; a lost race is refused unless it is the same run. */
async function claim(
  store: ByteStore,
  config: GenerateConfig,
  record: RunRecord,
): Promise<RunRecord> {
  let claimed: boolean;
  try {
    claimed = await claimRun(store, record);
  } catch (e) {
    throw new UsageError(`Cannot write to output ${config.output}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (claimed) return record;
  const other = await readRunRecord(store).catch(() => undefined);
  if (
    other !== undefined && other.config_hash === record.config_hash &&
    (config.shard !== undefined || config.resume)
  ) {
    return other; // another shard (or a rerun) of the same run started at the same moment
  }
  throw new UsageError(
    `Another run took output ${config.output} at the same moment (its run record appeared first${
      other ? `, started ${other.started_at}` : ""
    }): one output, one writer; choose another --output${
      other && other.config_hash === record.config_hash ? ", or wait for it and pass --resume" : ""
    }`,
  );
}

/**
 * A complete dataset is there. `--resume` of the same configuration is a
 * no-op that finishes a clean-up a kill cut short; anything else is refused.
 */
async function finishedDataset(
  store: ByteStore,
  config: GenerateConfig,
  record: RunRecord,
  previous: RunRecord | undefined,
): Promise<RunRecord> {
  const output = config.output;
  const manifest = parseManifest(await store.get(MANIFEST_KEY));
  let recordedHash = previous?.config_hash;
  let recorded = previous?.config ?? undefined;
  if (manifest !== undefined) {
    try {
      const c = runConfigFromManifest(manifest);
      recorded = c;
      recordedHash = runConfigHash(c);
    } catch {
      // An unreadable manifest: fall back to the run record, if any.
    }
  }
  if (config.resume && recordedHash === record.config_hash) {
    await deleteLedger(store);
    return previous ?? record;
  }
  if (config.resume && recorded !== undefined) {
    throw new UsageError(
      `Cannot resume ${output}: it holds a complete dataset of another configuration (${
        record.config ? diffRunConfig(recorded, record.config) : diffConfig(recorded, {})
      }): pass --overwrite to replace it, or choose another --output`,
    );
  }
  throw new UsageError(
    `Output ${output} already holds a complete dataset (manifest.json): pass --overwrite to replace it, or choose another --output`,
  );
}
