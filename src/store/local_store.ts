/**
 * A byte store backed by a folder of the local file system.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import type { ByteStore, ObjectInfo } from "./byte_store.ts";
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
 * Symbolic links inside the root are never followed: `list` skips them
 * (`links` names them), and reading, writing or deleting a key whose path
 * goes through a link fails with a `LINK` {@link StoreError}. The root
 * itself may be a link: it is the location the user chose.
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
  /** Folders below the root known to be real folders (created, or checked not to be links). */
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

  #error(action: string, key: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    return new StoreError(
      "IO",
      `Cannot ${action} "${key}" ${action === "write" ? "to" : "from"} "${this.url}": ${
        describeFsError(error, this.root)
      }`,
      { cause: error },
    );
  }

  /**
   * Refuse a key whose folders (or, with `leaf`, the key itself) include a
   * symbolic link. Folders already checked or created are remembered.
   */
  async #refuseLinks(key: string, leaf: boolean): Promise<void> {
    const names = key.split("/");
    let path = this.root;
    for (let i = 0; i < names.length; i++) {
      const last = i === names.length - 1;
      path = join(path, names[i]);
      if (last && !leaf) return;
      if (!last && this.#folders.has(path)) continue;
      let info: Deno.FileInfo;
      try {
        info = await Deno.lstat(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return; // nothing below it exists yet
        throw error;
      }
      if (info.isSymlink) {
        const rel = names.slice(0, i + 1).join("/");
        const target = await Deno.readLink(path).catch(() => "?");
        throw new StoreError(
          "LINK",
          `Cannot use "${key}" in "${this.url}": "${rel}" is a symbolic link (to ${target}); ume-data never reads, writes or deletes through links inside a dataset: replace it with the real ${
            last ? "file" : "folder"
          }`,
        );
      }
      if (!last) {
        if (!info.isDirectory) return; // a file where a folder should be: the operation fails itself
        this.#folders.add(path);
      }
    }
  }

  /**
   * Read a whole file.
   *
   * @param key The key.
   * @returns The bytes, or `undefined` if the file does not exist.
   * @throws {StoreError} `LINK` if the path goes through a symbolic link; `IO` on other failures.
   */
  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.#path(key);
    try {
      await this.#refuseLinks(key, true);
      return await Deno.readFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw this.#error("read", key, error);
    }
  }

  /** Create the folders of `path` (checked for links first). */
  async #makeFolders(key: string, folder: string): Promise<void> {
    if (this.#folders.has(folder)) return;
    await this.#refuseLinks(key, false);
    await Deno.mkdir(folder, { recursive: true });
    for (let f = folder; f.length > this.root.length; f = dirname(f)) this.#folders.add(f);
  }

  /** Write `value` to a new temporary file beside `path`; returns its path. */
  async #writeTemp(key: string, path: string, value: Uint8Array): Promise<string> {
    const folder = dirname(path);
    const temp = join(folder, `.${basename(path)}.${randomHex()}.tmp`);
    await this.#makeFolders(key, folder);
    try {
      try {
        await writeNewFile(temp, value);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        // The folder vanished since it was created: create it again.
        this.#folders.delete(folder);
        await this.#makeFolders(key, folder);
        await writeNewFile(temp, value);
      }
    } catch (error) {
      await Deno.remove(temp).catch(() => {}); // a write cut short (a full disk) leaves no part
      throw error;
    }
    return temp;
  }

  /**
   * Write a file atomically: a temporary file next to it, then a rename
   * (which replaces a link at the key itself, never what it points to).
   *
   * @param key The key.
   * @param value The bytes.
   * @throws {StoreError} `LINK` if a folder of the path is a symbolic link; `IO` on other failures.
   */
  async set(key: string, value: Uint8Array): Promise<void> {
    await this.#publish(key, value, (temp, path) => Deno.rename(temp, path));
  }

  /**
   * Write `value` to a temporary file beside the key's path, then `commit`
   * it (a rename, or a hard link that also removes the temporary file); on
   * failure the temporary file is removed.
   */
  async #publish<T>(
    key: string,
    value: Uint8Array,
    commit: (temp: string, path: string) => Promise<T>,
  ): Promise<T> {
    const path = this.#path(key);
    let temp: string | undefined;
    try {
      temp = await this.#writeTemp(key, path, value);
    } catch (error) {
      throw this.#error("write", key, error);
    }
    try {
      return await commit(temp, path);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      // The key exists: setIfAbsent's answer, not a failure.
      throw error instanceof Deno.errors.AlreadyExists ? error : this.#error("write", key, error);
    }
  }

  /**
   * Create a file only if the key is free, atomically (the complete
   * temporary file is hard-linked to the key, which fails if it exists).
   *
   * @param key The key.
   * @param value The bytes.
   * @returns `true` if the key now holds exactly `value`; `false` if it holds other bytes.
   *
   * @example Only the first create wins
   * ```ts
   * import { LocalStore } from "./local_store.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const store = new LocalStore(dir);
   * const [a, b] = [new Uint8Array([1]), new Uint8Array([2])];
   * assert.deepEqual(await Promise.all([store.setIfAbsent("k", a), store.setIfAbsent("k", b)]).then((r) => r.sort()), [false, true]);
   * assert.equal(await store.setIfAbsent("k", (await store.get("k"))!), true);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async setIfAbsent(key: string, value: Uint8Array): Promise<boolean> {
    try {
      return await this.#publish(key, value, async (temp, path) => {
        try {
          await Deno.link(temp, path);
          return true;
        } finally {
          await Deno.remove(temp).catch(() => {}); // the key holds the bytes now, or never will
        }
      });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const existing = await this.get(key);
      return existing !== undefined && existing.length === value.length &&
        existing.every((b, i) => b === value[i]);
    }
  }

  /**
   * Delete a file; a missing file is not an error. A link at the key is
   * removed itself (never what it points to); a path through a linked
   * folder is refused.
   *
   * @param key The key.
   * @throws {StoreError} `LINK` if a folder of the path is a symbolic link; `IO` on other failures.
   */
  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await this.#refuseLinks(key, false);
      await Deno.remove(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw this.#error("delete", key, error);
    }
  }

  /**
   * Delete exactly these files, then the folders those deletions leave
   * empty (up to, not including, the root), with any empty folders below
   * them; never a folder that still holds a file or a link.
   *
   * @param keys The keys.
   *
   * @example Folders go only once empty
   * ```ts
   * import { LocalStore } from "./local_store.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const store = new LocalStore(dir);
   * for (const k of ["a/b/1", "a/b/2", "a/keep"]) await store.set(k, new Uint8Array([1]));
   * await store.deleteKeys(["a/b/1", "a/b/2"]);
   * assert.deepEqual([...Deno.readDirSync(`${dir}/a`)].map((e) => e.name), ["keep"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    const folders = new Set<string>();
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(keys.slice(i, i + 64).map((key) => this.delete(key)));
    }
    for (const key of keys) {
      const names = key.split("/");
      for (let n = names.length - 1; n >= 1; n--) folders.add(names.slice(0, n).join("/"));
    }
    // Deepest first, so a folder is empty once its subfolders are gone.
    const ordered = [...folders].sort((a, b) => b.split("/").length - a.split("/").length);
    for (const folder of ordered) {
      await this.#removeIfHollow(join(this.root, ...folder.split("/")));
    }
  }

  /**
   * Remove a folder that holds nothing but (recursively) empty folders;
   * keep it if it holds any file or link. Never follows links.
   */
  async #removeIfHollow(path: string): Promise<boolean> {
    let entries: Deno.DirEntry[];
    try {
      if (!(await Deno.lstat(path)).isDirectory) return false;
      entries = await Array.fromAsync(Deno.readDir(path));
    } catch {
      return false; // missing or unreadable: nothing to do
    }
    for (const entry of entries) {
      if (!entry.isDirectory || entry.isSymlink) return false;
      if (!await this.#removeIfHollow(join(path, entry.name))) return false;
    }
    try {
      await Deno.remove(path); // not recursive: fails if anything appeared meanwhile
      this.#folders.delete(path);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Every key that starts with `prefix`, sorted: regular files only
   * (temporary files of in-flight writes and symbolic links are skipped,
   * and linked folders are not entered).
   *
   * @param prefix A key prefix (default `""`: every key).
   * @returns The keys, sorted.
   */
  async list(prefix = ""): Promise<string[]> {
    return (await this.#scan(prefix, "list")).files;
  }

  /**
   * Every regular file under `prefix`, sorted, with its size from `lstat`
   * (links are neither listed nor followed, as in {@link list}; a file
   * replaced by a link or removed between the scan and its `lstat` is left
   * out). A local file has no ETag.
   *
   * @param prefix A key prefix (default `""`: every key).
   * @returns The objects, sorted by key.
   *
   * @example Sizes without reading, links left out
   * ```ts
   * import { LocalStore } from "./local_store.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const store = new LocalStore(dir);
   * await store.set("nk/a", new Uint8Array(5));
   * await Deno.symlink(`${dir}/nk/a`, `${dir}/nk/b`);
   * assert.deepEqual(await store.listObjects("nk/"), [{ key: "nk/a", size: 5 }]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async listObjects(prefix = ""): Promise<ObjectInfo[]> {
    const { files } = await this.#scan(prefix, "list");
    const out: (ObjectInfo | undefined)[] = new Array(files.length);
    let next = 0;
    const run = async (): Promise<void> => {
      while (next < files.length) {
        const i = next++;
        const key = files[i];
        try {
          const info = await Deno.lstat(join(this.root, ...key.split("/")));
          if (info.isFile) out[i] = { key, size: info.size };
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw this.#error("list", key, error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(32, files.length) }, run));
    return out.filter((o): o is ObjectInfo => o !== undefined);
  }

  /**
   * The symbolic links under `prefix` (files or folders), not followed.
   *
   * @param prefix A key prefix (default `""`).
   * @returns Their keys, sorted.
   *
   * @example A linked folder is named, not entered
   * ```ts
   * import { LocalStore } from "./local_store.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const elsewhere = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${elsewhere}/secret`, "x");
   * await Deno.symlink(elsewhere, `${dir}/nk`);
   * const store = new LocalStore(dir);
   * assert.deepEqual(await store.links(), ["nk"]);
   * assert.deepEqual(await store.list(), []);
   * await assert.rejects(store.get("nk/secret"), /symbolic link/);
   * await Deno.remove(dir, { recursive: true });
   * await Deno.remove(elsewhere, { recursive: true });
   * ```
   */
  async links(prefix = ""): Promise<string[]> {
    return (await this.#scan(prefix, "list")).links;
  }

  async #scan(
    prefix: string,
    action: string,
  ): Promise<{ files: string[]; temps: string[]; links: string[] }> {
    checkPrefix(prefix, this.url);
    const slash = prefix.lastIndexOf("/");
    const folder = slash < 0 ? "" : prefix.slice(0, slash);
    const found = { files: [] as string[], temps: [] as string[], links: [] as string[] };
    try {
      if (folder !== "") await this.#refuseLinks(`${folder}/x`, false);
      await this.#walk(folder, prefix, found);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        "IO",
        `Cannot ${action} "${prefix}" in "${this.url}": ${describeFsError(error, this.root)}`,
        { cause: error },
      );
    }
    found.files.sort();
    found.temps.sort();
    found.links.sort();
    return found;
  }

  /** Collect regular files, temporary files and links under `folder` that start with `prefix`. */
  async #walk(
    folder: string,
    prefix: string,
    out: { files: string[]; temps: string[]; links: string[] },
  ): Promise<void> {
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
      if (entry.isSymlink) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) out.links.push(key);
      } else if (entry.isDirectory) {
        // Descend only where keys matching the prefix can live.
        const asFolder = `${key}/`;
        if (asFolder.startsWith(prefix) || prefix.startsWith(asFolder)) {
          this.#folders.add(join(path, entry.name));
          await this.#walk(key, prefix, out);
        }
      } else if (entry.isFile && key.startsWith(prefix)) {
        (TEMP_FILE.test(entry.name) ? out.temps : out.files).push(key);
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
      await this.#refuseLinks(key, true);
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw this.#error("read", key, error);
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
   * left behind, for the keys `owned` accepts. Call it only while no other
   * process writes to this folder, e.g. before resuming or overwriting.
   *
   * @param owned Whether a temporary file's target key is ours to clean
   *   (default: every temporary file).
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
   * await Deno.writeTextFile(`${dir}/.notes.0123456789abcdef.tmp`, "not ours");
   * assert.deepEqual(await store.removeTempFiles((k) => k.startsWith("w/")), ["w/c/.0.0123456789abcdef.tmp"]);
   * assert.deepEqual(await store.removeTempFiles((k) => k.startsWith("w/")), []);
   * assert.deepEqual(await store.list(), ["w/c/0"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async removeTempFiles(owned: (key: string) => boolean = () => true): Promise<string[]> {
    const { temps } = await this.#scan("", "remove temporary files under");
    const removed: string[] = [];
    for (const temp of temps) {
      const slash = temp.lastIndexOf("/");
      const name = temp.slice(slash + 1);
      const target = `${temp.slice(0, slash + 1)}${name.slice(1, name.length - 21)}`;
      if (!owned(target)) continue;
      await Deno.remove(join(this.root, ...temp.split("/"))).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw this.#error("delete", temp, error);
      });
      removed.push(temp);
    }
    return removed;
  }

  /** Nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
