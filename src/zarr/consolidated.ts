/**
 * Consolidated metadata: every metadata document below a group, in one
 * document at the group, so a reader opens a whole hierarchy with one read
 * (and lists nothing).
 *
 * - Zarr v2: `<group>/.zmetadata`, `{"metadata": {"<relative key>": document},
 *   "zarr_consolidated_format": 1}`, holding every `.zgroup`, `.zattrs` and
 *   `.zarray` below the group and its own (what zarr-python 2's
 *   `consolidate_metadata` writes);
 * - Zarr v3: the `consolidated_metadata` field of the group's `zarr.json`,
 *   `{"kind": "inline", "must_understand": false, "metadata": {"<relative
 *   path>": zarr.json document}}`, flat, as zarr-python 3 writes and reads it:
 *   a child group's entry carries an empty `consolidated_metadata` of its own.
 *
 * @module
 */

import type { GroupSpec } from "./array_spec.ts";
import { groupMetadataDocuments, joinKey } from "./metadata.ts";
import { parseMetadataJson } from "./metadata_json.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The v2 consolidated metadata document's name. */
export const ZMETADATA = ".zmetadata";

const V2_DOCUMENTS = new Set([".zgroup", ".zattrs", ".zarray"]);

/** The empty `consolidated_metadata` of a child group's entry (v3). */
const EMPTY_V3 = Object.freeze({ kind: "inline", must_understand: false, metadata: {} });

