// deno-lint-ignore-file no-console
/**
 * Write (and read back) throughput of the S3 store against a local Ceph
 * gateway, next to plain `Deno.writeFile` into a local temp folder for the
 * same job. Starts and stops its own throw-away gateway on 127.0.0.1.
 *
 * Run: `deno run -A bench/s3_bench.ts [--objects 200] [--size-kib 1024] [--concurrency 16]`
 *
 * With `--dataset`, measures instead what #14 is about on a whole dataset
 * of small chunks (6 worlds, `--samples` per world, 10 samples a chunk,
 * T = 40, H = 8: about 2,100 chunks): three shards are generated in memory
 * and copied to the gateway (ledger included), then `finalize` runs on S3
 * (bytes and requests it reads, counted) and `validate` (objects/s).
 * `deno run -A bench/s3_bench.ts --dataset [--samples 500]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startCeph } from "../tests/_ceph.ts";
import type { ByteStore } from "../src/store/byte_store.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { finalizeDataset } from "../src/pipeline/finalize.ts";
import { validateDataset } from "../src/pipeline/validate.ts";

/** One row of the report. */
export interface ThroughputRow {
  /** What was measured. */
  target: string;
  /** Wall seconds. */
  seconds: number;
  /** Megabytes (10^6 bytes) per second. */
  mbPerSecond: number;
  /** Objects (requests) per second. */
  perSecond: number;
}

function row(target: string, seconds: number, objects: number, bytes: number): ThroughputRow {
  return { target, seconds, mbPerSecond: bytes / 1e6 / seconds, perSecond: objects / seconds };
}

async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  }));
}

/**
 * Measure writes and reads of `objects` objects of `sizeKib` KiB.
 *
 * @param objects Number of objects.
 * @param sizeKib Object size in KiB.
 * @param concurrency Requests in flight (S3) or writes in flight (local).
 * @returns The report rows.
 */
