/**
 * Open a dataset location given by the user, turning failures (unknown
 * scheme, missing S3 credentials, a local path that is a file, ...) into
 * usage errors.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ByteStore } from "../store/byte_store.ts";
import { openStore } from "../store/open_store.ts";
import { UsageError } from "./config.ts";

/**
 * Use `store` if given, else open `location`.
 *
 * @param location A path or URL (`s3://bucket/prefix`).
 * @param store An already open store, which wins.
 * @returns The store.
 * @throws {UsageError} If the location cannot be opened, or is a local file
 *   (or lies under one) rather than a folder.
 */
export async function openLocation(location: string, store?: ByteStore): Promise<ByteStore> {
  if (store) return store;
  await refuseFilePath(location);
  try {
    return await openStore(location);
  } catch (e) {
    throw new UsageError(`Cannot open ${location}: ${(e as Error).message}`);
  }
}

/**
 * Refuse a local location that is a regular file, or lies under one: it can
 * hold no dataset, and nothing can be written there. Other locations, and
 * any failure to look (a missing path, a permission), are left to the store.
 *
 * @param location A path or URL.
 * @throws {UsageError} Saying it is a file, not a dataset folder.
 */
export async function refuseFilePath(location: string): Promise<void> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(location)?.[1].toLowerCase();
  if (scheme !== undefined && scheme !== "file") return;
  let path: string;
  try {
    path = scheme === "file" ? fileURLToPath(location) : location;
  } catch {
    return; // openStore explains a malformed URL
  }
  try {
    if ((await Deno.stat(path)).isDirectory) return;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotADirectory)) return;
    throw new UsageError(
      `Cannot use ${location}: a part of the path is a file, not a folder, so it cannot be a dataset folder: give a folder path`,
    );
  }
  throw new UsageError(
    `Cannot use ${location}: it is a file, not a dataset folder: give the folder that holds manifest.json (or, for generate, a new or empty folder)`,
  );
}
