// deno-lint-ignore-file no-console
/**
 * `deno task report`: write a self-contained HTML report of a dataset (IRF
 * fan charts, sample paths, theta against the prior bounds, splits, ZLB and
 * regime shares, manifest summary). Thin CLI over `src/report/`.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 bad input.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseIntegerOption } from "../src/pipeline/config.ts";
import { UsageError } from "../src/usage_error.ts";
import { describeFsError } from "../src/store/fs_error.ts";
import { DEFAULT_MAX_SAMPLES, DEFAULT_SAMPLE_PATHS } from "../src/report/collect.ts";
import { buildReport } from "../src/report/report.ts";
import { openLocation } from "../src/pipeline/_open.ts";
import { requireManifestBytes } from "../src/pipeline/dataset_manifest.ts";
import { parseFlags, printJson, runMain } from "./_cli.ts";
import {
  defaultReportOut,
  refuseMemoryLocation,
  REPORT_FLAGS,
  reportPartialPath,
  URL_SCHEME,
} from "./_flags.ts";

const HELP = `Usage: deno task report [--path DATASET] [--out FILE] [options]

Write a single self-contained HTML file (inline CSS and SVG, no network at
view time) showing, per world: IRF fan charts, sample trajectories with their
shocks, theta histograms against the prior bounds, split sizes and where the
slice/corner holdouts lie, ZLB binding and regime shares; plus the manifest
summary. Reads only a chunk-aligned subsample of each world.

Options:
  --path PATH|URL       the dataset: a folder or s3://bucket/prefix
                        (default ${REPORT_FLAGS.path.default})
  --out FILE            where to write the report, outside the dataset (default: beside
                        a local dataset, <dataset>.report.html; for s3:// datasets,
                        ./<name>.report.html)
  --max-samples N       samples read per world (default ${DEFAULT_MAX_SAMPLES})
  --sample-paths N      sample trajectories shown per world (default ${DEFAULT_SAMPLE_PATHS})
  --world LIST          comma-separated world ids (default: every world of the dataset)
  --json                print a JSON summary on stdout
  -h, --help            show this help

Exit codes: 0 success; 1 runtime failure; 2 bad input: a bad flag, a path that holds
no finished dataset, or an --out that cannot be written.`;

/**
 * Check, before the report is built, that `out` can be written: it is not a
 * folder, and its folder takes the temporary file (created and removed
 * again). Touches only `out` and its temporary file, the two paths the task
 * may write.
 */
async function checkOut(out: string): Promise<void> {
  try {
    if ((await Deno.lstat(out)).isDirectory) {
      throw new UsageError(`Cannot write report ${out}: it is a folder`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new UsageError(`Cannot write report ${out}: ${describeFsError(e, resolve(out))}`);
    }
  }
  const temp = reportPartialPath(out);
  try {
    await Deno.writeTextFile(temp, "");
  } catch (e) {
    const dir = dirname(temp);
    throw new UsageError(`Cannot write report ${out}: ${dir}: ${describeFsError(e, dir)}`);
  }
  await Deno.remove(temp);
}

/**
 * Refuse an `out` inside a local dataset: the report would be a stray key
 * there, and `validate` would then fail. Both paths are compared as given
 * (resolved) and with links resolved, as far as they exist.
 */
async function refuseOutInside(path: string, out: string): Promise<void> {
  if (URL_SCHEME.test(path) && !path.startsWith("file://")) return; // a remote dataset
  const dataset = path.startsWith("file://") ? fileURLToPath(path) : path;
  const real = async (p: string): Promise<string> => {
    try {
      return await Deno.realPath(p);
    } catch {
      return resolve(p);
    }
  };
  const pairs = [
    [resolve(dataset), resolve(out)],
    [await real(dataset), join(await real(dirname(resolve(out))), basename(out))],
  ];
  if (pairs.some(([d, o]) => o === d || o.startsWith(`${d.replace(/\/+$/, "")}/`))) {
    throw new UsageError(
      `Invalid --out ${out}: it is inside the dataset ${path}, where it would be a stray file that validate reports; write it outside, e.g. --out ${
        defaultReportOut(path)
      } (the default)`,
    );
  }
}

/** Write the report atomically: a temporary file beside it, then a rename. */
async function writeReport(out: string, html: string): Promise<void> {
  const temp = reportPartialPath(out);
  try {
    await Deno.writeTextFile(temp, html);
    await Deno.rename(temp, out);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw new UsageError(`Cannot write report ${out}: ${describeFsError(e, resolve(out))}`);
  }
}

async function main(): Promise<number> {
  const v = parseFlags(Deno.args, REPORT_FLAGS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const path = v.path;
  if (path === "") throw new UsageError("Invalid --path: empty (see --help)");
  refuseMemoryLocation("--path", path);
  const out = v.out ?? defaultReportOut(path);
  const maxSamples = v["max-samples"] === undefined
    ? DEFAULT_MAX_SAMPLES
    : parseIntegerOption("max-samples", v["max-samples"], 1, 1_000_000);
  const samplePaths = v["sample-paths"] === undefined
    ? DEFAULT_SAMPLE_PATHS
    : parseIntegerOption("sample-paths", v["sample-paths"], 0, 100);
  const worlds = v.world?.split(",").map((w) => w.trim()).filter((w) => w !== "");
  const started = performance.now();
  await refuseOutInside(path, out);
  const store = await openLocation(path);
  await requireManifestBytes(store, "report on"); // the dataset first, then where the report goes
  await checkOut(out);
  const { html, data } = await buildReport(store, { maxSamples, samplePaths, worlds });
  await writeReport(out, html);
  const seconds = (performance.now() - started) / 1000;
  const read = data.worlds.reduce((s, w) => s + w.sampleIndices.length, 0);
  const summary = {
    out,
    bytes: new TextEncoder().encode(html).length,
    worlds: data.worlds.map((w) => w.id),
    samples_read: read,
    seconds: Number(seconds.toFixed(3)),
  };
  if (v.json) printJson(summary);
  else {
    console.log(
      `Wrote ${out} (${
        (summary.bytes / 1024 / 1024).toFixed(2)
      } MiB): ${data.worlds.length} worlds, ${read} samples read, ${seconds.toFixed(1)} s`,
    );
  }
  return 0;
}

if (import.meta.main) runMain(main);