export async function benchS3(
  objects: number,
  sizeKib: number,
  concurrency: number,
): Promise<ThroughputRow[]> {
  const values = Array.from({ length: objects }, (_, i) => {
    const value = new Uint8Array(sizeKib * 1024);
    for (let j = 0; j < value.length; j += 4096) value[j] = (i + j) & 0xff;
    return value;
  });
  const total = objects * sizeKib * 1024;
  const rows: ThroughputRow[] = [];

  const dir = await Deno.makeTempDir({ prefix: "ume-bench-" });
  try {
    let t0 = performance.now();
    await pool(objects, 1, (i) => Deno.writeFile(`${dir}/a${i}`, values[i]));
    rows.push(
      row("local Deno.writeFile, sequential", (performance.now() - t0) / 1e3, objects, total),
    );
    t0 = performance.now();
    await pool(objects, concurrency, (i) => Deno.writeFile(`${dir}/b${i}`, values[i]));
    rows.push(
      row(
        `local Deno.writeFile, ${concurrency} at once`,
        (performance.now() - t0) / 1e3,
        objects,
        total,
      ),
    );
    t0 = performance.now();
    await pool(objects, concurrency, async (i) => {
      await Deno.readFile(`${dir}/b${i}`);
    });
    rows.push(
      row(
        `local Deno.readFile, ${concurrency} at once`,
        (performance.now() - t0) / 1e3,
        objects,
        total,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }

  const ceph = await startCeph({ memstoreBytes: Math.max(2 ** 30, 3 * total) });
  try {
    const store = ceph.store("bench", { maxConcurrency: concurrency });
    let t0 = performance.now();
    await pool(objects, 1, (i) => store.set(`seq/${i}`, values[i]));
    rows.push(row("S3Store.set, sequential", (performance.now() - t0) / 1e3, objects, total));
    t0 = performance.now();
    await Promise.all(values.map((value, i) => store.set(`par/${i}`, value)));
    rows.push(
      row(`S3Store.set, ${concurrency} in flight`, (performance.now() - t0) / 1e3, objects, total),
    );
    t0 = performance.now();
    const back = await Promise.all(values.map((_, i) => store.get(`par/${i}`)));
    rows.push(
      row(`S3Store.get, ${concurrency} in flight`, (performance.now() - t0) / 1e3, objects, total),
    );
    if (back.some((value, i) => value?.length !== values[i].length)) {
      throw new Error("S3 benchmark read back the wrong bytes");
    }
    const unchecked = ceph.store("bench", { maxConcurrency: concurrency, verifyChecksums: false });
    t0 = performance.now();
    await Promise.all(values.map((_, i) => unchecked.get(`par/${i}`)));
    rows.push(
      row(`S3Store.get, no MD5 check`, (performance.now() - t0) / 1e3, objects, total),
    );
    const small = Array.from({ length: 1000 }, (_, i) => new Uint8Array([i & 0xff]));
    t0 = performance.now();
    await Promise.all(small.map((value, i) => store.set(`small/${i}`, value)));
    rows.push(
      row(
        `S3Store.set 1000 x 1 B, ${concurrency} in flight`,
        (performance.now() - t0) / 1e3,
        1000,
        1000,
      ),
    );
  } finally {
    await ceph.stop();
  }
  return rows;
}

/** What {@link benchDataset} measured. */
export interface DatasetBench {
  /** Chunk objects of the dataset. */
  chunks: number;
  /** Stored bytes of the finalized dataset. */
  storedBytes: number;
  /** Wall seconds of `finalize` on S3. */
  finalizeSeconds: number;
  /** Value bytes `finalize` read. */
  finalizeBytesRead: number;
  /** Requests `finalize` sent. */
  finalizeRequests: number;
  /** Wall seconds of `validate` (no re-simulation) on S3. */
  validateSeconds: number;
  /** Chunks `validate` read and verified. */
  validateChunks: number;
  /** Requests `validate` sent. */
  validateRequests: number;
}

/** A store that counts the value bytes read through it. */
function counting(inner: ByteStore): { store: ByteStore; bytes: () => number; reset: () => void } {
  let bytes = 0;
  const store: ByteStore = Object.create(null);
  for (const name of ["set", "delete", "list", "setIfAbsent", "deleteKeys", "links"] as const) {
    const f = inner[name] as ((...a: unknown[]) => unknown) | undefined;
    if (f !== undefined) Object.assign(store, { [name]: f.bind(inner) });
  }
  // Forward the listing capability only where the store has it (older versions lack it).
  const listObjects = (inner as { listObjects?: (p?: string) => Promise<unknown> }).listObjects;
  if (listObjects !== undefined) Object.assign(store, { listObjects: listObjects.bind(inner) });
  Object.assign(store, {
    url: inner.url,
    get: async (key: string) => {
      const v = await inner.get(key);
      bytes += v?.length ?? 0;
      return v;
    },
    getRange: async (key: string, offset: number, length: number) => {
      const v = await inner.getRange!(key, offset, length);
      bytes += v?.length ?? 0;
      return v;
    },
  });
  return { store, bytes: () => bytes, reset: () => (bytes = 0) };
}

/**
 * Finalize and validate a sharded dataset of small chunks on the gateway.
 *
 * @param samples Samples per world.
 * @param concurrency The S3 store's requests in flight.
 * @param validateConcurrency Chunks `validate` reads at once (default: its own).
 * @returns The measurements.
 */
export async function benchDataset(
  samples: number,
  concurrency: number,
  validateConcurrency?: number,
): Promise<DatasetBench> {
  const memory = new MemoryStore();
  const base = { n_samples: samples, chunk_samples: 10, T: 40, H: 8, workers: 1 };
  for (const shard of ["0/3", "1/3", "2/3"]) {
    await generateDataset(resolveConfig([{ ...base, output: "mem", shard }], 1), {
      store: memory,
    });
  }
  const keys = await memory.list();
  const ceph = await startCeph();
  try {
    const s3 = ceph.store(`bench-${crypto.randomUUID()}`, { maxConcurrency: concurrency });
    await pool(keys.length, concurrency, async (i) => {
      await s3.set(keys[i], (await memory.get(keys[i]))!);
    });
    const counted = counting(s3);
    let requests = s3.stats.requests;
    let t0 = performance.now();
    await finalizeDataset(s3.url, { store: counted.store });
    const finalizeSeconds = (performance.now() - t0) / 1e3;
    const finalizeRequests = s3.stats.requests - requests;
    const finalizeBytesRead = counted.bytes();
    let storedBytes = 0;
    for (const key of await memory.list()) {
      if (!key.startsWith(".ume/")) storedBytes += (await memory.get(key))!.length;
    }
    requests = s3.stats.requests;
    t0 = performance.now();
    const report = await validateDataset(s3, { resimulate: 0, concurrency: validateConcurrency });
    const validateSeconds = (performance.now() - t0) / 1e3;
    if (!report.ok) throw new Error(`validate failed: ${JSON.stringify(report.problems[0])}`);
    return {
      chunks: report.chunksVerified,
      storedBytes,
      finalizeSeconds,
      finalizeBytesRead,
      finalizeRequests,
      validateSeconds,
      validateChunks: report.chunksVerified,
      validateRequests: s3.stats.requests - requests,
    };
  } finally {
    await ceph.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      objects: { type: "string", default: "200" },
      "size-kib": { type: "string", default: "1024" },
      concurrency: { type: "string", default: "16" },
      dataset: { type: "boolean", default: false },
      samples: { type: "string", default: "500" },
      "validate-concurrency": { type: "string" },
    },
  });
  if (values.dataset) {
    const [load] = Deno.loadavg();
    const vc = values["validate-concurrency"];
    const r = await benchDataset(
      Number(values.samples),
      Number(values.concurrency),
      vc === undefined ? undefined : Number(vc),
    );
    console.log(
      `load average ${load.toFixed(1)} -> ${Deno.loadavg()[0].toFixed(1)}; ` +
        `${r.chunks} chunks, ${r.storedBytes} stored bytes`,
    );
    console.log(
      `finalize: ${r.finalizeSeconds.toFixed(2)} s, read ${r.finalizeBytesRead} bytes ` +
        `(${(100 * r.finalizeBytesRead / r.storedBytes).toFixed(2)}% of the dataset), ` +
        `${r.finalizeRequests} requests`,
    );
    console.log(
      `validate: ${r.validateSeconds.toFixed(2)} s, ${r.validateChunks} chunks, ` +
        `${(r.validateChunks / r.validateSeconds).toFixed(0)} objects/s, ` +
        `${r.validateRequests} requests`,
    );
    Deno.exit(0);
  }
  const objects = Number(values.objects);
  const sizeKib = Number(values["size-kib"]);
  const rows = await benchS3(objects, sizeKib, Number(values.concurrency));
  console.log(`${objects} objects x ${sizeKib} KiB`);
  for (const r of rows) {
    console.log(
      `${r.target.padEnd(40)} ${r.seconds.toFixed(2).padStart(7)} s ` +
        `${r.mbPerSecond.toFixed(1).padStart(8)} MB/s ${r.perSecond.toFixed(0).padStart(7)} obj/s`,
    );
  }
}
