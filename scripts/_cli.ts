// deno-lint-ignore-file no-console
/**
 * Shared CLI plumbing: argument parsing with one set of rules for every
 * task, and one exit-code rule:
 *
 * - `0`: success;
 * - `1`: the work started and failed (a store error after retries, a
 *   simulator failure), or `validate` found problems;
 * - `2`: the input cannot be used, so nothing was computed or written: a bad
 *   flag or number, a path that holds no dataset or cannot be read or
 *   written, a permission the task does not hold.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "../src/usage_error.ts";
import { describeFsError, isPermissionDenial } from "../src/store/fs_error.ts";
import { deniedNetHost, describeNetDenial } from "../src/store/net_error.ts";

/**
 * Parse command-line flags strictly (no positionals, no unknown flags).
 * A negative number after a flag that takes a value is that flag's value
 * (`--n-samples -5` reads like `--n-samples=-5`), so the range check of the
 * flag, not the parser, reports it.
 *
 * @param args The arguments (`Deno.args`).
 * @param options The flags (as for `node:util` `parseArgs`).
 * @returns The parsed values.
 * @throws {UsageError} Naming the bad flag.
 */
export function parseFlags<T extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>["values"] {
  const normalized: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    const next = args[i + 1];
    if (
      name !== undefined && options[name]?.type === "string" && next !== undefined &&
      /^-[\d.]/.test(next)
    ) {
      normalized.push(`${arg}=${next}`);
      i++;
    } else {
      normalized.push(arg);
    }
  }
  try {
    return parseArgs({ args: normalized, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (see --help)`);
  }
}

/**
 * Print an error (and its causes) to stderr and exit: code 2 for bad input
 * (errors tagged `code = "USAGE"`), 1 otherwise. The runtime's own advice
 * for permission failures ("run again with the --allow-all flag") is never
 * shown: such a cause is explained in our words. A runtime failure (exit 1)
 * is followed by `hint: <recovery>`, saying how to continue, when given.
 *
 * @param error The error.
 * @param recovery How to continue after a runtime failure (not shown for bad input).
 */
export function exitWithError(error: unknown, recovery?: string): never {
  const usage = (error as { code?: string })?.code === "USAGE" || isPermissionDenial(error);
  let e: unknown = error;
  let prefix = "error";
  let shown = "";
  while (e !== undefined && e !== null) {
    const message = e instanceof Deno.errors.NotCapable
      ? describeDenial(e)
      : e instanceof Error
      ? e.message
      : String(e);
    // A cause whose text the message above already quotes adds nothing.
    if (!shown.includes(message)) console.error(`${prefix}: ${abbreviate(message)}`);
    shown = message;
    e = e instanceof Error ? e.cause : undefined;
    prefix = "  caused by";
  }
  if (!usage && recovery !== undefined) console.error(`hint: ${recovery}`);
  if (!usage && debugEnabled() && error instanceof Error) console.error(error.stack);
  Deno.exit(usage ? 2 : 1);
}

/** Options of {@link runMain}. */
export interface MainOptions {
  /**
   * How to continue after a runtime failure (exit 1), asked when the
   * failure happens (so it can depend on the options `main` has parsed by
   * then); `undefined` for no hint.
   */
  recovery?: () => string | undefined;
}

/**
 * Print a result as JSON on stdout, with snake_case keys like every JSON
 * document ume-data writes (the manifest, the run record, the ledger): the
 * one place where the library's camelCase results meet the CLI's JSON.
 *
 * @param value The result.
 */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(snakeKeys(value), null, 2));
}

/** A deep copy with object keys in snake_case (`chunksResumed` -> `chunks_resumed`). */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map((
      [k, v],
    ) => [
      k.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
        .toLowerCase(),
      snakeKeys(v),
    ]),
  );
}

/**
 * Run a CLI's `main` and exit with its code, or through {@link exitWithError}.
 *
 * @param main The command; resolves to the exit code.
 * @param options The recovery hint of a runtime failure.
 */
export function runMain(main: () => Promise<number>, options: MainOptions = {}): void {
  main().then((code) => Deno.exit(code), (error) => exitWithError(error, options.recovery?.()));
}

/** A permission refusal in our words: the host a connection was refused to, or the path. */
function describeDenial(error: Deno.errors.NotCapable): string {
  const host = deniedNetHost(error);
  if (host !== undefined) return describeNetDenial(host);
  return describeFsError(error, /"([^"]+)"/.exec(error.message)?.[1] ?? "");
}

/** Shorten very long words (a 4,000-character path) so the message stays readable. */
function abbreviate(message: string): string {
  return message.replace(/\S{160,}/g, (w) => `${w.slice(0, 60)}...${w.slice(-60)}`);
}

/** Set (to anything) to print the stack of a runtime failure; every task may read it. */
export const DEBUG_VARIABLE = "UME_DEBUG";

function debugEnabled(): boolean {
  // The tasks grant it; a library caller without env access gets no stack.
  return Deno.permissions.querySync({ name: "env", variable: DEBUG_VARIABLE }).state ===
      "granted" && Deno.env.get(DEBUG_VARIABLE) !== undefined;
}
