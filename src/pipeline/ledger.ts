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

import { type ByteStore, deleteKeys } from "../store/byte_store.ts";
import { doneKey, LEDGER_PREFIX, MANIFEST_KEY, RUN_KEY } from "../dataset/keys.ts";
import type { ChunkRecord } from "../zarr/chunk.ts";
import type { ChunkTaskResult } from "./chunk_task.ts";
import type { ChunkTask } from "./plan.ts";

export { doneKey, LEDGER_PREFIX, RUN_KEY };

/** One finished task. */
export interface LedgerEntry {
  /** The task. */
  task: ChunkTask;
  /** The record of every chunk the task stored, one per array. */
  chunks: ChunkRecord[];
  /** Rejected draws in the task's samples. */
  nRejections: number;
}

/** A ledger entry as stored (snake_case JSON, like every document ume-data writes). */
interface LedgerEntryJson {
  task: ChunkTask;
  chunks: {
    path: string;
    chunk_index: number;
    key: string;
    store_key: string;
    sha256: string;
    /** Absent in entries of older versions. */
    md5?: string;
    raw_bytes: number;
    stored_bytes: number;
  }[];
  n_rejections: number;
}

/**
 * The JSON of a ledger entry: the one place where the entry's camelCase
 * meets the snake_case of the file.
 *
 * @param entry The entry.
 * @returns Its JSON text.
 *
 * @example Round trip
 * ```ts
 * import { encodeLedgerEntry, decodeLedgerEntry } from "./ledger.ts";
 * import assert from "node:assert/strict";
 * const entry = {
 *   task: { world: "nk" as const, chunk: 1, start: 4, end: 8 },
 *   chunks: [{ path: "nk/theta.zarr", chunkIndex: 1, key: "c/1/0", storeKey: "nk/theta.zarr/c/1/0",
 *     digest: "ab".repeat(32), md5: "cd".repeat(16), rawBytes: 192, storedBytes: 120 }],
 *   nRejections: 2,
 * };
 * const text = encodeLedgerEntry(entry);
 * assert.match(text, /"md5":"cdcd/);
 * assert.match(text, /"stored_bytes":120/);
 * assert.deepEqual(decodeLedgerEntry(text), entry);
 * ```
 */
export function encodeLedgerEntry(entry: LedgerEntry): string {
  const json: LedgerEntryJson = {
    task: entry.task,
    chunks: entry.chunks.map((c) => ({
      path: c.path,
      chunk_index: c.chunkIndex,
      key: c.key,
      store_key: c.storeKey,
      sha256: c.digest,
      ...(c.md5 === undefined ? {} : { md5: c.md5 }),
      raw_bytes: c.rawBytes,
      stored_bytes: c.storedBytes,
    })),
    n_rejections: entry.nRejections,
  };
  return JSON.stringify(json);
}

/**
 * Parse a ledger entry written by {@link encodeLedgerEntry}.
 *
 * @param text The JSON text.
 * @returns The entry.
 * @throws {SyntaxError} If it is not JSON.
 * @throws {TypeError} If a field is missing.
 */
export function decodeLedgerEntry(text: string): LedgerEntry {
  const json = JSON.parse(text) as LedgerEntryJson;
  if (!Array.isArray(json?.chunks) || typeof json.n_rejections !== "number") {
    throw new TypeError("Not a ledger entry");
  }
  return {
    task: json.task,
    chunks: json.chunks.map((c) => {
      if (
        typeof c.sha256 !== "string" || typeof c.stored_bytes !== "number" ||
        (c.md5 !== undefined && typeof c.md5 !== "string")
      ) {
        throw new TypeError("Not a ledger entry");
      }
      return {
        path: c.path,
        chunkIndex: c.chunk_index,
        key: c.key,
        storeKey: c.store_key,
        digest: c.sha256,
        ...(c.md5 === undefined ? {} : { md5: c.md5 }),
        rawBytes: c.raw_bytes,
        storedBytes: c.stored_bytes,
      };
    }),
    nRejections: json.n_rejections,
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Whether `key` exists, read as zero bytes where the store can (an S3 HEAD). */
async function exists(store: ByteStore, key: string): Promise<boolean> {
  const bytes = store.getRange ? await store.getRange(key, 0, 0) : await store.get(key);
  return bytes !== undefined;
}

/**
 * Record a finished task, unless the dataset is finalized already. A
 * duplicate of a shard (a batch engine that ran one array task twice) can
 * still be writing when `finalize` has written `manifest.json` and deleted
 * the ledger: an entry it recorded then would be left behind. So after
 * writing the entry, the task checks for `manifest.json` (one zero-length
 * read) and deletes the entry again if it is there (`finalize` writes
 * the manifest before it lists the ledger to delete it, so one of the two
 * removes it). The chunks themselves are byte-identical to the finalized
 * ones, so rewriting them changes nothing.
 *
 * @param store The output store.
 * @param result The task result.
 * @returns `false` if the dataset was finalized already and nothing is recorded.
 *
 * @example A finalized dataset gets no ledger entry
 * ```ts
 * import { recordTask } from "./ledger.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const result = {
 *   task: { world: "nk" as const, chunk: 0, start: 0, end: 4 }, chunks: [], nRejections: 0,
 *   times: { simulate: 0, pack: 0, encode: 0, hash: 0, write: 0 },
 * };
 * assert.equal(await recordTask(store, result), true);
 * assert.deepEqual(await store.list(".ume/"), [".ume/done/nk/0.json"]);
 * await store.set("manifest.json", new Uint8Array(2));
 * await store.delete(".ume/done/nk/0.json");
 * assert.equal(await recordTask(store, result), false);
 * assert.deepEqual(await store.list(".ume/"), []);
 * ```
 */
export async function recordTask(store: ByteStore, result: ChunkTaskResult): Promise<boolean> {
  const entry: LedgerEntry = {
    task: result.task,
    chunks: result.chunks,
    nRejections: result.nRejections,
  };
  const key = doneKey(result.task.world, result.task.chunk);
  await store.set(key, encoder.encode(encodeLedgerEntry(entry)));
  if (await exists(store, MANIFEST_KEY)) {
    await store.delete(key);
    return false;
  }
  return true;
}

/**
 * Read every ledger entry of a world.
 *
 * @param store The output store.
 * @param world The world.
 * @returns Entries by chunk index (unparsable entries, including those of older
 *   versions, are skipped: their task is redone).
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
      const entry = decodeLedgerEntry(decoder.decode(bytes));
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
 * Delete the whole ledger (after the manifest is written), in an order a
 * kill cannot strand: every chunk entry first, the run record last, so that
 * while anything of the ledger is left the run record still says whose it is
 * (and `--resume` or `finalize` can finish the job).
 *
 * @param store The output store.
 * @returns The number of ledger keys deleted.
 */
export async function deleteLedger(store: ByteStore): Promise<number> {
  const keys = await store.list(LEDGER_PREFIX);
  const entries = keys.filter((k) => k !== RUN_KEY);
  await deleteKeys(store, entries);
  await deleteKeys(store, [RUN_KEY]);
  return keys.length;
}
