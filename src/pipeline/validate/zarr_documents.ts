/**
 * Stored Zarr metadata documents (v3 `zarr.json`; v2 `.zgroup`, `.zarray`,
 * `.zattrs`) against the documents this code writes for the layout: every
 * field and attribute, as parsed JSON.
 *
 * @module
 */

import type { ByteStore } from "../../store/byte_store.ts";
import { describeDifference, jsonDifferences } from "./json_diff.ts";

/** A stored document: its parsed JSON, why it could not be parsed, or `undefined` if missing. */
export type StoredDocument = { json: unknown } | { error: string } | undefined;

/** One difference between the stored documents and the expected ones. */
export interface DocumentProblem {
  /** The document key, or `<key>#<pointer>` for a field inside it. */
  location: string;
  /** What differs. */
  message: string;
}

const decoder = new TextDecoder();

/**
 * Read and parse documents.
 *
 * @param store The dataset store.
 * @param keys The document keys.
 * @returns Each document by key.
 *
 * @example A missing and a broken document
 * ```ts
 * import { readDocuments } from "./zarr_documents.ts";
 * import { MemoryStore } from "../../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await store.set("zarr.json", new TextEncoder().encode("{"));
 * const docs = await readDocuments(store, ["zarr.json", "nk/zarr.json"]);
 * assert.ok(docs.get("zarr.json") && "error" in docs.get("zarr.json")!);
 * assert.equal(docs.get("nk/zarr.json"), undefined);
 * ```
 */
export async function readDocuments(
  store: ByteStore,
  keys: Iterable<string>,
): Promise<Map<string, StoredDocument>> {
  const out = new Map<string, StoredDocument>();
  await Promise.all([...keys].map(async (key) => {
    const bytes = await store.get(key);
    if (bytes === undefined) return out.set(key, undefined);
    try {
      out.set(key, { json: JSON.parse(decoder.decode(bytes)) });
    } catch (e) {
      out.set(key, { error: (e as Error).message });
    }
  }));
  return out;
}

/**
 * Compare stored documents with the expected ones, field by field.
 *
 * @param stored The stored documents (see {@link readDocuments}); must hold every expected key.
 * @param expected The documents this code writes, by key.
 * @returns Every problem: a missing or unparsable document, or a differing field (located by
 *   a JSON pointer into the document).
 *
 * @example An edited attribute
 * ```ts
 * import { documentProblems } from "./zarr_documents.ts";
 * import assert from "node:assert/strict";
 * const expected = { "nk/zarr.json": new TextEncoder().encode('{"attributes":{"world_id":"nk"}}') };
 * const stored = new Map([["nk/zarr.json", { json: { attributes: { world_id: "rbc" } } }]]);
 * const [p] = documentProblems(stored, expected);
 * assert.equal(p.location, "nk/zarr.json#/attributes/world_id");
 * ```
 */
export function documentProblems(
  stored: ReadonlyMap<string, StoredDocument>,
  expected: Readonly<Record<string, Uint8Array>>,
): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  for (const [key, bytes] of Object.entries(expected)) {
    const doc = stored.get(key);
    if (doc === undefined) {
      out.push({ location: key, message: "Metadata document is missing" });
    } else if ("error" in doc) {
      out.push({ location: key, message: `Metadata document is not valid JSON: ${doc.error}` });
    } else {
      for (const d of jsonDifferences(doc.json, JSON.parse(decoder.decode(bytes)))) {
        out.push({
          location: `${key}#${d.pointer}`,
          message: describeDifference(
            d,
            "Stored",
            "what this code writes for the recorded configuration",
          ),
        });
      }
    }
  }
  return out;
}
