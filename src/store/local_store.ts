/**
 * A byte store backed by a folder of the local file system.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import type { ByteStore } from "./byte_store.ts";
import { checkKey, checkPrefix, checkRange } from "./_keys.ts";
import { StoreError } from "./store_error.ts";
import { describeFsError } from "./fs_error.ts";

/** Temporary files written by `set` before the rename: `.<name>.<16 hex>.tmp`. */
const TEMP_FILE = /^\..+\.[0-9a-f]{16}\.tmp$/;

/** Bytes a temporary file name adds to the name it stands for (`.` + `.<16 hex>.tmp`). */
const TEMP_NAME_EXTRA = 22;

/** Longest path the kernel accepts (PATH_MAX 4096, with the terminating NUL). */
const MAX_PATH_BYTES = 4095;

/** Longest file or folder name (NAME_MAX). */
const MAX_NAME_BYTES = 255;

const utf8 = new TextEncoder();

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let text = "";
  for (const b of bytes) text += b.toString(16).padStart(2, "0");
  return text;
}

/**
 * Write a new file. `Deno.open` + `write` keeps the copy and the system call
 * off the main thread (`Deno.writeFile` spends ~1 ms per MB on it).
 */
async function writeNewFile(path: string, value: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { write: true, createNew: true });
  try {
    let written = 0;
    while (written < value.length) written += await file.write(value.subarray(written));
  } finally {
    file.close();
  }
}

