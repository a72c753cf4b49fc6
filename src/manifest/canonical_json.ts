/**
 * Canonical JSON: one byte sequence per JSON value, used to hash configs.
 *
 * @module
 */

/**
 * Serialize a JSON value canonically: object keys sorted (by UTF-16 code
 * units, as `Array.prototype.sort` orders strings), no whitespace, strings
 * and numbers exactly as `JSON.stringify` prints them. Object members whose
 * value is `undefined` are omitted (as `JSON.stringify` does); values with a
 * `toJSON` method (e.g. `Date`) are replaced by its result.
 *
 * @param value A JSON-compatible value.
 * @returns The canonical text.
 * @throws {TypeError} On values JSON cannot represent faithfully: NaN or
 *   infinite numbers, bigint, functions, symbols, `undefined` at the top level
 *   or in an array, typed arrays, and cycles.
 *
 * @example Key order does not matter
 * ```ts
 * import { canonicalJson } from "./canonical_json.ts";
 * import assert from "node:assert/strict";
 * assert.equal(canonicalJson({ b: [1, 2.5], a: { d: null, c: "x" } }), '{"a":{"c":"x","d":null},"b":[1,2.5]}');
 * assert.equal(canonicalJson({ z: 1, a: 2 }), canonicalJson({ a: 2, z: 1 }));
 * ```
 */
export function canonicalJson(value: unknown): string {
  return encode(value, "", new Set<object>());
}

function encode(value: unknown, path: string, seen: Set<object>): string {
  if (
    value !== null && typeof value === "object" &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  ) {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`Cannot encode canonical JSON: ${value} at "${path}" is not finite`);
      }
      return JSON.stringify(value);
    case "object": {
      if (value === null) return "null";
      if (ArrayBuffer.isView(value)) {
        throw new TypeError(
          `Cannot encode canonical JSON: typed array at "${path}" (convert it to a plain array)`,
        );
      }
      if (seen.has(value)) throw new TypeError(`Cannot encode canonical JSON: cycle at "${path}"`);
      seen.add(value);
      let text: string;
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) {
            throw new TypeError(`Cannot encode canonical JSON: undefined at "${path}/${i}"`);
          }
          items.push(encode(value[i], `${path}/${i}`, seen));
        }
        text = `[${items.join(",")}]`;
      } else {
        const record = value as Record<string, unknown>;
        const members: string[] = [];
        for (const key of Object.keys(record).sort()) {
          if (record[key] === undefined) continue;
          members.push(`${JSON.stringify(key)}:${encode(record[key], `${path}/${key}`, seen)}`);
        }
        text = `{${members.join(",")}}`;
      }
      seen.delete(value);
      return text;
    }
    default:
      throw new TypeError(
        `Cannot encode canonical JSON: ${typeof value} at "${path}" is not a JSON value`,
      );
  }
}
