/**
 * Open a dataset location given by the user, turning failures (unknown
 * scheme, missing S3 credentials, ...) into usage errors.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { openStore } from "../store/open_store.ts";
import { UsageError } from "./config.ts";

/**
 * Use `store` if given, else open `location`.
 *
 * @param location A path or URL (`s3://bucket/prefix`).
 * @param store An already open store, which wins.
 * @returns The store.
 * @throws {UsageError} If the location cannot be opened.
 */
export async function openLocation(location: string, store?: ByteStore): Promise<ByteStore> {
  if (store) return store;
  try {
    return await openStore(location);
  } catch (e) {
    throw new UsageError(`Cannot open ${location}: ${(e as Error).message}`);
  }
}
