/**
 * Leaf-by-leaf comparison of two parsed JSON documents, each difference
 * located by a JSON pointer (RFC 6901).
 *
 * @module
 */

/** One difference between a stored document and the expected one. */
export interface JsonDifference {
  /** JSON pointer of the differing node (`""` for the whole document). */
  pointer: string;
  /** The stored value (`undefined`: missing in the stored document). */
  stored: unknown;
  /** The expected value (`undefined`: the stored document has a node the expected lacks). */
  expected: unknown;
}

/**
 * Escape one reference token of a JSON pointer (`~` -> `~0`, `/` -> `~1`).
 *
 * @param token The object key or array index.
 * @returns The escaped token.
 *
 * @example A chunk key
 * ```ts
 * import { pointerToken } from "./json_diff.ts";
 * import assert from "node:assert/strict";
 * assert.equal(pointerToken("c/0/1"), "c~10~11");
 * ```
 */
export function pointerToken(token: string): string {
  if (!token.includes("~") && !token.includes("/")) return token;
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Every difference between two parsed JSON values: leaves that differ,
 * nodes missing on one side, and nodes of different kinds (reported once,
 * at the node). Object key order is ignored; array order is not.
 *
 * @param stored The stored value.
 * @param expected The expected value.
 * @param skip Pointers to leave out (with everything below them).
 * @returns The differences, in document order of the expected value.
 *
 * @example An edited unit and an extra field
 * ```ts
 * import { jsonDifferences } from "./json_diff.ts";
 * import assert from "node:assert/strict";
 * const d = jsonDifferences({ units: ["%", "pp"], x: 1 }, { units: ["%", "bp"] });
 * assert.deepEqual(d, [
 *   { pointer: "/units/1", stored: "pp", expected: "bp" },
 *   { pointer: "/x", stored: 1, expected: undefined },
 * ]);
 * ```
 */
export function jsonDifferences(
  stored: unknown,
  expected: unknown,
  skip: (pointer: string) => boolean = () => false,
): JsonDifference[] {
  const out: JsonDifference[] = [];
  walk(stored, expected, "", skip, out);
  return out;
}

function walk(
  stored: unknown,
  expected: unknown,
  pointer: string,
  skip: (pointer: string) => boolean,
  out: JsonDifference[],
): void {
  if (skip(pointer)) return;
  if (Array.isArray(stored) && Array.isArray(expected)) {
    for (let i = 0; i < Math.max(stored.length, expected.length); i++) {
      walk(stored[i], expected[i], `${pointer}/${i}`, skip, out);
    }
  } else if (isPlainObject(stored) && isPlainObject(expected)) {
    const keys = [...Object.keys(expected)];
    for (const k of Object.keys(stored)) if (!Object.hasOwn(expected, k)) keys.push(k);
    for (const k of keys) walk(stored[k], expected[k], `${pointer}/${pointerToken(k)}`, skip, out);
  } else if (stored !== expected) {
    out.push({ pointer, stored, expected });
  }
}

/**
 * A JSON value for a message, shortened past 80 characters.
 *
 * @param value The value.
 * @returns Its JSON text (or `String(value)`).
 *
 * @example
 * ```ts
 * import { showJson } from "./json_diff.ts";
 * import assert from "node:assert/strict";
 * assert.equal(showJson("a"), '"a"');
 * assert.equal(showJson("x".repeat(100)).length, 80);
 * ```
 */
export function showJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Describe a difference: `what` says the stored value, `why` what the
 * expected value is.
 *
 * @param d The difference.
 * @param what Who holds the stored value, e.g. `"Manifest says"`.
 * @param why Where the expected value comes from, e.g. `"what this code writes"`.
 * @returns The message.
 *
 * @example
 * ```ts
 * import { describeDifference } from "./json_diff.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeDifference({ pointer: "/T", stored: 7, expected: 6 }, "Manifest says", "what this code writes"),
 *   "Manifest says 7, expected 6 (what this code writes)",
 * );
 * ```
 */
export function describeDifference(d: JsonDifference, what: string, why: string): string {
  if (d.stored === undefined) return `Missing: expected ${showJson(d.expected)} (${why})`;
  if (d.expected === undefined) return `${what} ${showJson(d.stored)}: not expected (${why})`;
  return `${what} ${showJson(d.stored)}, expected ${showJson(d.expected)} (${why})`;
}
