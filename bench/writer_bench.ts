// deno-lint-ignore-file no-console
/**
 * Writer benchmark: the raw speed of numcodecs' WASM Blosc (zstd, level 3,
 * byte shuffle) next to the DatasetWriter's end-to-end throughput on the same
 * realistic float32 data (AR(1) trajectories, decaying IRFs, N(0, 1) shocks),
 * single-threaded, to a MemoryStore and to a LocalStore in a temp folder.
 *
 * Run: `deno run -A bench/writer_bench.ts [--samples N] [--repeats R] [--temp-dir DIR]`
 * (the LocalStore runs write under DIR, default the system temp folder).
 * `runWriterBench()` is exported for `bench/run.ts`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import process from "node:process";
import { Blosc } from "../src/zarr/_deps.ts";
import { keyedStream, STREAM } from "../src/numeric/rng.ts";
import { DatasetWriter } from "../src/dataset/dataset_writer.ts";
import { LocalStore } from "../src/store/local_store.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import type { ByteStore } from "../src/store/byte_store.ts";
import { ChunkBuffer, chunkCount, chunkRange, chunkStoreKey } from "../src/zarr/chunk.ts";
import { layoutArrays, MAIN_ARRAYS, worldLayout } from "../src/dataset/world_layout.ts";

/** Options of {@link runWriterBench}. */
export interface WriterBenchOptions {
  /** Samples written per run (default 20000, ~126 MB raw). */
  nSamples?: number;
  /** Runs per stage, interleaved; the fastest counts (default 3). */
  repeats?: number;
  /** Trajectory length (default 200). */
  T?: number;
  /** IRF horizon (default 40). */
  H?: number;
  /** Shocks (default 3). */
  nShocks?: number;
  /** Parameters (default 8). */
  nParams?: number;
  /** Parent folder of the LocalStore runs (default: the system temp folder, `$TMPDIR`). */
  tempDir?: string;
}

/** One measured stage. */
export interface BenchStage {
  /** What was measured. */
  name: string;
  /** Raw (uncompressed float32) bytes processed. */
  rawBytes: number;
  /** Wall-clock seconds of the fastest run. */
  seconds: number;
  /** CPU seconds (user + system) of that run. */
  cpuSeconds: number;
  /** Raw MB/s (10^6 bytes) over wall time. */
  mbPerSecond: number;
  /** Samples per second over wall time. */
  samplesPerSecond: number;
}

/** What {@link runWriterBench} measures. */
export interface WriterBenchResult {
  /** Samples per run. */
  nSamples: number;
  /** Samples per chunk. */
  chunkSamples: number;
  /** Stored / raw bytes of the written world. */
  compressionRatio: number;
  /** The codec stage, then the writer stages. */
  stages: BenchStage[];
  /** Writer MB/s over codec MB/s, per writer stage. */
  writerToCodec: Record<string, number>;
}

interface Pool {
  size: number;
  theta: Float64Array[];
  trajectories: Float64Array[];
  irfs: Float64Array[];
  shocks: Float64Array[];
}

/** Realistic float64 samples: AR(1) observables, geometric IRFs, white-noise shocks. */
function makePool(size: number, T: number, H: number, nShocks: number, nParams: number): Pool {
  const pool: Pool = { size, theta: [], trajectories: [], irfs: [], shocks: [] };
  for (let s = 0; s < size; s++) {
    const rng = keyedStream(s, "bench", 0, STREAM.EPS);
    const theta = new Float64Array(nParams);
    for (let k = 0; k < nParams; k++) theta[k] = rng.uniform(0.1, 2);
    const shocks = new Float64Array(T * nShocks);
    rng.fillNormal(shocks);
    const rho = [rng.uniform(0.5, 0.95), rng.uniform(0.3, 0.9), rng.uniform(0.6, 0.97)];
    const loads = Array.from({ length: 3 * nShocks }, () => rng.uniform(-1, 1));
    const y = new Float64Array(T * 3);
    const state = [0, 0, 0];
    for (let t = 0; t < T; t++) {
      for (let o = 0; o < 3; o++) {
        let impulse = 0;
        for (let k = 0; k < nShocks; k++) {
          impulse += loads[o * nShocks + k] * shocks[t * nShocks + k];
        }
        state[o] = rho[o] * state[o] + 0.5 * impulse;
        y[t * 3 + o] = state[o];
      }
    }
    const irfs = new Float64Array(nShocks * (H + 1) * 3);
    for (let k = 0; k < nShocks; k++) {
      for (let h = 0; h <= H; h++) {
        for (let o = 0; o < 3; o++) {
          irfs[(k * (H + 1) + h) * 3 + o] = 0.5 * loads[o * nShocks + k] * rho[o] ** h;
        }
      }
    }
    pool.theta.push(theta);
    pool.trajectories.push(y);
    pool.irfs.push(irfs);
    pool.shocks.push(shocks);
  }
  return pool;
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function timed(run: () => Promise<void>): Promise<{ seconds: number; cpuSeconds: number }> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await run();
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds() - cpu0 };
}

