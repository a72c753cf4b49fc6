/**
 * Counts in messages: "1 file", "2 files".
 *
 * @module
 */

/**
 * A count with its noun, singular for one.
 *
 * @param n The count.
 * @param noun The singular noun (the plural adds "s").
 * @returns E.g. `"1 file"`, `"0 files"`, `"3 files"`.
 *
 * @example
 * ```ts
 * import { countOf } from "./plural.ts";
 * import assert from "node:assert/strict";
 * assert.equal(countOf(1, "file"), "1 file");
 * assert.equal(countOf(2, "key"), "2 keys");
 * ```
 */
export function countOf(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}
