/**
 * Reading and writing `manifest.json` through a {@link ByteStore}.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import type { Manifest } from "./types.ts";
import { assertValidManifest } from "./validate_manifest.ts";
import { assertCurrentLayout } from "./layout.ts";

export { MANIFEST_KEY } from "../dataset/keys.ts";
export { ManifestLayoutError } from "./layout.ts";
import { MANIFEST_KEY } from "../dataset/keys.ts";

/**
 * The bytes of `manifest.json`: JSON with two-space indentation and a final
 * newline, UTF-8.
 *
 * @param manifest The manifest.
 * @returns The encoded document.
 *
 * @example Encode and parse back
 * ```ts
 * import { serializeManifest } from "./manifest_io.ts";
 * import type { Manifest } from "./types.ts";
 * import assert from "node:assert/strict";
 * const m = { version: "1.0.0" } as unknown as Manifest;
 * assert.deepEqual(JSON.parse(new TextDecoder().decode(serializeManifest(m))), m);
 * ```
 */
export function serializeManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** Options of {@link readManifest}. */
export interface ReadManifestOptions {
  /** Key of the manifest in the store. Default {@link MANIFEST_KEY}. */
  key?: string;
  /** Validate it (schema and consistency) and throw if invalid. Default true. */
  validate?: boolean;
}

/**
 * Read and parse `manifest.json` from a store.
 *
 * With `validate: false` the parsed value is returned as is (typed as a
 * manifest but unchecked): pass it to `validateManifest` to list problems.
 * A manifest in the layout before 0.2.0 is refused either way, with one
 * line saying so ({@link ManifestLayoutError}).
 *
 * @param store The dataset store.
 * @param options Key and validation.
 * @returns The manifest, or `undefined` if the store has none.
 * @throws {SyntaxError} If the document is not JSON.
 * @throws {ManifestLayoutError} If the manifest is in the layout before 0.2.0 (written by ume-data 0.1.x).
 * @throws {ManifestValidationError} If `validate` is on and the manifest is invalid.
 *
 * @example Missing manifest
 * ```ts
 * import { readManifest } from "./manifest_io.ts";
 * import assert from "node:assert/strict";
 * const empty = { url: "memory://", get: () => Promise.resolve(undefined), set: () => Promise.resolve(),
 *   delete: () => Promise.resolve(), list: () => Promise.resolve([]) };
 * assert.equal(await readManifest(empty), undefined);
 * ```
 */
export async function readManifest(
  store: ByteStore,
  options: ReadManifestOptions = {},
): Promise<Manifest | undefined> {
  const key = options.key ?? MANIFEST_KEY;
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new SyntaxError(`Cannot parse ${key}: ${(e as Error).message}`);
  }
  assertCurrentLayout(doc, `Cannot read ${store.url}: `);
  if (options.validate ?? true) assertValidManifest(doc, `Invalid ${key}`);
  return doc as Manifest;
}