/**
 * Measure codec and writer throughput on the same data.
 *
 * @param options Sizes and repeats.
 * @returns The stages and the writer/codec ratios.
 */
export async function runWriterBench(options: WriterBenchOptions = {}): Promise<WriterBenchResult> {
  const nSamples = options.nSamples ?? 20000;
  const repeats = options.repeats ?? 3;
  const T = options.T ?? 200;
  const H = options.H ?? 40;
  const nShocks = options.nShocks ?? 3;
  const nParams = options.nParams ?? 8;
  const layout = worldLayout("bench", { nSamples, T, H, nShocks, nParams });
  const specs = layoutArrays(layout);
  const pool = makePool(Math.min(nSamples, 2 * layout.chunkSamples + 7), T, H, nShocks, nParams);
  const sampleOf = (i: number): Record<string, Float64Array> => {
    const p = i % pool.size;
    return {
      theta: pool.theta[p],
      trajectories: pool.trajectories[p],
      irfs: pool.irfs[p],
      shocks: pool.shocks[p],
    };
  };
  const bytesPerSample = specs.reduce(
    (sum, spec) => sum + spec.shape.slice(1).reduce((a, b) => a * b, 1) * 4,
    0,
  );
  const rawBytes = nSamples * bytesPerSample;

  // The exact chunks the writer produces, packed to float32 once.
  const chunks: Uint8Array[] = [];
  for (let c = 0; c < chunkCount(specs[0]); c++) {
    const [start, end] = chunkRange(specs[0], c);
    specs.forEach((spec, k) => {
      const buffer = new ChunkBuffer(spec, c);
      for (let i = start; i < end; i++) buffer.put(i, sampleOf(i)[MAIN_ARRAYS[k]]);
      chunks.push(buffer.bytes().slice());
    });
  }
  const codec = Blosc.fromConfig({
    id: "blosc",
    cname: "zstd",
    clevel: 3,
    shuffle: 1,
    blocksize: 0,
  });
  await codec.encode(chunks[0]); // instantiate the WASM module outside the timing
  let storedBytes = 0;
  async function encodeAll(): Promise<void> {
    storedBytes = 0;
    for (const chunk of chunks) storedBytes += (await codec.encode(chunk)).length;
  }

  // The writer's chunk keys (nested v3 folders c/<i>/0/0), for the reference run.
  const referenceKeys: string[] = [];
  for (let c = 0; c < chunkCount(specs[0]); c++) {
    for (const spec of specs) referenceKeys.push(chunkStoreKey(spec, c));
  }

  /** The codec plus the same file writes (4 in flight), without the writer: the I/O floor. */
  async function encodeAndStore(store: ByteStore): Promise<void> {
    const inflight = new Set<Promise<void>>();
    for (const [k, chunk] of chunks.entries()) {
      const encoded = await codec.encode(chunk);
      const write: Promise<void> = store.set(referenceKeys[k], encoded).finally(() =>
        inflight.delete(write)
      );
      inflight.add(write);
      while (inflight.size >= 4) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  }

  const stage = (name: string, run: { seconds: number; cpuSeconds: number }): BenchStage => ({
    name,
    rawBytes,
    seconds: run.seconds,
    cpuSeconds: run.cpuSeconds,
    mbPerSecond: rawBytes / 1e6 / run.seconds,
    samplesPerSecond: nSamples / run.seconds,
  });

  async function writeAll(store: ByteStore, batch: boolean): Promise<void> {
    const writer = await DatasetWriter.create({
      location: store,
      worldId: "bench",
      nSamples,
      T,
      H,
      nShocks,
      nParams,
      overwrite: true,
    });
    if (batch) {
      // Batches are assembled from the pool inside the timing (one extra copy).
      const per = layout.chunkSamples;
      for (let start = 0; start < nSamples; start += per) {
        const count = Math.min(per, nSamples - start);
        const flat = (name: string, n: number): Float64Array => {
          const out = new Float64Array(count * n);
          for (let j = 0; j < count; j++) out.set(sampleOf(start + j)[name], j * n);
          return out;
        };
        await writer.writeBatch(start, {
          theta: flat("theta", nParams),
          trajectories: flat("trajectories", T * 3),
          irfs: flat("irfs", nShocks * (H + 1) * 3),
          shocks: flat("shocks", T * nShocks),
        });
      }
    } else {
      for (let i = 0; i < nSamples; i++) {
        const s = sampleOf(i);
        await writer.writeSample(i, {
          theta: s.theta,
          trajectories: s.trajectories,
          irfs: s.irfs,
          shocks: s.shocks,
        });
      }
    }
    await writer.finalize();
  }

  const nullStore: ByteStore = {
    url: "null://",
    get: () => Promise.resolve(undefined),
    set: () => Promise.resolve(),
    delete: () => Promise.resolve(),
    list: () => Promise.resolve([]),
  };
  const dir = await Deno.makeTempDir({ prefix: "ume-writer-bench-", dir: options.tempDir });
  // A fresh folder per run: writing into an empty output folder, as generate does.
  let localRuns = 0;
  const freshLocal = (): LocalStore => new LocalStore(`${dir}/run${localRuns++}`);
  const runs: [string, () => Promise<void>][] = [
    ["codec: numcodecs Blosc zstd-3 + shuffle (encode only)", encodeAll],
    [
      "reference: encode + LocalStore.set (same keys), no writer",
      () => encodeAndStore(freshLocal()),
    ],
    ["writer: writeSample -> discarding store", () => writeAll(nullStore, false)],
    ["writer: writeSample -> MemoryStore", () => writeAll(new MemoryStore(), false)],
    ["writer: writeSample -> LocalStore", () => writeAll(freshLocal(), false)],
    ["writer: writeBatch -> LocalStore", () => writeAll(freshLocal(), true)],
  ];
  // Interleave the stages so that each sees the same machine load; keep the
  // fastest run of each.
  const fastest = runs.map(() => ({ seconds: Infinity, cpuSeconds: Infinity }));
  try {
    for (let r = 0; r < repeats; r++) {
      for (const [k, [, run]] of runs.entries()) {
        const result = await timed(run);
        if (result.seconds < fastest[k].seconds) fastest[k] = result;
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const stages = runs.map(([name], k) => stage(name, fastest[k]));
  const writerToCodec: Record<string, number> = {};
  for (const s of stages.slice(1)) writerToCodec[s.name] = s.mbPerSecond / stages[0].mbPerSecond;
  return {
    nSamples,
    chunkSamples: layout.chunkSamples,
    compressionRatio: rawBytes / storedBytes,
    stages,
    writerToCodec,
  };
}

/**
 * Format a result as a plain-text table.
 *
 * @param result The benchmark result.
 * @returns The table.
 */
export function formatWriterBench(result: WriterBenchResult): string {
  const lines = [
    `writer benchmark: ${result.nSamples} samples, ${result.chunkSamples} samples/chunk, compression ${
      result.compressionRatio.toFixed(2)
    }x`,
    `${"stage".padEnd(60)} ${"MB raw".padStart(8)} ${"wall s".padStart(7)} ${"cpu s".padStart(7)} ${
      "MB/s".padStart(7)
    } ${"samples/s".padStart(10)} ${"vs codec".padStart(8)}`,
  ];
  for (const s of result.stages) {
    const ratio = result.writerToCodec[s.name];
    lines.push(
      `${s.name.padEnd(60)} ${(s.rawBytes / 1e6).toFixed(1).padStart(8)} ${
        s.seconds.toFixed(2).padStart(7)
      } ${s.cpuSeconds.toFixed(2).padStart(7)} ${s.mbPerSecond.toFixed(1).padStart(7)} ${
        s.samplesPerSecond.toFixed(0).padStart(10)
      } ${ratio === undefined ? "".padStart(8) : `${(100 * ratio).toFixed(0)}%`.padStart(8)}`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      samples: { type: "string" },
      repeats: { type: "string" },
      "temp-dir": { type: "string" },
    },
  });
  const result = await runWriterBench({
    nSamples: values.samples === undefined ? undefined : Number(values.samples),
    repeats: values.repeats === undefined ? undefined : Number(values.repeats),
    tempDir: values["temp-dir"],
  });
  console.log(formatWriterBench(result));
}
