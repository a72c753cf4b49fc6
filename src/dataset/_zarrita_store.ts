/**
 * Our stores as zarrita stores: zarrita's `AsyncReadable` over a
 * {@link ByteStore}, for reading the chunks of arrays whose metadata the
 * reader already holds.
 *
 * zarrita treats a key the store lacks as a chunk never written and returns
 * the fill value in its place. A dataset has every chunk, so here a missing
 * chunk is an error (StoreError `NOT_FOUND`, naming the key), unless the
 * caller asks for zarrita's behaviour with `allowMissing`.
 *
 * @module
 */

import type { zarr } from "./_deps.ts";
import type { ByteStore } from "../store/byte_store.ts";
import { StoreError } from "../store/store_error.ts";
import { strictMetadataBytes } from "../zarr/metadata_json.ts";

/** Options of {@link ZarritaStore}. */
export interface ZarritaStoreOptions {
  /** Return `undefined` for a missing key (zarrita then fills the chunk) instead of failing (default false). */
  allowMissing?: boolean;
}

/**
 * A {@link ByteStore} seen by zarrita: keys lose zarrita's leading slash, and
 * a missing key is a `NOT_FOUND` error unless `allowMissing`.
 *
 * @example A missing chunk is an error, not a fill value
 * ```ts
 * import { ZarritaStore } from "./_zarrita_store.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore("demo");
 * await store.set("a.zarr/c/0", new Uint8Array([1, 2]));
 * assert.deepEqual(await new ZarritaStore(store).get("/a.zarr/c/0"), new Uint8Array([1, 2]));
 * await assert.rejects(new ZarritaStore(store).get("/a.zarr/c/1"), {
 *   code: "NOT_FOUND",
 *   message: 'Cannot read chunk "a.zarr/c/1": missing from "memory://demo"',
 * });
 * assert.equal(await new ZarritaStore(store, { allowMissing: true }).get("/a.zarr/c/1"), undefined);
 * ```
 */
export class ZarritaStore implements zarr.AsyncReadable {
  #store: ByteStore;
  #allowMissing: boolean;

  /**
   * Wrap a store.
   *
   * @param store The store (not closed by this wrapper).
   * @param options Whether a missing key is allowed.
   */
  constructor(store: ByteStore, options: ZarritaStoreOptions = {}) {
    this.#store = store;
    this.#allowMissing = options.allowMissing ?? false;
  }

  /**
   * Read a whole value.
   *
   * @param key zarrita's absolute key (`/nk/irfs.zarr/c/0/0/0/0`).
   * @returns The bytes; `undefined` for a missing key only with `allowMissing`.
   */
  async get(key: zarr.AbsolutePath): Promise<Uint8Array | undefined> {
    const storeKey = key.slice(1);
    const bytes = await this.#store.get(storeKey);
    if (bytes === undefined && !this.#allowMissing) {
      throw new StoreError(
        "NOT_FOUND",
        `Cannot read chunk "${storeKey}": missing from "${this.#store.url}"`,
      );
    }
    return bytes === undefined ? undefined : strictMetadataBytes(storeKey, bytes);
  }
}
