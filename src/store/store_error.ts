/**
 * The tagged error of the storage layer.
 *
 * @module
 */

/**
 * Why a store operation failed, for callers that branch on it.
 *
 * - `NOT_FOUND`: a key (or a chunk that must exist) is missing.
 * - `EXISTS`: the target already holds data and overwriting was not requested.
 * - `INVALID_KEY`: a key is not a clean relative `/`-separated path.
 * - `UNSUPPORTED_SCHEME`: `openStore` does not know the URL scheme.
 * - `CORRUPT`: stored bytes do not decode to what the metadata promises.
 * - `LINK`: a path inside a local store is a symbolic link: stores never
 *   read, write or delete through links.
 * - `IO`: the backend failed (file system, network).
 * - `NO_CREDENTIALS`: no link of the AWS credential chain yielded credentials.
 */
export type StoreErrorCode =
  | "NOT_FOUND"
  | "EXISTS"
  | "INVALID_KEY"
  | "UNSUPPORTED_SCHEME"
  | "CORRUPT"
  | "LINK"
  | "IO"
  | "NO_CREDENTIALS";

/**
 * An error of the storage layer that carries a machine-readable `code`.
 *
 * @example Branch on the code
 * ```ts
 * import { StoreError } from "./store_error.ts";
 * import assert from "node:assert/strict";
 * const error = new StoreError("NOT_FOUND", 'Cannot read "a/b": no such key');
 * assert.ok(error instanceof Error);
 * assert.equal(error.code, "NOT_FOUND");
 * assert.equal(error.name, "StoreError");
 * ```
 */
export class StoreError extends Error {
  /** Why the operation failed. */
  readonly code: StoreErrorCode;

  /**
   * Create a store error.
   *
   * @param code Why the operation failed.
   * @param message What failed, with detail after a colon.
   * @param options The underlying cause, if any.
   */
  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
  }
}
