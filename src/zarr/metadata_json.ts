/**
 * Reading Zarr metadata documents written by other tools: Python's `json`
 * module writes the non-finite floats as bare `NaN`, `Infinity`,
 * `-Infinity`, which is not JSON.
 *
 * @module
 */

/** Strings, or the bare tokens Python's `json` module writes for non-finite floats. */
const PYTHON_NON_FINITE = /"(?:[^"\\]|\\.)*"|-?\bInfinity\b|\bNaN\b/g;

/**
 * Parse a Zarr metadata document. Python's `json` module writes the
 * non-finite floats as bare `NaN`, `Infinity`, `-Infinity` (zarr-python 3.0's
 * `consolidate_metadata()` does so for a float64 NaN fill value): not JSON,
 * but what Python readers read. Such a document is read with those tokens
 * as the Zarr specification's strings (`"NaN"`, `"Infinity"`,
 * `"-Infinity"`), so a document a user's zarr-python wrote is accepted when
 * it agrees with ours.
 *
 * @param text The document.
 * @returns Its value.
 * @throws {SyntaxError} If it is not JSON even with those tokens.
 *
 * @example
 * ```ts
 * import { parseMetadataJson } from "./metadata_json.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseMetadataJson('{"fill_value": NaN, "n": "NaN x"}'), { fill_value: "NaN", n: "NaN x" });
 * ```
 */
export function parseMetadataJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const quoted = text.replace(PYTHON_NON_FINITE, (m) => m.startsWith('"') ? m : `"${m}"`);
    if (quoted === text) throw e;
    return JSON.parse(quoted);
  }
}

const METADATA_NAMES = ["zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"];
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The bytes of a store value as strict JSON when it is a Zarr metadata
 * document with Python's non-finite tokens (see {@link parseMetadataJson});
 * any other value unchanged.
 *
 * @param key The store key.
 * @param bytes Its value.
 * @returns The value, re-encoded only when needed.
 *
 * @example
 * ```ts
 * import { strictMetadataBytes } from "./metadata_json.ts";
 * import assert from "node:assert/strict";
 * const b = new TextEncoder().encode('{"fill_value":NaN}');
 * assert.equal(new TextDecoder().decode(strictMetadataBytes("nk/zarr.json", b)), '{"fill_value":"NaN"}');
 * assert.equal(strictMetadataBytes("nk/theta.zarr/c/0/0", b), b);
 * ```
 */
export function strictMetadataBytes(key: string, bytes: Uint8Array): Uint8Array {
  const name = key.slice(key.lastIndexOf("/") + 1);
  if (!METADATA_NAMES.includes(name)) return bytes;
  const text = decoder.decode(bytes);
  try {
    JSON.parse(text);
    return bytes;
  } catch {
    try {
      return encoder.encode(JSON.stringify(parseMetadataJson(text)));
    } catch {
      return bytes; // not JSON at all: the reader reports it
    }
  }
}
