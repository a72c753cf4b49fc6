// deno-lint-ignore-file no-console
/**
 * Worker start-up benchmark: how long a generation worker takes from
 * `new Worker(".../src/pipeline/worker.ts")` to its first result, and how
 * long a fresh Deno process takes to import the Blosc module.
 *
 * - `first worker`: the first worker of a fresh process, as in a `generate`
 *   run (its modules and npm packages are loaded for the first time in that
 *   process): `new Worker`, the `init` message, one task of one nk sample
 *   (T = 4, H = 1) to a memory store, until the `result` message. Timed
 *   inside a child process, one child per run.
 * - `next worker`: the workers the same child starts after the first one,
 *   one at a time, each terminated before the next.
 * - `deno eval`: a fresh `deno eval` process that imports nothing,
 *   `npm:numcodecs` alone, or `src/zarr/blosc.ts`: its wall time (spawn to
 *   exit) and, inside it, the time `await import(...)` takes.
 *
 * Every number is a median over `--runs` rounds, after one warm-up round.
 * Several `--root` folders (checkouts of this repository, e.g. an older
 * commit in a `git worktree`) are measured round by round, alternating their
 * order, so that load from other processes falls on each alike.
 *
 * Run: `deno run -A bench/worker_startup_bench.ts [--runs N] [--workers K] [--root DIR]...`
 * (default: 10 runs, 4 workers per child, this checkout).
 * `runWorkerStartupBench()` is exported for `bench/run.ts`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ChunkTask } from "../src/pipeline/plan.ts";
import type { WorkerRequest, WorkerResponse } from "../src/pipeline/worker.ts";
import type { WorldSettings } from "../src/pipeline/world_plan.ts";

/** Options of {@link runWorkerStartupBench}. */
export interface WorkerStartupBenchOptions {
  /** Checkouts to measure (default: the one this file is in). */
  roots?: string[];
  /** Measured rounds (default 10), after one warm-up round. */
  runs?: number;
  /** Workers started one after another per child process (default 4, at least 1). */
  workers?: number;
}

/** Medians of one checkout, in milliseconds. */
export interface WorkerStartupResult {
  /** The checkout. */
  root: string;
  /** First worker of a fresh process: `new Worker` to the first task result. */
  firstWorkerMs: number;
  /** Later workers of the same process (undefined with one worker per child). */
  nextWorkerMs?: number;
  /** A fresh `deno eval` process importing nothing. */
  evalEmptyMs: number;
  /** A fresh `deno eval` process importing `npm:numcodecs@0.3.2` alone. */
  evalNumcodecsMs: number;
  /** In that process, `await import("npm:numcodecs@0.3.2")`. */
  importNumcodecsMs: number;
  /** A fresh `deno eval` process importing `src/zarr/blosc.ts`. */
  evalBloscMs: number;
  /** In that process, `await import(".../src/zarr/blosc.ts")`. */
  importBloscMs: number;
}

const HERE = fileURLToPath(import.meta.url);
const REPO = fileURLToPath(new URL("..", import.meta.url));

const SETTINGS: WorldSettings = {
  world: "nk",
  seed: 42,
  nSamples: 1,
  T: 4,
  H: 1,
  chunkSamples: 1,
  zarrFormat: 3,
};
const TASK: ChunkTask = { world: "nk", chunk: 0, start: 0, end: 1 };

/** Start one worker from `root`, run the tiny task, and return the elapsed milliseconds. */
async function timeWorker(root: string, name: string): Promise<number> {
  const t0 = performance.now();
  const worker = new Worker(new URL("src/pipeline/worker.ts", pathToFileURL(root + "/")), {
    type: "module",
  });
  try {
    const reply = new Promise<WorkerResponse>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<WorkerResponse>): void => resolve(event.data);
      worker.onerror = (event: ErrorEvent): void => {
        event.preventDefault();
        reject(new Error(`The worker crashed: ${event.message}`));
      };
    });
    worker.postMessage(
      { type: "init", storeUrl: `memory://${name}`, worlds: [SETTINGS] } satisfies WorkerRequest,
    );
    worker.postMessage({ type: "task", id: 0, task: TASK } satisfies WorkerRequest);
    const msg = await reply;
    if (msg.type !== "result") throw new Error(`The worker failed: ${msg.message}`);
    return performance.now() - t0;
  } finally {
    worker.terminate();
  }
}

