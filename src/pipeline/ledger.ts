/**
 * The run ledger: a hidden `.ume/` folder in the output that records the
 * run's configuration and, per finished chunk task, the digests of what was
 * stored. It makes `--resume`, sharded runs and `finalize` possible, and is
 * deleted once `manifest.json` is written.
 *
 * Layout: `.ume/run.json` (configuration and its hash) and
 * `.ume/done/<world>/<chunk>.json` (one per finished task).
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { LocalStore } from "../store/local_store.ts";
import type { ChunkTaskResult, StoredChunk } from "./chunk_task.ts";
import type { ChunkTask } from "./plan.ts";

/** Prefix of every ledger key. */
export const LEDGER_PREFIX = ".ume/";

/** Key of the run record. */
export const RUN_KEY = ".ume/run.json";

/** The run record: what was asked for, so a resume or finalize can check it. */
export interface RunRecord {
  /** Hash of `config` (canonical JSON). */
  config_hash: string;
  /** The deterministic part of the configuration. */
  config: Record<string, unknown>;
  /** When the run first started. */
  started_at: string;
}

/** One finished task, as stored. */
export interface LedgerEntry {
  /** The task. */
  task: ChunkTask;
  /** Every stored chunk of the task. */
  chunks: StoredChunk[];
  /** Rejected draws in the task's samples. */
  n_rejections: number;
}

/**
 * The key of a task's ledger entry.
 *
 * @param world The world.
 * @param chunk The chunk index.
 * @returns The key.
 *
 * @example
 * ```ts
 * import { doneKey } from "./ledger.ts";
 * import assert from "node:assert/strict";
 * assert.equal(doneKey("nk", 3), ".ume/done/nk/3.json");
 * ```
 */
export function doneKey(world: string, chunk: number): string {
  return `${LEDGER_PREFIX}done/${world}/${chunk}.json`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Record a finished task.
 *
 * @param store The output store.
 * @param result The task result.
 */
export async function recordTask(store: ByteStore, result: ChunkTaskResult): Promise<void> {
  const entry: LedgerEntry = {
    task: result.task,
    chunks: result.chunks,
    n_rejections: result.nRejections,
  };
  await store.set(
    doneKey(result.task.world, result.task.chunk),
    encoder.encode(JSON.stringify(entry)),
  );
}

/**
 * Read every ledger entry of a world.
 *
 * @param store The output store.
 * @param world The world.
 * @returns Entries by chunk index (unparsable entries are skipped: their task is redone).
 */
export async function readLedger(
  store: ByteStore,
  world: string,
): Promise<Map<number, LedgerEntry>> {
  const keys = await store.list(`${LEDGER_PREFIX}done/${world}/`);
  const out = new Map<number, LedgerEntry>();
  await Promise.all(keys.map(async (key) => {
    const m = /\/(\d+)\.json$/.exec(key);
    if (!m) return;
    const bytes = await store.get(key);
    if (!bytes) return;
    try {
      const entry = JSON.parse(decoder.decode(bytes)) as LedgerEntry;
      if (entry.task?.world === world && entry.task.chunk === Number(m[1])) {
        out.set(entry.task.chunk, entry);
      }
    } catch {
      // A torn or foreign file: treat the task as not done.
    }
  }));
  return out;
}

/**
 * Read the run record, if any.
 *
 * @param store The output store.
 * @returns The record, or undefined.
 */
export async function readRunRecord(store: ByteStore): Promise<RunRecord | undefined> {
  const bytes = await store.get(RUN_KEY);
  if (!bytes) return undefined;
  return JSON.parse(decoder.decode(bytes)) as RunRecord;
}

/**
 * Write the run record.
 *
 * @param store The output store.
 * @param record The record.
 */
export async function writeRunRecord(store: ByteStore, record: RunRecord): Promise<void> {
  await store.set(RUN_KEY, encoder.encode(JSON.stringify(record, null, 2)));
}

/**
 * Delete the whole ledger (after the manifest is written).
 *
 * @param store The output store.
 */
export async function deleteLedger(store: ByteStore): Promise<void> {
  const keys = await store.list(LEDGER_PREFIX);
  await Promise.all(keys.map((key) => store.delete(key)));
  if (store instanceof LocalStore) {
    // A local store keeps empty folders: remove the ledger's.
    await Deno.remove(`${store.root}/${LEDGER_PREFIX}`, { recursive: true }).catch(() => {});
  }
}
