// deno-lint-ignore-file no-console
/**
 * Shared CLI plumbing: print `error: ...` with the cause chain and exit with
 * 2 for usage errors, 1 for runtime failures.
 *
 * @module
 */

/**
 * Print an error (and its causes) to stderr and exit: code 2 for bad input
 * (errors tagged `code = "USAGE"`), 1 otherwise.
 *
 * @param error The error.
 */
export function exitWithError(error: unknown): never {
  const usage = (error as { code?: string })?.code === "USAGE";
  let e: unknown = error;
  let prefix = "error";
  while (e !== undefined && e !== null) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`${prefix}: ${message}`);
    e = e instanceof Error ? e.cause : undefined;
    prefix = "  caused by";
  }
  if (!usage && debugEnabled() && error instanceof Error) console.error(error.stack);
  Deno.exit(usage ? 2 : 1);
}

function debugEnabled(): boolean {
  try {
    return Deno.env.get("UME_DEBUG") !== undefined;
  } catch {
    return false; // no env permission for UME_DEBUG
  }
}