/** Wall milliseconds of a command, spawn to exit; throws if it fails. */
async function timeCommand(args: string[], cwd: string): Promise<[number, string]> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  if (!out.success) {
    throw new Error(`deno ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return [ms, new TextDecoder().decode(out.stdout)];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Measure worker start-up and the Blosc import for each checkout.
 *
 * Needs `--allow-run` (it starts Deno), read access to the checkouts and
 * the permissions a worker needs (it inherits them).
 *
 * @param options Checkouts, rounds and workers per child.
 * @returns Medians per checkout, in the order given.
 */
export async function runWorkerStartupBench(
  options: WorkerStartupBenchOptions = {},
): Promise<WorkerStartupResult[]> {
  const roots = (options.roots ?? [REPO]).map((r) => resolve(r));
  const runs = options.runs ?? 10;
  const workers = Math.max(1, options.workers ?? 4);
  const samples = roots.map(() => ({
    first: [] as number[],
    next: [] as number[],
    empty: [] as number[],
    numcodecs: [] as number[],
    importNumcodecs: [] as number[],
    blosc: [] as number[],
    importBlosc: [] as number[],
  }));
  const importer = (specifier: string): string =>
    `const t0 = performance.now(); await import(${
      JSON.stringify(specifier)
    }); console.log(performance.now() - t0);`;
  const numcodecs = importer("npm:numcodecs@0.3.2");
  for (let run = -1; run < runs; run++) {
    const order = roots.map((_, i) => i);
    if (run % 2 !== 0) order.reverse();
    for (const i of order) {
      const root = roots[i];
      const [, child] = await timeCommand(
        ["run", "--allow-all", HERE, "--child", root, "--workers", String(workers)],
        root,
      );
      const [empty] = await timeCommand(["eval", "0"], root);
      const [numcodecsMs, numcodecsOut] = await timeCommand(["eval", numcodecs], root);
      const blosc = importer(pathToFileURL(resolve(root, "src/zarr/blosc.ts")).href);
      const [bloscMs, bloscOut] = await timeCommand(["eval", blosc], root);
      if (run < 0) continue; // warm-up round
      const times: number[] = JSON.parse(child.trim().split("\n").at(-1)!);
      const s = samples[i];
      s.first.push(times[0]);
      s.next.push(...times.slice(1));
      s.empty.push(empty);
      s.numcodecs.push(numcodecsMs);
      s.importNumcodecs.push(Number(numcodecsOut));
      s.blosc.push(bloscMs);
      s.importBlosc.push(Number(bloscOut));
    }
  }
  return roots.map((root, i) => {
    const s = samples[i];
    return {
      root,
      firstWorkerMs: median(s.first),
      nextWorkerMs: s.next.length > 0 ? median(s.next) : undefined,
      evalEmptyMs: median(s.empty),
      evalNumcodecsMs: median(s.numcodecs),
      importNumcodecsMs: median(s.importNumcodecs),
      evalBloscMs: median(s.blosc),
      importBloscMs: median(s.importBlosc),
    };
  });
}

/**
 * A text table of {@link runWorkerStartupBench}'s results.
 *
 * @param results The results.
 * @returns One line per checkout, with a header.
 */
export function formatWorkerStartupBench(results: WorkerStartupResult[]): string {
  const columns = ["worker1", "workerN", "eval", "numcod.", "import", "blosc", "import"];
  const f = (x: number | undefined): string => (x === undefined ? "-" : x.toFixed(0)).padStart(8);
  const lines = [`${columns.map((c) => c.padStart(8)).join("")}  checkout (ms, medians)`];
  for (const r of results) {
    const values = [
      r.firstWorkerMs,
      r.nextWorkerMs,
      r.evalEmptyMs,
      r.evalNumcodecsMs,
      r.importNumcodecsMs,
      r.evalBloscMs,
      r.importBloscMs,
    ];
    lines.push(`${values.map(f).join("")}  ${r.root}`);
  }
  lines.push(
    "worker1/workerN: new Worker to the first task result, first worker of a process / later ones;",
    "eval: wall of a fresh `deno eval` importing nothing, numcodecs, blosc.ts; import: inside it",
  );
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      child: { type: "string" },
      root: { type: "string", multiple: true },
      runs: { type: "string" },
      workers: { type: "string" },
    },
  });
  const workers = Number(values.workers ?? 4);
  if (values.child !== undefined) {
    const times: number[] = [];
    for (let k = 0; k < workers; k++) times.push(await timeWorker(values.child, `startup-${k}`));
    console.log(JSON.stringify(times));
  } else {
    const results = await runWorkerStartupBench({
      roots: values.root,
      runs: values.runs === undefined ? undefined : Number(values.runs),
      workers,
    });
    console.log(formatWorkerStartupBench(results));
    console.log(JSON.stringify(results));
  }
}
