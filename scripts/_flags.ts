/**
 * The flags of every task and the locations they name, defined once: the
 * task scripts parse their arguments with them, and the launcher
 * (`launch.ts`) parses the same arguments with them to grant the run its
 * permissions. Imports no npm package (the launcher loads it).
 *
 * @module
 */

import type { ParseArgsOptionsConfig } from "node:util";
import { basename, dirname, join, resolve } from "node:path";
import { DEFAULT_OUTPUT } from "../src/pipeline/defaults.ts";
import { UsageError } from "../src/usage_error.ts";

/** The tasks of deno.json that run through the launcher. */
export const TASK_NAMES = ["generate", "finalize", "validate", "report"] as const;

/** One of {@link TASK_NAMES}. */
export type TaskName = typeof TASK_NAMES[number];

const HELP = { type: "boolean", short: "h" } as const;

/** The flags every task that prints a summary has. */
const SUMMARY_FLAGS = {
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  help: HELP,
} as const satisfies ParseArgsOptionsConfig;

/** `deno task generate` (its `--output` default is in the config, which a config file may set). */
export const GENERATE_FLAGS = {
  world: { type: "string" },
  "n-samples": { type: "string" },
  seed: { type: "string" },
  output: { type: "string" },
  T: { type: "string" },
  H: { type: "string" },
  workers: { type: "string" },
  version: { type: "string" },
  "zarr-format": { type: "string" },
  dtype: { type: "string" },
  "chunk-samples": { type: "string" },
  "split-seed": { type: "string" },
  config: { type: "string" },
  resume: { type: "boolean" },
  overwrite: { type: "boolean" },
  shard: { type: "string" },
  ...SUMMARY_FLAGS,
} as const satisfies ParseArgsOptionsConfig;

/** `deno task finalize`. */
export const FINALIZE_FLAGS = {
  output: { type: "string", default: DEFAULT_OUTPUT },
  ...SUMMARY_FLAGS,
} as const satisfies ParseArgsOptionsConfig;

/** `deno task validate`. */
export const VALIDATE_FLAGS = {
  path: { type: "string", default: DEFAULT_OUTPUT },
  world: { type: "string" },
  resimulate: { type: "string" },
  ...SUMMARY_FLAGS,
} as const satisfies ParseArgsOptionsConfig;

/** `deno task report` (`--out` defaults to {@link defaultReportOut} of `--path`). */
export const REPORT_FLAGS = {
  path: { type: "string", default: DEFAULT_OUTPUT },
  out: { type: "string" },
  "max-samples": { type: "string" },
  "sample-paths": { type: "string" },
  world: { type: "string" },
  json: { type: "boolean" },
  help: HELP,
} as const satisfies ParseArgsOptionsConfig;

/** A `scheme://` prefix, as `openStore` recognizes it. */
export const URL_SCHEME: RegExp = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * Refuse a `memory://` location: a memory store lives inside one process,
 * so what a task wrote there would vanish when it exits (it is for the
 * library and the tests).
 *
 * @param flag The flag that gave the location, e.g. `"--output"`.
 * @param location The location.
 * @throws {UsageError} For a `memory://` location.
 */
export function refuseMemoryLocation(flag: string, location: string): void {
  if (URL_SCHEME.exec(location)?.[1].toLowerCase() === "memory") {
    throw new UsageError(
      `Invalid ${flag} "${location}": a memory:// store lives only inside one process, so the task's data would vanish when it exits; use a folder or s3://bucket/prefix`,
    );
  }
}

/**
 * Where `report` writes when `--out` is not given: beside a local dataset
 * (never inside it, where it would be a stray key), or in the current
 * folder for a remote one.
 *
 * @param path The dataset (`--path`).
 * @returns The report file.
 */
export function defaultReportOut(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  if (URL_SCHEME.test(trimmed) && !trimmed.startsWith("file://")) {
    const name = trimmed.slice(trimmed.lastIndexOf("/") + 1) || "dataset";
    return `${name}.report.html`;
  }
  const local = trimmed.startsWith("file://") ? new URL(trimmed).pathname : trimmed;
  const absolute = resolve(local);
  return join(dirname(absolute), `${basename(absolute)}.report.html`);
}

/**
 * The file `report` writes in full before renaming it to `out`, so that a
 * report is never seen half-written. Its name is fixed, so the task may be
 * granted exactly these two paths.
 *
 * @param out The report file.
 * @returns The absolute path of the temporary file, `<out>.partial`.
 */
export function reportPartialPath(out: string): string {
  return `${resolve(out)}.partial`;
}
