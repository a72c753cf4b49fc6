// deno-lint-ignore-file no-console
/**
 * `deno task bench`: the benchmark suite.
 *
 * 1. Simulation throughput per world (one core).
 * 2. Writer throughput vs the raw WASM Blosc codec (one core).
 * 3. The typical job end to end (default 6 worlds x 100,000, T = 200,
 *    H = 40, all cores): wall time, samples/s, MB/s, CPU seconds by stage,
 *    peak RSS, and the ratio to the codec floor.
 * 3b. `params.parquet` of that dataset, rebuilt from it alone (read theta,
 *    the scalar metadata and splits.json; encode): wall and CPU time, size.
 * 4. `validate` on the result: wall time and MB/s.
 * 5. Worker start-up: `new Worker` to the first result of a one-sample task,
 *    and a fresh process importing the Blosc module (`worker_startup_bench.ts`).
 *
 * Options: `--n-samples N` (default 100000), `--workers N`, `--quick`
 * (n = 10,000, shorter micro-benchmarks), `--skip-micro`.
 * Results also go to `bench/out/last.json`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import process from "node:process";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { validateDataset } from "../src/pipeline/validate.ts";
import { buildParamsParquet } from "../src/params/params_parquet.ts";
import { openStore } from "../src/store/open_store.ts";
import { listWorlds } from "../src/simulators/registry.ts";
import { benchSimulators } from "./simulators_bench.ts";
import { formatWorkerStartupBench, runWorkerStartupBench } from "./worker_startup_bench.ts";
import { formatWriterBench, runWriterBench } from "./writer_bench.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "n-samples": { type: "string" },
    workers: { type: "string" },
    quick: { type: "boolean" },
    "skip-micro": { type: "boolean" },
  },
});
const quick = values.quick ?? false;
const n = Number(values["n-samples"] ?? (quick ? 10_000 : 100_000));
const workers = Number(values.workers ?? navigator.hardwareConcurrency ?? 2);
const results: Record<string, unknown> = { n_samples: n, workers, deno: Deno.version.deno };

let codecMBps = 0;
if (!values["skip-micro"]) {
  console.log("== 1. simulation throughput, one core (T = 200, H = 40, all IRFs)");
  const sims = benchSimulators(listWorlds(), quick ? 2000 : 10000);
  for (const r of sims) {
    console.log(`${r.world.padEnd(10)} ${r.samplesPerSecond.toFixed(0).padStart(8)} samples/s`);
  }
  results.simulators = sims;

  console.log("\n== 2. writer vs raw WASM Blosc codec, one core");
  const w = await runWriterBench(quick ? { nSamples: 4000, repeats: 1 } : {});
  console.log(formatWriterBench(w));
  results.writer = w;
  codecMBps = w.stages[0].mbPerSecond;
}

console.log(
  `\n== 3. the typical job: ${listWorlds().length} worlds x ${n}, T = 200, H = 40, ${workers} workers`,
);
const dir = await Deno.makeTempDir({ prefix: "ume-bench-" });
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, Deno.memoryUsage().rss);
}, 100);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await generateDataset(
  resolveConfig([{ n_samples: n, output: dir, workers }], workers),
);
const wall = (performance.now() - t0) / 1000;
const cpu1 = process.cpuUsage(cpu0);
clearInterval(sampler);
peak = Math.max(peak, Deno.memoryUsage().rss);
const raw = summary.worlds.reduce((a, w) => a + w.rawBytes, 0);
const stored = summary.worlds.reduce((a, w) => a + w.storedBytes, 0);
const samples = summary.worlds.reduce((a, w) => a + w.nSamples, 0);
const cpuSeconds = (cpu1.user + cpu1.system) / 1e6;
console.log(
  `wall ${wall.toFixed(1)} s, ${(samples / wall).toFixed(0)} samples/s, ${
    (raw / 1e6 / wall).toFixed(1)
  } MB/s raw`,
);
console.log(
  `raw ${(raw / 1e9).toFixed(2)} GB -> stored ${(stored / 1e9).toFixed(2)} GB (${
    (raw / stored).toFixed(2)
  }x)`,
);
console.log(
  `CPU ${cpuSeconds.toFixed(1)} s (user ${(cpu1.user / 1e6).toFixed(1)}, system ${
    (cpu1.system / 1e6).toFixed(1)
  }); peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
);
const st = summary.stageSeconds;
console.log(
  `worker CPU by stage: simulate ${st.simulate.toFixed(1)} s, pack ${
    st.pack.toFixed(1)
  } s, encode ${st.encode.toFixed(1)} s, hash ${st.hash.toFixed(1)} s, write ${
    st.write.toFixed(1)
  } s; finalize ${st.finalize.toFixed(1)} s`,
);
let floor: number | undefined;
if (codecMBps > 0) {
  floor = raw / 1e6 / codecMBps / workers;
  console.log(
    `codec floor (raw / (${codecMBps.toFixed(0)} MB/s x ${workers} cores)) ${
      floor.toFixed(1)
    } s; wall / floor = ${(wall / floor).toFixed(2)}`,
  );
}
results.generate = { wall, samples, raw, stored, cpuSeconds, peakRss: peak, stages: st, floor };

console.log("\n== 3b. params.parquet of that dataset, rebuilt alone (one core)");
const pCpu0 = process.cpuUsage();
const p0 = performance.now();
const table = await buildParamsParquet(await openStore(dir), summary.worlds.map((w) => w.world));
const pWall = (performance.now() - p0) / 1000;
const pCpu = process.cpuUsage(pCpu0);
console.log(
  `${table.nRows} rows x ${table.columns.length} columns: ${
    (table.bytes.length / 1e6).toFixed(1)
  } MB, ${pWall.toFixed(1)} s wall, CPU ${((pCpu.user + pCpu.system) / 1e6).toFixed(1)} s`,
);
results.paramsParquet = {
  wall: pWall,
  cpuSeconds: (pCpu.user + pCpu.system) / 1e6,
  bytes: table.bytes.length,
  rows: table.nRows,
  columns: table.columns.length,
};

console.log("\n== 4. validate the result");
const v0 = performance.now();
const report = await validateDataset(dir);
const vWall = (performance.now() - v0) / 1000;
console.log(
  `${report.ok ? "valid" : "INVALID"}: ${vWall.toFixed(1)} s, ${
    (report.bytesRead / 1e6 / vWall).toFixed(0)
  } MB/s stored, ${(raw / 1e6 / vWall).toFixed(0)} MB/s raw; generate/validate time ratio ${
    (wall / vWall).toFixed(2)
  }`,
);
results.validate = { wall: vWall, ok: report.ok, bytesRead: report.bytesRead };
await Deno.remove(dir, { recursive: true });

console.log("\n== 5. worker start-up (medians)");
const startup = await runWorkerStartupBench({ runs: quick ? 5 : 10 });
console.log(formatWorkerStartupBench(startup));
results.workerStartup = startup;
await Deno.mkdir(new URL("./out/", import.meta.url), { recursive: true });
await Deno.writeTextFile(
  new URL("./out/last.json", import.meta.url),
  JSON.stringify(results, null, 2),
);
