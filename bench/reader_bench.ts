// deno-lint-ignore-file no-console
/**
 * Reader benchmark: `loadDataset` of random samples (default 2,000, distinct,
 * in random order) of one world, every main and metadata array, from a local
 * dataset; wall time per run, median of the runs.
 *
 * Run: `deno run -A bench/reader_bench.ts [--path DATASET] [--world ID]
 * [--samples N] [--runs R] [--baseline DIR]`. Without `--path` it first
 * generates the world (`--n-samples`, default 10,000; default T and H) in a
 * temporary folder. `--baseline DIR` names another checkout of ume-data (for
 * example `git worktree add /tmp/old13 8685c63`): its `loadDataset` runs in
 * the same process, interleaved with this one's (which goes first alternates
 * from round to round), on the same indices, and the two results must be
 * equal value for value. One warm-up round is not counted. CPU time (user +
 * system, whole process) is reported next to wall time: on a busy machine it
 * says more than wall time about the reader's own work.
 *
 * @module
 */

import { parseArgs } from "node:util";
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadDataset } from "../src/dataset/reader.ts";
import type { LoadedWorld, LoadOptions } from "../src/dataset/reader.ts";
import { Xoshiro128 } from "../src/numeric/rng.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";

/** A `loadDataset` to measure. */
type Load = (path: string, world: string, options: LoadOptions) => Promise<LoadedWorld>;

/** Options of {@link runReaderBench}. */
export interface ReaderBenchOptions {
  /** The dataset folder. */
  path: string;
  /** The world to read. */
  world: string;
  /** Samples per run (default 2000). */
  samples?: number;
  /** Counted runs per reader (default 9). */
  runs?: number;
  /** Seed of the random indices (default 1). */
  seed?: number;
  /** The other readers to measure, by name (e.g. a baseline checkout's `loadDataset`). */
  others?: Record<string, Load>;
}

/** The runs of one reader. */
export interface ReaderBenchRow {
  /** The reader: `"this"` or a name of `others`. */
  name: string;
  /** Wall milliseconds of each counted run, in run order. */
  runsMs: number[];
  /** Median of `runsMs`. */
  medianMs: number;
  /** CPU milliseconds (user + system, whole process) of each counted run. */
  cpuMs: number[];
  /** Median of `cpuMs`. */
  medianCpuMs: number;
  /** Raw bytes loaded per run (every array's values). */
  bytes: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `count` distinct indices below `n`, in random order (partial Fisher-Yates). */
function randomIndices(n: number, count: number, seed: number): number[] {
  const rng = new Xoshiro128(seed, 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35);
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.nextFloat64() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, count);
}

