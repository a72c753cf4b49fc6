/**
 * Where a dataset is, named one way everywhere: a path or URL (opened with
 * `openStore`) or an open store.
 *
 * @module
 */

import type { ByteStore } from "./byte_store.ts";
import { openStore } from "./open_store.ts";

/** A dataset location: a folder path, a `file://`, `memory://` or `s3://` URL, or an open store. */
export type StoreLocation = string | ByteStore;

/**
 * Open a location (a store is used as is).
 *
 * @param location The location.
 * @returns The store, and whether it was opened here (then the caller closes it).
 *
 * @example
 * ```ts
 * import { openLocationStore } from "./location.ts";
 * import { MemoryStore } from "./memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * assert.deepEqual(await openLocationStore(store), { store, opened: false });
 * assert.equal((await openLocationStore("memory://loc")).opened, true);
 * ```
 */
export async function openLocationStore(
  location: StoreLocation,
): Promise<{ store: ByteStore; opened: boolean }> {
  return typeof location === "string"
    ? { store: await openStore(location), opened: true }
    : { store: location, opened: false };
}

/**
 * Run `fn` on the store of a location; a store opened here is closed after.
 *
 * @param location The location.
 * @param fn The work.
 * @returns What `fn` returns.
 *
 * @example
 * ```ts
 * import { withLocation } from "./location.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await withLocation("memory://with", async (s) => s.url), "memory://with");
 * ```
 */
export async function withLocation<T>(
  location: StoreLocation,
  fn: (store: ByteStore) => Promise<T>,
): Promise<T> {
  const { store, opened } = await openLocationStore(location);
  try {
    return await fn(store);
  } finally {
    if (opened) await store.close?.();
  }
}
