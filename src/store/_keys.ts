/**
 * Key validation shared by the stores of this folder.
 *
 * @module
 */

import { StoreError } from "./store_error.ts";

/**
 * Throw unless `key` is a clean relative key: not empty, no leading or
 * trailing slash, no empty, `.` or `..` segment, no backslash or NUL.
 *
 * @param key The key to check.
 * @param url The store URL, for the message.
 *
 * @example Clean and unclean keys
 * ```ts
 * import { checkKey } from "./_keys.ts";
 * import assert from "node:assert/strict";
 * checkKey("nk/theta.zarr/c/0/0", "memory://x");
 * assert.throws(() => checkKey("nk//theta", "memory://x"), /empty, "." and ".." segments/);
 * ```
 */
export function checkKey(key: string, url: string): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new StoreError("INVALID_KEY", `Invalid key for store "${url}": the key is empty`);
  }
  if (key.includes("\\") || key.includes("\0")) {
    throw new StoreError(
      "INVALID_KEY",
      `Invalid key "${key}" for store "${url}": backslashes and NUL are not allowed`,
    );
  }
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new StoreError(
        "INVALID_KEY",
        `Invalid key "${key}" for store "${url}": empty, "." and ".." segments are not allowed`,
      );
    }
  }
}

/**
 * Throw unless `prefix` is `""` or a prefix that a clean key could start with.
 *
 * @param prefix The prefix to check.
 * @param url The store URL, for the message.
 *
 * @example Prefixes may end mid-name
 * ```ts
 * import { checkPrefix } from "./_keys.ts";
 * import assert from "node:assert/strict";
 * checkPrefix("nk/tra", "memory://x");
 * checkPrefix("", "memory://x");
 * assert.throws(() => checkPrefix("../nk/", "memory://x"));
 * ```
 */
export function checkPrefix(prefix: string, url: string): void {
  if (prefix === "") return;
  if (prefix.startsWith("/") || prefix.includes("\\") || prefix.includes("\0")) {
    throw new StoreError(
      "INVALID_KEY",
      `Invalid prefix "${prefix}" for store "${url}": it must be relative, without backslashes`,
    );
  }
  const segments = prefix.split("/");
  for (let i = 0; i < segments.length - 1; i++) {
    if (segments[i] === "" || segments[i] === "." || segments[i] === "..") {
      throw new StoreError(
        "INVALID_KEY",
        `Invalid prefix "${prefix}" for store "${url}": empty, "." and ".." segments are not allowed`,
      );
    }
  }
}

/**
 * Throw a `RangeError` unless offset and length describe a byte range.
 *
 * @param offset First byte.
 * @param length Number of bytes.
 *
 * @example Negative offsets are rejected
 * ```ts
 * import { checkRange } from "./_keys.ts";
 * import assert from "node:assert/strict";
 * checkRange(0, 10);
 * assert.throws(() => checkRange(-1, 10), RangeError);
 * ```
 */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`Invalid range offset: ${offset} is not a non-negative integer`);
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`Invalid range length: ${length} is not a non-negative integer`);
  }
}
