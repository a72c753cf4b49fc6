/**
 * The problems `validate` reports and how its checks record them.
 *
 * @module
 */

/** One failed check. */
export interface ValidationProblem {
  /** Which check failed, e.g. `"chunk-digest"`. */
  check: string;
  /** Where: a store key, `<key>#/json/pointer` into a stored document, or `manifest.json#/json/pointer`. */
  location: string;
  /** What is wrong. */
  message: string;
  /** The world concerned, if any. */
  world?: string;
}

/**
 * Collects the problems found and counts the checks run.
 *
 * @example Record a problem
 * ```ts
 * import { Problems } from "./problems.ts";
 * import assert from "node:assert/strict";
 * const p = new Problems();
 * p.ran("splits", 2);
 * p.add("splits", "nk/splits.json", "splits.json is missing", "nk");
 * assert.equal(p.checks.splits, 2);
 * assert.equal(p.list[0].world, "nk");
 * ```
 */
export class Problems {
  /** Every problem, in the order found. */
  readonly list: ValidationProblem[] = [];
  /** Number of checks run, by check name. */
  readonly checks: Record<string, number> = {};

  /**
   * Count checks run.
   *
   * @param check The check name.
   * @param n How many (default 1).
   */
  ran(check: string, n = 1): void {
    this.checks[check] = (this.checks[check] ?? 0) + n;
  }

  /**
   * Record a problem.
   *
   * @param check The check name.
   * @param location Where.
   * @param message What is wrong.
   * @param world The world concerned, if any.
   */
  add(check: string, location: string, message: string, world?: string): void {
    this.list.push(
      world === undefined ? { check, location, message } : { check, location, message, world },
    );
  }
}
