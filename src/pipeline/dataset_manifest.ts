/**
 * Find the `manifest.json` of a dataset the user named, or say precisely why
 * the location is not a finished dataset (empty, an unfinished run, a world
 * folder inside a dataset, something else).
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { MANIFEST_KEY } from "../manifest/manifest_io.ts";
import { isWorldId } from "../simulators/registry.ts";
import { UsageError } from "../usage_error.ts";
import { LEDGER_PREFIX } from "./ledger.ts";

const decoder = new TextDecoder();

/** The location one level up: `a/b/nk` -> `a/b`, `s3://bkt/p/nk` -> `s3://bkt/p`. */
function parentOf(location: string): string {
  const trimmed = location.replace(/\/+$/, "");
  const cut = trimmed.lastIndexOf("/");
  if (cut <= 0) return ".";
  const parent = trimmed.slice(0, cut);
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/?$/.test(parent) ? trimmed : parent;
}

/** The `world_id` attribute of the group at the store root, if it is one of our world groups. */
async function rootWorldId(store: ByteStore): Promise<string | undefined> {
  for (const key of ["zarr.json", ".zattrs"]) {
    const bytes = await store.get(key);
    if (bytes === undefined) continue;
    try {
      const doc = JSON.parse(decoder.decode(bytes));
      const id = key === "zarr.json" ? doc?.attributes?.world_id : doc?.world_id;
      if (typeof id === "string" && isWorldId(id)) return id;
    } catch {
      // Not our metadata: the generic message below applies.
    }
  }
  return undefined;
}

/**
 * The bytes of the dataset's `manifest.json`.
 *
 * @param store The dataset store.
 * @param task What the caller is about to do, for the message (e.g. `"validate"`).
 * @returns The manifest bytes.
 * @throws {UsageError} If there is no manifest, saying what the location holds instead.
 *
 * @example A world folder is recognized
 * ```ts
 * import { requireManifestBytes } from "./dataset_manifest.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const world = new MemoryStore("data/v1/nk");
 * await world.set("zarr.json", new TextEncoder().encode('{"attributes":{"world_id":"nk"}}'));
 * await assert.rejects(requireManifestBytes(world, "validate"), /world folder "nk" .* --path memory:\/\/data\/v1 /);
 * ```
 */
export async function requireManifestBytes(store: ByteStore, task: string): Promise<Uint8Array> {
  const bytes = await store.get(MANIFEST_KEY);
  if (bytes !== undefined) return bytes;
  const where = store.url;
  if ((await store.list(LEDGER_PREFIX)).length > 0) {
    throw new UsageError(
      `Cannot ${task} ${where}: it holds an unfinished run, not a dataset (no ${MANIFEST_KEY} yet): finish it with "deno task generate --resume --output ${where}", or "deno task finalize --output ${where}" once every shard is done`,
    );
  }
  const world = await rootWorldId(store);
  if (world !== undefined) {
    const parent = parentOf(where);
    throw new UsageError(
      `Cannot ${task} ${where}: it is the world folder "${world}" of a dataset, not a dataset: use --path ${parent} (and --world ${world} for this world only)`,
    );
  }
  const keys = await store.list("");
  throw new UsageError(
    keys.length === 0
      ? `Cannot ${task} ${where}: nothing is there (no such folder, or it is empty): generate a dataset first, or check --path`
      : `Cannot ${task} ${where}: it holds no ${MANIFEST_KEY}, so it is not a ume-data dataset: check --path`,
  );
}
