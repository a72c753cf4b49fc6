/**
 * Stored Zarr metadata documents (v3 `zarr.json`; v2 `.zgroup`, `.zarray`,
 * `.zattrs`) against the documents this code writes for the layout: every
 * field and attribute, as parsed JSON.
 *
 * @module
 */

import { parseMetadataJson } from "../../zarr/metadata_json.ts";
import type { ByteStore } from "../../store/byte_store.ts";
import { consolidatedProblems, ZMETADATA } from "../../zarr/consolidated.ts";
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
      out.set(key, { json: parseMetadataJson(decoder.decode(bytes)) });
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

const encoder = new TextEncoder();

/** The consolidated documents among `expected`: `[group path, format, key]`. */
function consolidatingGroups(
  expected: Readonly<Record<string, Uint8Array>>,
): { group: string; zarrFormat: 2 | 3; key: string }[] {
  const out: { group: string; zarrFormat: 2 | 3; key: string }[] = [];
  for (const [key, bytes] of Object.entries(expected)) {
    const name = key.slice(key.lastIndexOf("/") + 1);
    const group = key.includes("/") ? key.slice(0, key.lastIndexOf("/")) : "";
    if (name === ZMETADATA) out.push({ group, zarrFormat: 2, key });
    else if (name === "zarr.json" && "consolidated_metadata" in JSON.parse(decoder.decode(bytes))) {
      out.push({ group, zarrFormat: 3, key });
    }
  }
  return out;
}

function withoutConsolidated(json: unknown): unknown {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return json;
  const { consolidated_metadata: _, ...rest } = json as Record<string, unknown>;
  return rest;
}

/**
 * Compare stored documents with the expected ones ({@link documentProblems}),
 * and check consolidated metadata (v2 `.zmetadata`, v3 `consolidated_metadata`)
 * against the stored documents it copies rather than against our bytes: a
 * stale or edited copy is an error located at its entry, and a copy
 * zarr-python made (other key order, other formatting) is accepted when it
 * agrees with the documents.
 *
 * @param stored The stored documents; must hold every expected key and
 *   every document below each consolidating group.
 * @param expected The documents this code writes, by key.
 * @returns Every problem.
 *
 * @example A stale `.zmetadata`
 * ```ts
 * import { metadataProblems } from "./zarr_documents.ts";
 * import assert from "node:assert/strict";
 * const b = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
 * const zarray = { zarr_format: 2, shape: [3] };
 * const expected = {
 *   "g/.zgroup": b({ zarr_format: 2 }), "g/a/.zarray": b(zarray),
 *   "g/.zmetadata": b({ metadata: { ".zgroup": { zarr_format: 2 }, "a/.zarray": zarray }, zarr_consolidated_format: 1 }),
 * };
 * const stored = new Map(Object.entries(expected).map(([k, v]) => [k, { json: JSON.parse(new TextDecoder().decode(v)) }]));
 * assert.deepEqual(metadataProblems(stored, expected), []);
 * stored.set("g/.zmetadata", { json: { metadata: { ".zgroup": { zarr_format: 2 }, "a/.zarray": { zarr_format: 2, shape: [2] } } } });
 * assert.equal(metadataProblems(stored, expected)[0].location, "g/.zmetadata#/metadata/a~1.zarray");
 * ```
 */
export function metadataProblems(
  stored: ReadonlyMap<string, StoredDocument>,
  expected: Readonly<Record<string, Uint8Array>>,
): DocumentProblem[] {
  const groups = consolidatingGroups(expected);
  const plainExpected: Record<string, Uint8Array> = { ...expected };
  const plainStored = new Map(stored);
  for (const { zarrFormat, key } of groups) {
    if (zarrFormat === 2) {
      delete plainExpected[key];
      continue;
    }
    plainExpected[key] = encoder.encode(
      JSON.stringify(withoutConsolidated(JSON.parse(decoder.decode(expected[key])))),
    );
    const doc = stored.get(key);
    if (doc !== undefined && "json" in doc) {
      plainStored.set(key, { json: withoutConsolidated(doc.json) });
    }
  }
  const out = documentProblems(plainStored, plainExpected);
  const parsed = new Map<string, unknown>();
  for (const [key, doc] of stored) {
    if (doc !== undefined && "json" in doc) parsed.set(key, doc.json);
  }
  for (const { group, zarrFormat, key } of groups) {
    const doc = stored.get(key);
    if (doc === undefined) {
      if (zarrFormat === 2) {
        out.push({ location: key, message: "Consolidated metadata is missing" });
      }
      continue;
    }
    if ("error" in doc) {
      if (zarrFormat === 2) {
        out.push({ location: key, message: `Metadata document is not valid JSON: ${doc.error}` });
      }
      continue;
    }
    if (
      zarrFormat === 3 && !(typeof doc.json === "object" && doc.json !== null &&
        "consolidated_metadata" in doc.json)
    ) {
      out.push({
        location: `${key}#/consolidated_metadata`,
        message: "Consolidated metadata is missing",
      });
      continue;
    }
    out.push(...consolidatedProblems(group, zarrFormat, doc.json, parsed));
  }
  return out;
}
