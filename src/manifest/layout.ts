/**
 * Manifests in the layout before 0.2.0: recognized, and explained in one
 * line instead of a list of schema violations.
 *
 * Until 0.1.x, `manifest.json` had top-level `generator`, `storage` and
 * `rng`, and `splits` was a list; from 0.2.0 it is the spec's shape (top
 * level `version`, `created_at`, `git_hash`, `simulators`, `splits` keyed by
 * name, `rng_seeds`, `T`, `H`), with the spec's split names.
 *
 * @module
 */

import { UsageError } from "../usage_error.ts";

/** The version whose manifest layout is the spec's. */
export const SPEC_LAYOUT_VERSION = "0.2.0";

/** Top-level fields that only the old layout has. */
const OLD_TOP_LEVEL = ["generator", "storage", "rng"] as const;

/**
 * Thrown when a manifest is in the layout before {@link SPEC_LAYOUT_VERSION}:
 * bad input (CLIs exit with code 2), with a one-line message saying which
 * version wrote it, what changed and what to do.
 */
export class ManifestLayoutError extends UsageError {
  /** The `generator.version` recorded in the old manifest, if any. */
  readonly writtenBy: string | undefined;
  /**
   * Create the error.
   *
   * @param message The one-line message.
   * @param writtenBy The version that wrote the manifest, if recorded.
   */
  constructor(message: string, writtenBy?: string) {
    super(message);
    this.name = "ManifestLayoutError";
    this.writtenBy = writtenBy;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Whether a parsed manifest is in the layout before 0.2.0 (top-level
 * `generator`, `storage` or `rng`, or `splits` as a list), and if so the
 * one line that explains it.
 *
 * @param doc The parsed `manifest.json` (any JSON value).
 * @returns The explanation, or `undefined` when the manifest is not in the old layout.
 *
 * @example An old manifest
 * ```ts
 * import { oldLayoutMessage } from "./layout.ts";
 * import assert from "node:assert/strict";
 * const old = { version: "1.0.0", generator: { name: "ume-data", version: "0.1.0" }, splits: [] };
 * assert.match(oldLayoutMessage(old)!, /written by ume-data 0\.1\.0 .*regenerate/);
 * assert.equal(oldLayoutMessage({ version: "1.0.0", splits: {} }), undefined);
 * ```
 */
export function oldLayoutMessage(doc: unknown): string | undefined {
  if (!isObject(doc)) return undefined;
  const old = OLD_TOP_LEVEL.some((k) => k in doc) || Array.isArray(doc.splits);
  if (!old) return undefined;
  const g = isObject(doc.generator) ? doc.generator : {};
  const name = typeof g.name === "string" ? g.name : "ume-data";
  const by = typeof g.version === "string" ? `${name} ${g.version}` : `${name} before 0.2.0`;
  return `manifest.json was written by ${by} in the old layout; from ${SPEC_LAYOUT_VERSION} ` +
    "the manifest is the spec's (rng_seeds; splits keyed by name: train, val, " +
    "test_interpolation, test_extrapolation_slice, test_extrapolation_corner; generator and " +
    "storage under each simulators.<world>): regenerate the dataset with this version, or " +
    "keep reading it with ume-data 0.1.x";
}

/**
 * Throw a {@link ManifestLayoutError} if a parsed manifest is in the old layout.
 *
 * @param doc The parsed `manifest.json`.
 * @param prefix Put before the explanation, e.g. `"Cannot validate data/v1: "`.
 * @throws {ManifestLayoutError} If the manifest is in the layout before 0.2.0.
 *
 * @example
 * ```ts
 * import { assertCurrentLayout, ManifestLayoutError } from "./layout.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => assertCurrentLayout({ rng: {} }), ManifestLayoutError);
 * assertCurrentLayout({ rng_seeds: {} });
 * ```
 */
export function assertCurrentLayout(doc: unknown, prefix = ""): void {
  const message = oldLayoutMessage(doc);
  if (message === undefined) return;
  const g = isObject(doc) && isObject(doc.generator) ? doc.generator : {};
  throw new ManifestLayoutError(
    `${prefix}${message}`,
    typeof g.version === "string" ? g.version : undefined,
  );
}
