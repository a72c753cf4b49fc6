// deno-lint-ignore-file no-console
/**
 * Tests that need a Debian package: skip them when it is missing, saying
 * which package and how to install it, unless `UME_REQUIRE_ALL=1` (CI),
 * where they run and fail.
 *
 * @module
 */

const REQUIRE_ALL = Deno.env.get("UME_REQUIRE_ALL") === "1";
const noticed = new Set<string>();

/** A piece of the machine some tests need. */
export interface Requirement {
  /** What is needed, e.g. `"zarr-python 2 (python3-zarr)"`. */
  what: string;
  /** Whether it is there. */
  available: boolean;
  /** The command that installs it. */
  install: string;
}

/**
 * The `ignore` flag of `Deno.test` for tests that need `req`: true (skip)
 * when it is missing and `UME_REQUIRE_ALL` is not set. Prints the reason
 * and the install command once per requirement, on stderr, so that a skip
 * is never silent.
 *
 * @param req The requirement.
 * @returns Whether to skip.
 */
export function skipUnless(req: Requirement): boolean {
  if (req.available || REQUIRE_ALL) return false;
  if (!noticed.has(req.what)) {
    noticed.add(req.what);
    console.error(
      `note: skipping the tests that need ${req.what}: it is not installed here (install it with: ${req.install}; CI sets UME_REQUIRE_ALL=1 and runs them)`,
    );
  }
  return true;
}
