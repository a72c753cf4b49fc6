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
import { DEFAULT_CONFIG, parseIntegerOption } from "../src/pipeline/config.ts";
import { UsageError } from "../src/usage_error.ts";
import { describeFsError } from "../src/store/fs_error.ts";
import { DEFAULT_MAX_SAMPLES, DEFAULT_SAMPLE_PATHS } from "../src/report/collect.ts";
import { buildReport } from "../src/report/report.ts";
import { openLocation } from "../src/pipeline/_open.ts";
import { requireManifestBytes } from "../src/pipeline/dataset_manifest.ts";
import { parseFlags, runMain } from "./_cli.ts";

const HELP = `Usage: deno task report [--path DATASET] [--out FILE] [options]

Write a single self-contained HTML file (inline CSS and SVG, no network at
view time) showing, per world: IRF fan charts, sample trajectories with their
shocks, theta histograms against the prior bounds, split sizes and where the
slice/corner holdouts lie, ZLB binding and regime shares; plus the manifest
summary. Reads only a chunk-aligned subsample of each world.

Options:
  --path PATH|URL       the dataset: a folder or s3://bucket/prefix
                        (default ${DEFAULT_CONFIG.output})
  --out FILE            where to write the report (default: beside a local dataset,
                        <dataset>.report.html; for s3:// datasets, ./<name>.report.html)
  --max-samples N       samples read per world (default ${DEFAULT_MAX_SAMPLES})
  --sample-paths N      sample trajectories shown per world (default ${DEFAULT_SAMPLE_PATHS})
  --world LIST          comma-separated world ids (default: every world of the dataset)
  --json                print a JSON summary on stdout
  -h, --help            show this help

Exit codes: 0 success; 1 runtime failure; 2 bad input: a bad flag, a path that holds
no finished dataset, or an --out that cannot be written.`;

const REMOTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * The default report file: beside a local dataset (never inside it, where it
 * would be a stray key), or in the current folder for a remote one.
 */
function defaultOut(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  if (REMOTE.test(trimmed) && !trimmed.startsWith("file://")) {
    const name = trimmed.slice(trimmed.lastIndexOf("/") + 1) || "dataset";
    return `${name}.report.html`;
  }
  const local = trimmed.startsWith("file://") ? new URL(trimmed).pathname : trimmed;
  const absolute = resolve(local);
  return join(dirname(absolute), `${basename(absolute)}.report.html`);
}

async function checkOut(out: string): Promise<void> {
  const dir = dirname(resolve(out));
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    throw new UsageError(`Cannot write report ${out}: ${dir}: ${describeFsError(e, dir)}`);
  }
  if (!info.isDirectory) throw new UsageError(`Cannot write report ${out}: ${dir} is not a folder`);
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
}

/** Write the report atomically: a temporary file beside it, then a rename. */
async function writeReport(out: string, html: string): Promise<void> {
  const temp = join(dirname(resolve(out)), `.${basename(out)}.${crypto.randomUUID()}.tmp`);
  try {
    await Deno.writeTextFile(temp, html, { createNew: true });
    await Deno.rename(temp, out);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw new UsageError(`Cannot write report ${out}: ${describeFsError(e, resolve(out))}`);
  }
}

async function main(): Promise<number> {
  const v = parseFlags(Deno.args, {
    path: { type: "string" },
    out: { type: "string" },
    "max-samples": { type: "string" },
    "sample-paths": { type: "string" },
    world: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const path = v.path ?? DEFAULT_CONFIG.output;
  if (path === "") throw new UsageError("Invalid --path: empty (see --help)");
  const out = v.out ?? defaultOut(path);
  const maxSamples = v["max-samples"] === undefined
    ? DEFAULT_MAX_SAMPLES
    : parseIntegerOption("max-samples", v["max-samples"], 1, 1_000_000);
  const samplePaths = v["sample-paths"] === undefined
    ? DEFAULT_SAMPLE_PATHS
    : parseIntegerOption("sample-paths", v["sample-paths"], 0, 100);
  const worlds = v.world?.split(",").map((w) => w.trim()).filter((w) => w !== "");
  const started = performance.now();
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
  if (v.json) console.log(JSON.stringify(summary, null, 2));
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
