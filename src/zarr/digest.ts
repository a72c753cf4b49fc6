/**
 * SHA-256 digests of stored chunks.
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * The SHA-256 of some bytes, as lowercase hex. Computed with `node:crypto`
 * (native, and cheaper on the main thread than WebCrypto's `digest`, which
 * copies its input first).
 *
 * @param bytes The bytes.
 * @returns 64 hex characters.
 *
 * @example The digest of "abc"
 * ```ts
 * import { sha256Hex } from "./digest.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   await sha256Hex(new TextEncoder().encode("abc")),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export function sha256Hex(bytes: Uint8Array): Promise<string> {
  return Promise.resolve(createHash("sha256").update(bytes).digest("hex"));
}