/**
 * A byte store whose keys are files under a root folder. Writes are atomic
 * (a temporary file in the same folder, then a rename), folders are created
 * as needed, and `list` walks the tree recursively.
 *
 * Needs `--allow-read` and `--allow-write` on the root folder.
 *
 * @example Write and read a file-backed key
 * ```ts
 * import { LocalStore } from "./local_store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = new LocalStore(dir);
 * await store.set("nk/zarr.json", new TextEncoder().encode("{}"));
 * assert.deepEqual(await store.list(), ["nk/zarr.json"]);
 * assert.equal(new TextDecoder().decode(await store.get("nk/zarr.json")), "{}");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LocalStore implements ByteStore {
  /** The path or `file://` URL the store was opened with. */
  readonly url: string;
  /** The absolute root folder. */
  readonly root: string;
  /** Folders known to exist (created or written to by this store). */
  #folders = new Set<string>();

  /**
   * Open (lazily) a folder as a store; nothing is created until a write.
   *
   * @param root The root folder.
   * @param options `url`: what to report as the store URL (default: `root`).
   */
  constructor(root: string, options: { url?: string } = {}) {
    if (typeof root !== "string" || root.length === 0) {
      throw new TypeError("Cannot open a local store: the root path is empty");
    }
    this.root = resolve(root);
    this.url = options.url ?? root;
  }

  #path(key: string): string {
    checkKey(key, this.url);
    return join(this.root, ...key.split("/"));
  }

  /**
   * Read a whole file.
   *
   * @param key The key.
   * @returns The bytes, or `undefined` if the file does not exist.
   */
  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.#path(key);
    try {
      return await Deno.readFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw new StoreError(
        "IO",
        `Cannot read "${key}" from "${this.url}": ${describeFsError(error, this.root)}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Write a file atomically: a temporary file next to it, then a rename.
   *
   * @param key The key.
   * @param value The bytes.
   */
  async set(key: string, value: Uint8Array): Promise<void> {
    const path = this.#path(key);
    const folder = dirname(path);
    const temp = join(folder, `.${basename(path)}.${randomHex()}.tmp`);
    try {
      // Create folders not seen yet up front (chunk keys like c/7/0/0 mostly
      // land in new folders); fall back to creating them if one vanished.
      if (!this.#folders.has(folder)) {
        await Deno.mkdir(folder, { recursive: true });
        this.#folders.add(folder);
      }
      try {
        await writeNewFile(temp, value);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        await Deno.mkdir(folder, { recursive: true });
        await writeNewFile(temp, value);
      }
      await Deno.rename(temp, path);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw new StoreError(
        "IO",
        `Cannot write "${key}" to "${this.url}": ${describeFsError(error, this.root)}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Delete a file; a missing file is not an error.
   *
   * @param key The key.
   */
  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await Deno.remove(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw new StoreError(
        "IO",
        `Cannot delete "${key}" from "${this.url}": ${describeFsError(error, this.root)}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Every key that starts with `prefix`, sorted (temporary files of
   * in-flight writes are skipped).
   *
   * @param prefix A key prefix (default `""`: every key).
   * @returns The keys, sorted.
   */
  async list(prefix = ""): Promise<string[]> {
    checkPrefix(prefix, this.url);
    const slash = prefix.lastIndexOf("/");
    const folder = slash < 0 ? "" : prefix.slice(0, slash);
    const keys: string[] = [];
    try {
      await this.#walk(folder, prefix, keys);
    } catch (error) {
      throw new StoreError(
        "IO",
        `Cannot list "${prefix}" in "${this.url}": ${describeFsError(error, this.root)}`,
        {
          cause: error,
        },
      );
    }
    return keys.sort();
  }

  /** Collect keys under `folder` that start with `prefix`: data files, or temp files if `temps`. */
  async #walk(folder: string, prefix: string, out: string[], temps = false): Promise<void> {
    const path = folder === "" ? this.root : join(this.root, ...folder.split("/"));
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
        return;
      }
      throw error;
    }
    for (const entry of entries) {
      const key = folder === "" ? entry.name : `${folder}/${entry.name}`;
      let isFile = entry.isFile;
      let isDirectory = entry.isDirectory;
      if (entry.isSymlink) {
        const info = await Deno.stat(join(path, entry.name)).catch(() => undefined);
        isFile = info?.isFile ?? false;
        isDirectory = info?.isDirectory ?? false;
      }
      if (isDirectory) {
        // Descend only where keys matching the prefix can live.
        const asFolder = `${key}/`;
        if (asFolder.startsWith(prefix) || prefix.startsWith(asFolder)) {
          await this.#walk(key, prefix, out, temps);
        }
      } else if (isFile && TEMP_FILE.test(entry.name) === temps && key.startsWith(prefix)) {
        out.push(key);
      }
    }
  }

  /**
   * Why `key` could not be written under this root: the path (with the
   * temporary file name of an atomic write) longer than 4,095 bytes, or a
   * name longer than 255 bytes.
   *
   * @param key The key.
   * @returns The reason, or `undefined` when it fits.
   *
   * @example A key that fits and a root that is too long
   * ```ts
   * import { LocalStore } from "./local_store.ts";
   * import assert from "node:assert/strict";
   * assert.equal(new LocalStore("/tmp/ds").keyProblem("nk/theta.zarr/c/0/0"), undefined);
   * assert.match(new LocalStore("/tmp/" + "a/".repeat(2100)).keyProblem("nk/zarr.json")!, /4,095/);
   * ```
   */
  keyProblem(key: string): string | undefined {
    const path = this.#path(key);
    const bytes = utf8.encode(path).length + TEMP_NAME_EXTRA;
    if (bytes > MAX_PATH_BYTES) {
      return `the file path of "${key}" would be ${bytes} bytes (with the temporary name of an atomic write); the file system allows ${
        MAX_PATH_BYTES.toLocaleString("en-US")
      }`;
    }
    const names = path.split("/");
    for (let i = 0; i < names.length; i++) {
      const n = utf8.encode(names[i]).length + (i === names.length - 1 ? TEMP_NAME_EXTRA : 0);
      if (n > MAX_NAME_BYTES) {
        return `the name "${
          names[i].slice(0, 40)
        }..." is ${n} bytes; the file system allows ${MAX_NAME_BYTES} per name`;
      }
    }
    return undefined;
  }

  /**
   * Read part of a file (shorter at the end of the file).
   *
   * @param key The key.
   * @param offset First byte.
   * @param length Number of bytes.
   * @returns The bytes, or `undefined` if the file does not exist.
   */
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const path = this.#path(key);
    checkRange(offset, length);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw new StoreError(
        "IO",
        `Cannot read "${key}" from "${this.url}": ${describeFsError(error, this.root)}`,
        {
          cause: error,
        },
      );
    }
    try {
      await file.seek(offset, Deno.SeekMode.Start);
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const n = await file.read(out.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return filled === length ? out : out.slice(0, filled);
    } catch (error) {
      throw new StoreError(
        "IO",
        `Cannot read "${key}" from "${this.url}": ${describeFsError(error, this.root)}`,
        {
          cause: error,
        },
      );
    } finally {
      file.close();
    }
  }

  /**
   * Delete the temporary files that interrupted writes (a killed process)
   * left behind under `prefix`. Call it only while no other process writes
   * to this folder, e.g. before resuming or overwriting.
   *
   * @param prefix A key prefix (default `""`: the whole store).
   * @returns The keys of the deleted temporary files, sorted.
   *
   * @example Clean up after an interrupted write
   * ```ts
   * import { LocalStore } from "./local_store.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const store = new LocalStore(dir);
   * await store.set("w/c/0", new Uint8Array([1]));
   * await Deno.writeTextFile(`${dir}/w/c/.0.0123456789abcdef.tmp`, "partial");
   * assert.deepEqual(await store.removeTempFiles(), ["w/c/.0.0123456789abcdef.tmp"]);
   * assert.deepEqual(await store.removeTempFiles(), []);
   * assert.deepEqual(await store.list(), ["w/c/0"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async removeTempFiles(prefix = ""): Promise<string[]> {
    checkPrefix(prefix, this.url);
    const slash = prefix.lastIndexOf("/");
    const folder = slash < 0 ? "" : prefix.slice(0, slash);
    const temps: string[] = [];
    try {
      await this.#walk(folder, prefix, temps, true);
      for (const key of temps) {
        await Deno.remove(join(this.root, ...key.split("/"))).catch((error) => {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        });
      }
    } catch (error) {
      throw new StoreError(
        "IO",
        `Cannot remove temporary files under "${prefix}" in "${this.url}": ${
          describeFsError(error, this.root)
        }`,
        { cause: error },
      );
    }
    return temps.sort();
  }

  /** Nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
