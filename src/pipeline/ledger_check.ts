/**
 * What `finalize` checks of the chunks a world's ledger records, without
 * downloading them: presence and size from one listing, and the MD5 where
 * the listing's ETag is a plain MD5. Only a chunk whose ETag disagrees is
 * read (and its SHA-256 decides). A store that cannot list sizes falls back
 * to reading and hashing every chunk. `validate` re-hashes everything.
 *
 * @module
 */

import { type ByteStore, type ObjectInfo, plainMd5 } from "../store/byte_store.ts";
import type { LedgerEntry } from "./ledger.ts";
import { entryIsIntact } from "./resume.ts";

/** A ledger entry whose chunks are not stored as recorded. */
export interface DamagedEntry {
  /** The task's chunk index. */
  chunk: number;
  /** What is wrong, naming the first chunk concerned. */
  reason: string;
}

/** How {@link checkLedgerChunks} checked. */
export interface LedgerCheckResult {
  /** The damaged entries, by chunk index. */
  damaged: DamagedEntry[];
  /** Chunks whose stored bytes were read (listing unavailable, or an ETag that disagreed). */
  chunksRead: number;
  /** Whether sizes came from a listing (`false`: the store cannot list them, every chunk was read). */
  listed: boolean;
}

/** The top folder of a key (`"nk/"` of `"nk/theta.zarr/c/0/0"`). */
function topFolder(key: string): string {
  const cut = key.indexOf("/");
  return cut < 0 ? "" : key.slice(0, cut + 1);
}

/**
 * Check that every chunk the ledger entries record is stored with its
 * recorded size (and MD5, where the store's ETag is a plain one).
 *
 * @param store The output store.
 * @param entries The ledger entries to check.
 * @param onEntry Called after each entry (progress).
 * @returns The damaged entries and how many chunks had to be read.
 *
 * @example A truncated chunk is found by its size, without reading it
 * ```ts
 * import { checkLedgerChunks } from "./ledger_check.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await store.set("nk/theta.zarr/c/0/0", new Uint8Array(10));
 * const entry = {
 *   task: { world: "nk" as const, chunk: 0, start: 0, end: 4 },
 *   chunks: [{ path: "nk/theta.zarr", chunkIndex: 0, key: "c/0/0", storeKey: "nk/theta.zarr/c/0/0",
 *     digest: "00".repeat(32), rawBytes: 12, storedBytes: 12 }],
 *   nRejections: 0,
 * };
 * const r = await checkLedgerChunks(store, [entry]);
 * assert.deepEqual(r.damaged, [{ chunk: 0, reason: "nk/theta.zarr/c/0/0 is 10 bytes, the ledger recorded 12" }]);
 * assert.equal(r.chunksRead, 0);
 * ```
 */
export async function checkLedgerChunks(
  store: ByteStore,
  entries: Iterable<LedgerEntry>,
  onEntry: () => void = () => {},
): Promise<LedgerCheckResult> {
  const damaged: DamagedEntry[] = [];
  let chunksRead = 0;
  if (store.listObjects === undefined) {
    for (const entry of entries) {
      chunksRead += entry.chunks.length;
      if (!await entryIsIntact(store, entry)) {
        damaged.push({
          chunk: entry.task.chunk,
          reason: "a chunk is missing or differs from its recorded SHA-256",
        });
      }
      onEntry();
    }
    return { damaged, chunksRead, listed: false };
  }
  const listings = new Map<string, Promise<Map<string, ObjectInfo>>>();
  const listed = (key: string): Promise<Map<string, ObjectInfo>> => {
    const folder = topFolder(key);
    let listing = listings.get(folder);
    if (listing === undefined) {
      listing = store.listObjects!(folder).then((all) => new Map(all.map((o) => [o.key, o])));
      listings.set(folder, listing);
    }
    return listing;
  };
  const suspects: LedgerEntry[] = [];
  for (const entry of entries) {
    let reason: string | undefined;
    let suspect = false;
    for (const c of entry.chunks) {
      const info = (await listed(c.storeKey)).get(c.storeKey);
      if (info === undefined) {
        reason = `${c.storeKey} is missing`;
      } else if (info.size !== c.storedBytes) {
        reason = `${c.storeKey} is ${info.size} bytes, the ledger recorded ${c.storedBytes}`;
      } else {
        const etagMd5 = plainMd5(info.etag);
        if (c.md5 !== undefined && etagMd5 !== undefined && etagMd5 !== c.md5) suspect = true;
      }
      if (reason !== undefined) break;
    }
    if (reason !== undefined) {
      damaged.push({ chunk: entry.task.chunk, reason });
      onEntry();
    } else if (suspect) {
      suspects.push(entry);
    } else {
      onEntry();
    }
  }
  // An ETag that disagrees with the recorded MD5: a changed object, or one
  // encrypted with SSE-KMS/SSE-C (whose ETag is not its MD5). The bytes decide.
  for (const entry of suspects) {
    chunksRead += entry.chunks.length;
    if (!await entryIsIntact(store, entry)) {
      damaged.push({
        chunk: entry.task.chunk,
        reason: "a chunk's ETag and SHA-256 differ from those recorded",
      });
    }
    onEntry();
  }
  damaged.sort((a, b) => a.chunk - b.chunk);
  return { damaged, chunksRead, listed: true };
}
