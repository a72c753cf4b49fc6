// deno-lint-ignore-file no-console
/**
 * Write (and read back) throughput of the S3 store against a local Ceph
 * gateway, next to plain `Deno.writeFile` into a local temp folder for the
 * same job. Starts and stops its own throw-away gateway on 127.0.0.1.
 *
 * Run: `deno run -A bench/s3_bench.ts [--objects 200] [--size-kib 1024] [--concurrency 16]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startCeph } from "../tests/_ceph.ts";

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

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      objects: { type: "string", default: "200" },
      "size-kib": { type: "string", default: "1024" },
      concurrency: { type: "string", default: "16" },
    },
  });
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
