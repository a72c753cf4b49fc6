/**
 * SHA-256 digests of stored chunks (and the MD5 an S3 listing's ETag can
 * be compared with).
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

/**
 * The MD5 of some bytes, as lowercase hex: what S3 gives as the ETag of a
 * single-part upload, so that a listing can tell a changed object from an
 * intact one without reading it. Not a security digest (SHA-256 is).
 *
 * @param bytes The bytes.
 * @returns 32 hex characters.
 *
 * @example The MD5 of "abc"
 * ```ts
 * import { md5Hex } from "./digest.ts";
 * import assert from "node:assert/strict";
 * assert.equal(md5Hex(new TextEncoder().encode("abc")), "900150983cd24fb0d6963f7d28e17f72");
 * ```
 */
export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}
