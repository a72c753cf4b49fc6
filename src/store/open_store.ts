/**
 * Resolve a path or URL to a byte store.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ByteStore } from "./byte_store.ts";
import { LocalStore } from "./local_store.ts";
import { MemoryStore } from "./memory_store.ts";
import { StoreError } from "./store_error.ts";

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const memoryStores = new Map<string, MemoryStore>();

/**
 * Open the store a path or URL names.
 *
 * - a plain path or a `file://` URL: a {@link LocalStore} (needs read/write
 *   permission on the folder);
 * - `memory://<name>`: a {@link MemoryStore}, the same instance for the same
 *   name within this process;
 * - `s3://bucket/prefix`: an S3 store (loaded on demand from `./s3_store.ts`;
 *   needs network and `AWS_*` env permissions), with its credentials fetched
 *   from the AWS credential chain (a `NoAwsCredentialsError` listing what
 *   was tried if there are none);
 * - anything else: a {@link StoreError} with code `UNSUPPORTED_SCHEME`.
 *
 * @param urlOrPath A folder path or a store URL.
 * @returns The store.
 *
 * @example Open a named memory store twice
 * ```ts
 * import { openStore } from "./open_store.ts";
 * import assert from "node:assert/strict";
 * const a = await openStore("memory://doc-example");
 * await a.set("k", new Uint8Array([7]));
 * const b = await openStore("memory://doc-example");
 * assert.deepEqual(await b.get("k"), new Uint8Array([7]));
 * await assert.rejects(openStore("ftp://host/x"), /unsupported scheme "ftp"/);
 * ```
 */
export async function openStore(urlOrPath: string): Promise<ByteStore> {
  if (typeof urlOrPath !== "string" || urlOrPath.length === 0) {
    throw new TypeError("Cannot open a store: the path or URL is empty");
  }
  const match = SCHEME.exec(urlOrPath);
  if (match === null) return new LocalStore(urlOrPath);
  const scheme = match[1].toLowerCase();
  switch (scheme) {
    case "file":
      return new LocalStore(fileURLToPath(urlOrPath), { url: urlOrPath });
    case "memory": {
      const name = urlOrPath.slice(match[0].length);
      let store = memoryStores.get(name);
      if (store === undefined) {
        store = new MemoryStore(name);
        memoryStores.set(name, store);
      }
      return store;
    }
    case "s3":
      return await openS3Store(urlOrPath);
    default:
      throw new StoreError(
        "UNSUPPORTED_SCHEME",
        `Cannot open store "${urlOrPath}": unsupported scheme "${scheme}" (use a path, file://, memory:// or s3://)`,
      );
  }
}

// --- S3 hook ---------------------------------------------------------------
// The S3 store lives in ./s3_store.ts and exports `S3Store` with a static
// `fromUrl(url: string): S3Store` and `checkCredentials()`. It is imported on demand so that local-only
// users never load it; if the module cannot be loaded, the error says so.
async function openS3Store(url: string): Promise<ByteStore> {
  let module: typeof import("./s3_store.ts");
  try {
    module = await import("./s3_store.ts");
  } catch (error) {
    throw new StoreError(
      "UNSUPPORTED_SCHEME",
      `Cannot open store "${url}": S3 support could not be loaded from ./s3_store.ts: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  const store = module.S3Store.fromUrl(url);
  // Fetch the credentials now: without any, the caller stops before any work.
  await store.checkCredentials();
  return store;
}