function jsonBytes(doc: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(doc, null, 2)}\n`);
}

function parse(bytes: Uint8Array): Record<string, unknown> {
  return parseMetadataJson(decoder.decode(bytes)) as Record<string, unknown>;
}

/** `rest` of `key` below `group/` (every key is below the root `""`), else undefined. */
function below(group: string, key: string): string | undefined {
  if (group === "") return key;
  return key.startsWith(`${group}/`) ? key.slice(group.length + 1) : undefined;
}

/** Depth first, then name: the order zarr-python 3 writes its entries in. */
function byDepth(a: string, b: string): number {
  const d = a.split("/").length - b.split("/").length;
  return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The consolidated form of a v3 `zarr.json` member as its group's entry:
 * a group's own consolidated metadata is replaced by an empty one.
 *
 * @param doc The member's parsed `zarr.json`.
 * @returns The entry.
 */
export function consolidatedEntryV3(doc: Record<string, unknown>): Record<string, unknown> {
  return doc.node_type === "group" ? { ...doc, consolidated_metadata: EMPTY_V3 } : doc;
}

/**
 * The metadata documents of a group together with its consolidated
 * metadata over `members` (the documents below it, by store key; other keys
 * are ignored).
 *
 * @param group The group.
 * @param members Metadata documents below the group, by store key.
 * @returns v3: the group's `zarr.json` with `consolidated_metadata`; v2:
 *   `.zgroup`, `.zattrs` and `.zmetadata`.
 *
 * @example A v2 and a v3 group with one array
 * ```ts
 * import { consolidatedGroupDocuments } from "./consolidated.ts";
 * import { arrayMetadataDocuments } from "./metadata.ts";
 * import { arraySpec } from "./array_spec.ts";
 * import assert from "node:assert/strict";
 * const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
 * for (const zarrFormat of [2, 3] as const) {
 *   const a = arraySpec("g/a", { shape: [2], dtype: "float32", dimensionNames: ["x"], zarrFormat });
 *   const docs = consolidatedGroupDocuments({ path: "g", zarrFormat, attributes: { k: 1 } }, arrayMetadataDocuments(a));
 *   if (zarrFormat === 2) {
 *     const z = json(docs["g/.zmetadata"]);
 *     assert.deepEqual(Object.keys(z.metadata), [".zattrs", ".zgroup", "a/.zarray", "a/.zattrs"]);
 *   } else {
 *     const z = json(docs["g/zarr.json"]);
 *     assert.deepEqual(Object.keys(z.consolidated_metadata.metadata), ["a"]);
 *     assert.equal(z.consolidated_metadata.must_understand, false);
 *   }
 * }
 * ```
 */
export function consolidatedGroupDocuments(
  group: GroupSpec,
  members: Readonly<Record<string, Uint8Array>>,
): Record<string, Uint8Array> {
  const own = groupMetadataDocuments(group);
  if (group.zarrFormat === 3) {
    const entries: [string, Record<string, unknown>][] = [];
    for (const [key, bytes] of Object.entries(members)) {
      const rest = below(group.path, key);
      if (rest === undefined || !rest.endsWith("/zarr.json")) continue;
      entries.push([rest.slice(0, -"/zarr.json".length), consolidatedEntryV3(parse(bytes))]);
    }
    entries.sort(([a], [b]) => byDepth(a, b));
    const key = joinKey(group.path, "zarr.json");
    const doc = {
      ...parse(own[key]),
      consolidated_metadata: {
        kind: "inline",
        must_understand: false,
        metadata: Object.fromEntries(entries),
      },
    };
    return { [key]: jsonBytes(doc) };
  }
  const metadata: Record<string, unknown> = {};
  for (const [key, bytes] of Object.entries({ ...members, ...own })) {
    const rest = below(group.path, key);
    if (rest === undefined || !V2_DOCUMENTS.has(rest.slice(rest.lastIndexOf("/") + 1))) continue;
    metadata[rest] = parse(bytes);
  }
  const sorted = Object.fromEntries(Object.keys(metadata).sort().map((k) => [k, metadata[k]]));
  return {
    ...own,
    [joinKey(group.path, ZMETADATA)]: jsonBytes({
      metadata: sorted,
      zarr_consolidated_format: 1,
    }),
  };
}

/** One disagreement between consolidated metadata and the documents it copies. */
export interface ConsolidatedProblem {
  /** `<key>#<JSON pointer>` of the entry in the consolidated document. */
  location: string;
  /** What is wrong. */
  message: string;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => `/${p.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

function equalJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    Object.hasOwn(b, k) &&
    equalJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

/** v3 data types of one byte, whose `bytes` codec needs no `endian`. */
const ONE_BYTE_TYPES = new Set(["bool", "int8", "uint8"]);

/**
 * A v3 document without the fields that hold their spec default: an empty
 * `storage_transformers` is the same as none (zarr-python 3.4 writes it in
 * every consolidated array entry; our `zarr.json` documents leave it out),
 * and the `bytes` codec's `endian` means nothing for a one-byte data type
 * (zarr-python 3.0 writes `"little"`; the specification lets it be left out).
 */
function withoutDefaultsV3(doc: unknown): unknown {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return doc;
  const { storage_transformers: transformers, ...rest } = doc as Record<string, unknown>;
  const out: Record<string, unknown> = Array.isArray(transformers) && transformers.length === 0
    ? rest
    : { ...doc };
  if (ONE_BYTE_TYPES.has(out.data_type as string) && Array.isArray(out.codecs)) {
    out.codecs = out.codecs.map((c) => {
      const codec = c as { name?: unknown; configuration?: Record<string, unknown> };
      if (codec?.name !== "bytes" || codec.configuration === undefined) return c;
      const { endian: _, ...configuration } = codec.configuration;
      return Object.keys(configuration).length === 0
        ? { name: "bytes" }
        : { name: "bytes", configuration };
    });
  }
  return out;
}

/**
 * Check a group's consolidated metadata against the documents it copies:
 * every entry must equal the stored document, and every stored document
 * below the group must have an entry (a stale or edited copy would give a
 * reader other metadata than the arrays'). Accepts any consolidated
 * document a reader would accept, ours or one zarr-python wrote (v3: an
 * entry's empty `storage_transformers` equals none, and so does a one-byte
 * type's `bytes` codec with or without `endian`).
 *
 * @param group The group path.
 * @param zarrFormat Its format.
 * @param consolidated The parsed consolidated document (`.zmetadata`, or the group's `zarr.json`).
 * @param stored Every stored metadata document below (and of) the group, parsed, by store key.
 * @returns The problems; none if they agree.
 *
 * @example A stale copy of a shape
 * ```ts
 * import { consolidatedProblems } from "./consolidated.ts";
 * import assert from "node:assert/strict";
 * const stored = new Map<string, unknown>([["g/zarr.json", {}], ["g/a/zarr.json", { node_type: "array", shape: [3] }]]);
 * const doc = { consolidated_metadata: { kind: "inline", metadata: { a: { node_type: "array", shape: [2] } } } };
 * const [p] = consolidatedProblems("g", 3, doc, stored);
 * assert.equal(p.location, "g/zarr.json#/consolidated_metadata/metadata/a");
 * assert.match(p.message, /differs from g\/a\/zarr.json/);
 * ```
 */
export function consolidatedProblems(
  group: string,
  zarrFormat: 2 | 3,
  consolidated: unknown,
  stored: ReadonlyMap<string, unknown>,
): ConsolidatedProblem[] {
  const out: ConsolidatedProblem[] = [];
  const key = joinKey(group, zarrFormat === 3 ? "zarr.json" : ZMETADATA);
  const base = zarrFormat === 3
    ? pointer("consolidated_metadata", "metadata")
    : pointer("metadata");
  const holder = zarrFormat === 3
    ? (consolidated as { consolidated_metadata?: unknown })?.consolidated_metadata
    : consolidated;
  const entries = (holder as { metadata?: unknown } | undefined)?.metadata;
  if (typeof entries !== "object" || entries === null || Array.isArray(entries)) {
    out.push({ location: `${key}#${base}`, message: "Consolidated metadata is not an object" });
    return out;
  }
  const expected = new Map<string, unknown>();
  for (const [storeKey, doc] of stored) {
    const rest = below(group, storeKey);
    if (rest === undefined) continue;
    if (zarrFormat === 3) {
      if (rest === "zarr.json" || !rest.endsWith("/zarr.json")) continue;
      const entry = typeof doc === "object" && doc !== null
        ? consolidatedEntryV3(doc as Record<string, unknown>)
        : doc;
      expected.set(rest.slice(0, -"/zarr.json".length), entry);
    } else if (V2_DOCUMENTS.has(rest.slice(rest.lastIndexOf("/") + 1))) {
      expected.set(rest, doc);
    }
  }
  const docKey = (name: string): string =>
    joinKey(group, zarrFormat === 3 ? joinKey(name, "zarr.json") : name);
  for (const [name, entry] of Object.entries(entries)) {
    const location = `${key}#${base}${pointer(name)}`;
    if (!expected.has(name)) {
      out.push({
        location,
        message: `Consolidated metadata for ${docKey(name)}, which is missing`,
      });
    } else if (
      zarrFormat === 3
        ? !equalJson(withoutDefaultsV3(entry), withoutDefaultsV3(expected.get(name)))
        : !equalJson(entry, expected.get(name))
    ) {
      out.push({
        location,
        message: `Consolidated metadata differs from ${docKey(name)}: it is stale or edited`,
      });
    }
  }
  for (const name of expected.keys()) {
    if (!Object.hasOwn(entries, name)) {
      out.push({
        location: `${key}#${base}${pointer(name)}`,
        message: `Consolidated metadata lacks ${docKey(name)}`,
      });
    }
  }
  return out;
}
