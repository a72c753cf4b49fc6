/**
 * SHA-256 digests as lowercase hex, and the config hash of the manifest.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical_json.ts";

/**
 * The SHA-256 digest of bytes or of a string's UTF-8 encoding.
 *
 * @param data The bytes, or a string (hashed as UTF-8).
 * @returns 64 lowercase hex digits.
 *
 * @example Hash a string
 * ```ts
 * import { sha256Hex } from "./hashing.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * assert.equal(sha256Hex(new TextEncoder().encode("abc")), sha256Hex("abc"));
 * ```
 */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The config hash recorded in the manifest: SHA-256 of the canonical JSON of
 * the config.
 *
 * @param config A JSON-compatible value.
 * @returns 64 lowercase hex digits.
 * @throws {TypeError} If the config is not representable as JSON (see `canonicalJson`).
 *
 * @example Key order does not change the hash
 * ```ts
 * import { configHash, sha256Hex } from "./hashing.ts";
 * import assert from "node:assert/strict";
 * assert.equal(configHash({ b: 2, a: 1 }), sha256Hex('{"a":1,"b":2}'));
 * ```
 */
export function configHash(config: unknown): string {
  return sha256Hex(canonicalJson(config));
}
