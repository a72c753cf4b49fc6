/**
 * The small asynchronous key/value interface every store implements.
 *
 * Keys are `/`-separated paths relative to the store root, without a leading
 * slash (`"nk/irfs.zarr/zarr.json"`). Values are raw bytes.
 *
 * @module
 */

/**
 * One stored value as a listing describes it, without reading it (the
 * `Key`, `Size` and `ETag` of an S3 ListObjectsV2 `Contents` element).
 */
export interface ObjectInfo {
  /** The key, relative to the store root. */
  key: string;
  /** The stored size in bytes. */
  size: number;
  /**
   * The entity tag without its quotes, when the backend has one: S3 gives
   * the hex MD5 of the bytes for a single-part upload without SSE-KMS or
   * SSE-C; a multipart ETag holds a `-` (see {@link plainMd5}).
   */
  etag?: string;
}

/** A byte store: local folder, memory, or S3 prefix. */
export interface ByteStore {
  /** Where the store lives, as given to `openStore` (a path or `s3://` URL). */
  readonly url: string;
  /**
   * Read a whole value.
   *
   * @param key The key, relative to the store root.
   * @returns The bytes, or `undefined` if the key does not exist.
   */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Write a whole value atomically: readers see the old value or the new one,
   * never a part.
   *
   * @param key The key, relative to the store root.
   * @param value The bytes to store.
   */
  set(key: string, value: Uint8Array): Promise<void>;
  /**
   * Delete a key; deleting a missing key is not an error.
   *
   * @param key The key, relative to the store root.
   */
  delete(key: string): Promise<void>;
  /**
   * Every key that starts with `prefix`, sorted.
   *
   * @param prefix A key prefix (`""` for everything); `"nk/"` lists a folder.
   * @returns The matching keys, relative to the store root, sorted.
   */
  list(prefix?: string): Promise<string[]>;
  /**
   * Every key that starts with `prefix`, sorted, with its size and ETag:
   * one listing, no value read (S3 ListObjectsV2; `lstat` of each regular
   * file of a local store, links never followed). Lets `finalize` check
   * what shards wrote without downloading it.
   *
   * @param prefix A key prefix (`""` for everything).
   * @returns The objects, sorted by key.
   */
  listObjects?(prefix?: string): Promise<ObjectInfo[]>;
  /**
   * Read part of a value.
   *
   * @param key The key, relative to the store root.
   * @param offset First byte to read.
   * @param length Number of bytes to read.
   * @returns The bytes, or `undefined` if the key does not exist.
   */
  getRange?(key: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  /**
   * Why `key` could not be stored here (a path or object name longer than
   * the backend allows), or `undefined` when it fits. Lets a writer refuse a
   * location before it writes anything.
   *
   * @param key The key, relative to the store root.
   * @returns The reason, or `undefined`.
   */
  keyProblem?(key: string): string | undefined;
  /**
   * Create a key only if it does not exist yet, atomically: of two writers
   * racing for the same key, one wins. A store without this capability
   * cannot guarantee one writer per output.
   *
   * @param key The key, relative to the store root.
   * @param value The bytes to store.
   * @returns `true` if the key now holds exactly `value`; `false` if it holds other bytes.
   */
  setIfAbsent?(key: string, value: Uint8Array): Promise<boolean>;
  /**
   * Delete exactly these keys, and whatever the backend keeps only to hold
   * them (a local store's folders that the deletions leave empty); never a
   * whole folder or prefix. Missing keys are not an error.
   *
   * @param keys The keys, relative to the store root.
   */
  deleteKeys?(keys: readonly string[]): Promise<void>;
  /**
   * Keys under `prefix` that are symbolic links (a local store lists,
   * reads, writes and deletes only real files and folders, and refuses
   * paths through links with a `LINK` error; this says where they are).
   *
   * @param prefix A key prefix (default `""`).
   * @returns The link keys (files or folders), sorted, not followed.
   */
  links?(prefix?: string): Promise<string[]>;
  /**
   * Delete the temporary files that writes cut off by a crash left behind
   * (invisible to `list`), for the keys `owned` accepts.
   *
   * @param owned Which target keys' temporary files to delete (default: all).
   * @returns The keys of the temporary files deleted.
   */
  removeTempFiles?(owned?: (key: string) => boolean): Promise<string[]>;
  /** Release resources (connections, handles). Safe to call twice. */
  close?(): Promise<void>;
}

/**
 * Delete exactly `keys` from a store: through its `deleteKeys` capability
 * when it has one (a local store also removes the folders this leaves
 * empty), else key by key, 32 at a time.
 *
 * @param store The store.
 * @param keys The keys.
 *
 * @example
 * ```ts
 * import { deleteKeys } from "./byte_store.ts";
 * import { MemoryStore } from "./memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await store.set("a", new Uint8Array(1));
 * await store.set("b", new Uint8Array(1));
 * await deleteKeys(store, ["a"]);
 * assert.deepEqual(await store.list(), ["b"]);
 * ```
 */
export async function deleteKeys(store: ByteStore, keys: readonly string[]): Promise<void> {
  if (store.deleteKeys !== undefined) return await store.deleteKeys(keys);
  for (let i = 0; i < keys.length; i += 32) {
    await Promise.all(keys.slice(i, i + 32).map((key) => store.delete(key)));
  }
}

/**
 * The MD5 an ETag stands for, or `undefined` when it is not a plain MD5
 * (a multipart upload's `<md5>-<parts>`, a weak or missing ETag). Note that
 * S3 objects encrypted with SSE-KMS or SSE-C have ETags that look plain but
 * are not the MD5 of the data: treat a mismatch as a reason to read the
 * bytes, not as proof of damage.
 *
 * @param etag An ETag, with or without its quotes.
 * @returns 32 lowercase hex characters, or `undefined`.
 *
 * @example
 * ```ts
 * import { plainMd5 } from "./byte_store.ts";
 * import assert from "node:assert/strict";
 * assert.equal(plainMd5('"900150983CD24FB0D6963F7D28E17F72"'), "900150983cd24fb0d6963f7d28e17f72");
 * assert.equal(plainMd5('"900150983cd24fb0d6963f7d28e17f72-2"'), undefined);
 * assert.equal(plainMd5(undefined), undefined);
 * ```
 */
export function plainMd5(etag: string | undefined): string | undefined {
  const m = /^"?([0-9a-fA-F]{32})"?$/.exec(etag ?? "");
  return m ? m[1].toLowerCase() : undefined;
}