function arraysOf(loaded: LoadedWorld): [string, ArrayBufferView][] {
  return [
    ...Object.entries(loaded.arrays).map(([k, v]) => [k, v.data] as [string, ArrayBufferView]),
    ...Object.entries(loaded.metadata).map(([k, v]) =>
      [`metadata/${k}`, v.data] as [string, ArrayBufferView]
    ),
  ];
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function sameValues(a: LoadedWorld, b: LoadedWorld): string | undefined {
  const left = arraysOf(a), right = new Map(arraysOf(b));
  if (left.length !== right.size) return `${left.length} arrays vs ${right.size}`;
  for (const [name, data] of left) {
    const other = right.get(name);
    if (other === undefined) return `no ${name}`;
    const x = bytesOf(data), y = bytesOf(other);
    if (x.length !== y.length || x.some((v, i) => v !== y[i])) return `${name} differs`;
  }
  return undefined;
}

/**
 * Time `loadDataset` (and the other readers, interleaved) on random samples.
 *
 * @param options The dataset, world, sample count, runs and readers.
 * @returns One row per reader, this one first.
 */
export async function runReaderBench(options: ReaderBenchOptions): Promise<ReaderBenchRow[]> {
  const samples = options.samples ?? 2000;
  const runs = options.runs ?? 9;
  const seed = options.seed ?? 1;
  const readers: [string, Load][] = [
    ["this", loadDataset],
    ...Object.entries(options.others ?? {}),
  ];
  const nSamples = (await loadDataset(options.path, options.world, {
    range: [0, 0],
    metadata: false,
  })).nSamples;
  const times = new Map(readers.map(([name]) => [name, [] as number[]]));
  const cpu = new Map(readers.map(([name]) => [name, [] as number[]]));
  let bytes = 0;
  for (let round = 0; round <= runs; round++) {
    const indices = randomIndices(nSamples, Math.min(samples, nSamples), seed + round);
    const order = round % 2 === 0 ? readers : [...readers].reverse();
    const results = new Map<string, LoadedWorld>();
    for (const [name, load] of order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const loaded = await load(options.path, options.world, { indices });
      const ms = performance.now() - t0;
      const c1 = process.cpuUsage(c0);
      if (round > 0) {
        times.get(name)!.push(ms);
        cpu.get(name)!.push((c1.user + c1.system) / 1000);
      }
      results.set(name, loaded);
    }
    const mine = results.get("this")!;
    bytes = arraysOf(mine).reduce((a, [, d]) => a + d.byteLength, 0);
    for (const [name] of readers.slice(1)) {
      const problem = sameValues(mine, results.get(name)!);
      if (problem !== undefined) throw new Error(`Readers disagree in round ${round}: ${problem}`);
    }
  }
  return readers.map(([name]) => {
    const runsMs = times.get(name)!;
    const cpuMs = cpu.get(name)!;
    return { name, runsMs, medianMs: median(runsMs), cpuMs, medianCpuMs: median(cpuMs), bytes };
  });
}

/**
 * Format the rows as a small table.
 *
 * @param rows The rows of {@link runReaderBench}.
 * @returns The text.
 */
export function formatReaderBench(rows: readonly ReaderBenchRow[]): string {
  return rows.map((r) =>
    `${r.name.padEnd(10)} median ${r.medianMs.toFixed(1).padStart(7)} ms wall, ${
      r.medianCpuMs.toFixed(1).padStart(7)
    } ms CPU  (wall runs: ${r.runsMs.map((t) => t.toFixed(0)).join(", ")}; ${
      (r.bytes / 1e6).toFixed(1)
    } MB raw per run)`
  ).join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      path: { type: "string" },
      world: { type: "string", default: "switching" },
      samples: { type: "string", default: "2000" },
      runs: { type: "string", default: "9" },
      "n-samples": { type: "string", default: "10000" },
      baseline: { type: "string" },
    },
  });
  let path = values.path;
  let temp: string | undefined;
  if (path === undefined) {
    temp = path = await Deno.makeTempDir({ prefix: "ume-reader-bench-" });
    console.log(`generating ${values.world} x ${values["n-samples"]} in ${path}`);
    await generateDataset(resolveConfig([{
      worlds: values.world,
      n_samples: Number(values["n-samples"]),
      output: path,
    }], navigator.hardwareConcurrency ?? 2));
  }
  const others: Record<string, Load> = {};
  if (values.baseline !== undefined) {
    const url = pathToFileURL(resolve(values.baseline, "mod.ts")).href;
    others.baseline = (await import(url)).loadDataset as Load;
  }
  try {
    const rows = await runReaderBench({
      path,
      world: values.world,
      samples: Number(values.samples),
      runs: Number(values.runs),
      others,
    });
    console.log(
      `loadDataset, ${values.samples} random samples of ${values.world}, all arrays (${path}):`,
    );
    console.log(formatReaderBench(rows));
    if (rows.length > 1) {
      console.log(
        `this / baseline (medians): wall ${(rows[0].medianMs / rows[1].medianMs).toFixed(2)}, CPU ${
          (rows[0].medianCpuMs / rows[1].medianCpuMs).toFixed(2)
        }`,
      );
    }
  } finally {
    if (temp !== undefined) await Deno.remove(temp, { recursive: true });
  }
}
