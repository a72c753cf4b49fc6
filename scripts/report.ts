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

import { parseArgs } from "node:util";
import { dirname, resolve } from "node:path";
import { UsageError } from "../src/pipeline/config.ts";
import { DEFAULT_MAX_SAMPLES, DEFAULT_SAMPLE_PATHS } from "../src/report/collect.ts";
import { buildReport } from "../src/report/report.ts";
import { exitWithError } from "./_cli.ts";

const HELP = `Usage: deno task report --path DATASET [--out report.html] [options]

Write a single self-contained HTML file (inline CSS and SVG, no network at
view time) showing, per world: IRF fan charts, sample trajectories with their
shocks, theta histograms against the prior bounds, split sizes and where the
slice/corner holdouts lie, ZLB binding and regime shares; plus the manifest
summary. Reads only a chunk-aligned subsample of each world.

Options:
  --path PATH|URL       the dataset: a folder or s3://bucket/prefix (required)
  --out FILE            where to write the report (default report.html)
  --max-samples N       samples read per world (default ${DEFAULT_MAX_SAMPLES})
  --sample-paths N      sample trajectories shown per world (default ${DEFAULT_SAMPLE_PATHS})
  --world LIST          comma-separated world ids (default: every world of the dataset)
  --json                print a JSON summary on stdout
  -h, --help            show this help

Exit codes: 0 success, 1 runtime failure, 2 bad input.`;

function positiveInt(
  value: string | undefined,
  flag: string,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`Invalid ${flag}: expected an integer >= ${min}, got "${value}"`);
  }
  return n;
}

async function checkPath(path: string): Promise<void> {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path) && !path.startsWith("file://")) return;
  const local = path.startsWith("file://") ? new URL(path).pathname : path;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(local);
  } catch (e) {
    throw new UsageError(`Cannot read dataset ${path}: ${(e as Error).message}`);
  }
  if (!info.isDirectory) throw new UsageError(`Cannot read dataset ${path}: not a folder`);
}

async function checkOut(out: string): Promise<void> {
  const dir = dirname(resolve(out));
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    throw new UsageError(`Cannot write report ${out}: ${(e as Error).message}`);
  }
  if (!info.isDirectory) throw new UsageError(`Cannot write report ${out}: ${dir} is not a folder`);
  try {
    if ((await Deno.stat(out)).isDirectory) {
      throw new UsageError(`Cannot write report ${out}: it is a folder`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      strict: true,
      allowPositionals: false,
      options: {
        path: { type: "string" },
        out: { type: "string" },
        "max-samples": { type: "string" },
        "sample-paths": { type: "string" },
        world: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (v.path === undefined || v.path === "") {
    throw new UsageError("Missing --path: give the dataset folder or s3:// URL (see --help)");
  }
  const out = v.out ?? "report.html";
  const maxSamples = positiveInt(v["max-samples"], "--max-samples", DEFAULT_MAX_SAMPLES, 1);
  const samplePaths = positiveInt(v["sample-paths"], "--sample-paths", DEFAULT_SAMPLE_PATHS, 0);
  const worlds = v.world?.split(",").map((w) => w.trim()).filter((w) => w !== "");
  await checkPath(v.path);
  await checkOut(out);
  const started = performance.now();
  const { html, data } = await buildReport(v.path, { maxSamples, samplePaths, worlds });
  await Deno.writeTextFile(out, html);
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

if (import.meta.main) {
  main().then((code) => Deno.exit(code), exitWithError);
}
