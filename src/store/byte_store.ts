/**
 * The small asynchronous key/value interface every store implements.
 *
 * Keys are `/`-separated paths relative to the store root, without a leading
 * slash (`"nk/irfs.zarr/zarr.json"`). Values are raw bytes.
 *
 * @module
 */

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
  /** Release resources (connections, handles). Safe to call twice. */
  close?(): Promise<void>;
}
