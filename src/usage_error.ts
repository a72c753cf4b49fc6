/**
 * The error of bad user input, shared by every layer that checks input.
 *
 * @module
 */

/**
 * Raised for input that cannot be used (an unknown world, a bad number, a
 * path that holds no dataset, a path this task may not touch): nothing was
 * computed or written. CLIs exit with code 2 on it.
 *
 * @example Branch on the tag
 * ```ts
 * import { UsageError } from "./usage_error.ts";
 * import assert from "node:assert/strict";
 * const error = new UsageError("Invalid --n-samples -5: must be between 1 and 100000000");
 * assert.equal(error.code, "USAGE");
 * assert.equal(error.name, "UsageError");
 * ```
 */
export class UsageError extends Error {
  /** Tag for `instanceof`-free checks (errors cross worker and module boundaries). */
  readonly code = "USAGE";
  /**
   * Create a usage error.
   *
   * @param message What is wrong and how to fix it.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}
