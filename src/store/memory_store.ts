/**
 * An in-memory byte store, for tests and small throwaway datasets.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { ByteStore, ObjectInfo } from "./byte_store.ts";
import { checkKey, checkPrefix, checkRange } from "./_keys.ts";

/** Run `fn` and return its result as a promise; a throw becomes a rejection. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * A byte store that keeps every value in a `Map`. Values are copied on `set`
 * and on `get`, so callers can reuse their buffers.
 *
 * @example Write, list and read back
 * ```ts
 * import { MemoryStore } from "./memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore("demo");
 * await store.set("a/b", new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await store.list("a/"), ["a/b"]);
 * assert.deepEqual(await store.get("a/b"), new Uint8Array([1, 2, 3]));
 * assert.equal(await store.get("missing"), undefined);
 * assert.equal(store.url, "memory://demo");
 * ```
 */
export class MemoryStore implements ByteStore {
  /** `memory://<name>`. */
  readonly url: string;
  #data = new Map<string, Uint8Array>();

  /**
   * Create an empty store.
   *
   * @param name A name for messages and the URL (default `"anonymous"`).
   */
  constructor(name = "anonymous") {
    this.url = `memory://${name}`;
  }

  /** Number of keys held. */
  get size(): number {
    return this.#data.size;
  }

  /**
   * Read a whole value.
   *
   * @param key The key.
   * @returns A copy of the bytes, or `undefined` if the key does not exist.
   */
  get(key: string): Promise<Uint8Array | undefined> {
    return settle(() => {
      checkKey(key, this.url);
      return this.#data.get(key)?.slice();
    });
  }

  /**
   * Store a copy of `value` under `key`.
   *
   * @param key The key.
   * @param value The bytes.
   */
  set(key: string, value: Uint8Array): Promise<void> {
    return settle(() => {
      checkKey(key, this.url);
      this.#data.set(key, value.slice());
    });
  }

  /**
   * Store `value` only if the key is free (atomic: the store is in-process).
   *
   * @param key The key.
   * @param value The bytes.
   * @returns `true` if the key now holds exactly `value`; `false` if it holds other bytes.
   */
  setIfAbsent(key: string, value: Uint8Array): Promise<boolean> {
    return settle(() => {
      checkKey(key, this.url);
      const existing = this.#data.get(key);
      if (existing === undefined) {
        this.#data.set(key, value.slice());
        return true;
      }
      return existing.length === value.length && existing.every((b, i) => b === value[i]);
    });
  }

  /**
   * Delete exactly these keys (missing keys are not an error).
   *
   * @param keys The keys.
   */
  deleteKeys(keys: readonly string[]): Promise<void> {
    return settle(() => {
      for (const key of keys) checkKey(key, this.url);
      for (const key of keys) this.#data.delete(key);
    });
  }

  /**
   * Delete a key; a missing key is not an error.
   *
   * @param key The key.
   */
  delete(key: string): Promise<void> {
    return settle(() => {
      checkKey(key, this.url);
      this.#data.delete(key);
    });
  }

  /**
   * Every key that starts with `prefix`, sorted.
   *
   * @param prefix A key prefix (default `""`: every key).
   * @returns The keys, sorted.
   */
  list(prefix = ""): Promise<string[]> {
    return settle(() => {
      checkPrefix(prefix, this.url);
      const keys: string[] = [];
      for (const key of this.#data.keys()) {
        if (key.startsWith(prefix)) keys.push(key);
      }
      return keys.sort();
    });
  }

  /**
   * Every key that starts with `prefix`, sorted, with its size and, as S3
   * gives for a single-part upload, the hex MD5 of its bytes as the ETag.
   *
   * @param prefix A key prefix (default `""`: every key).
   * @returns The objects, sorted by key.
   *
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * import assert from "node:assert/strict";
   * const store = new MemoryStore();
   * await store.set("a/b", new TextEncoder().encode("abc"));
   * assert.deepEqual(await store.listObjects("a/"), [
   *   { key: "a/b", size: 3, etag: "900150983cd24fb0d6963f7d28e17f72" },
   * ]);
   * ```
   */
  async listObjects(prefix = ""): Promise<ObjectInfo[]> {
    const keys = await this.list(prefix);
    return keys.flatMap((key) => {
      const value = this.#data.get(key);
      if (value === undefined) return [];
      return [{ key, size: value.length, etag: createHash("md5").update(value).digest("hex") }];
    });
  }

  /**
   * Read part of a value (shorter at the end of the value).
   *
   * @param key The key.
   * @param offset First byte.
   * @param length Number of bytes.
   * @returns A copy of the bytes, or `undefined` if the key does not exist.
   */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    return settle(() => {
      checkKey(key, this.url);
      checkRange(offset, length);
      return this.#data.get(key)?.slice(offset, offset + length);
    });
  }

  /** Nothing to release; the data stays. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
