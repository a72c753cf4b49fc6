/**
 * Finalize checks what shards wrote by listing (presence, size, MD5 ETags)
 * and reads only the ledger and the split statistics: the bytes it reads
 * are counted here, and damaged chunks must still be found.
 */

import assert from "node:assert/strict";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { finalizeDataset } from "../src/pipeline/finalize.ts";
import { validateDataset } from "../src/pipeline/validate.ts";
import { recordTask } from "../src/pipeline/ledger.ts";
import { type ByteStore, deleteKeys, type ObjectInfo } from "../src/store/byte_store.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { LocalStore } from "../src/store/local_store.ts";
import type { S3Store } from "../src/store/s3_store.ts";
import { md5Hex } from "../src/zarr/digest.ts";
import { ignoreWithoutCeph, sharedCeph } from "./_ceph.ts";

/** A store that counts the value bytes it hands out (`get` and `getRange`). */
class CountingStore implements ByteStore {
  readonly url: string;
  bytesRead = 0;
  reads = 0;
  /** Bytes read per key. */
  byKey = new Map<string, number>();
  listObjects?: (prefix?: string) => Promise<ObjectInfo[]>;
  constructor(
    readonly inner: MemoryStore | LocalStore | S3Store,
    options: { listing?: boolean } = {},
  ) {
    this.url = inner.url;
    if (options.listing ?? true) this.listObjects = (p) => inner.listObjects(p);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    const v = await this.inner.get(key);
    this.#count(key, v);
    return v;
  }
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const v = await this.inner.getRange(key, offset, length);
    this.#count(key, v);
    return v;
  }
  #count(key: string, value: Uint8Array | undefined): void {
    this.reads++;
    this.bytesRead += value?.length ?? 0;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + (value?.length ?? 0));
  }
  reset(): void {
    this.bytesRead = 0;
    this.reads = 0;
    this.byKey.clear();
  }
  set(key: string, value: Uint8Array): Promise<void> {
    return this.inner.set(key, value);
  }
  setIfAbsent(key: string, value: Uint8Array): Promise<boolean> {
    return this.inner.setIfAbsent(key, value);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  deleteKeys(keys: readonly string[]): Promise<void> {
    return deleteKeys(this.inner, keys);
  }
  list(prefix?: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
}

/** Three shards, several chunks per shard (T and H set per test). */
const BASE = { worlds: "lss", n_samples: 1200, chunk_samples: 100, workers: 1 } as const;
const SHARDS = ["0/3", "1/3", "2/3"];
const CREATED = "2026-01-01T00:00:00.000Z";

async function shardedRun(store: ByteStore, base: Record<string, unknown> = BASE): Promise<void> {
  for (const shard of SHARDS) {
    const s = await generateDataset(resolveConfig([{ ...base, output: "mem", shard }], 1), {
      store,
    });
    assert.equal(s.finalized, false);
  }
}

async function storedBytes(store: MemoryStore, match = (_key: string) => true): Promise<number> {
  let n = 0;
  for (const o of await store.listObjects()) if (match(o.key)) n += o.size;
  return n;
}

/** The arrays split statistics are read from: theta and the scalar metadata. */
const STATS_ARRAY = /^[a-z]+\/(theta\.zarr|metadata\.zarr\/[a-z_]+)\/c\//;

/**
 * What finalize may read besides those arrays: the ledger, the manifest
 * probe, Zarr metadata documents (a reader opens the groups and arrays) and
 * the `splits.json` it wrote (params.parquet's split column), and coordinate
 * chunks (the reader returns coordinates; `sample` is 4 bytes per sample).
 */
function isSmallRead(key: string): boolean {
  return key.startsWith(".ume/") || key === "manifest.json" ||
    /(^|\/)(zarr\.json|\.zarray|\.zattrs|\.zgroup|\.zmetadata|splits\.json)$/.test(key) ||
    /^[a-z]+\/(metadata\.zarr\/)?(sample|time|horizon|shock|observable|param|regime)\/(c\/)?\d+$/
      .test(key);
}

Deno.test("finalize at the default T and H reads the ledger and the split statistics' arrays, nothing else", async () => {
  const inner = new MemoryStore();
  const store = new CountingStore(inner);
  // Default T = 200 and H = 40 and default chunk sizes; two worlds, three shards.
  await shardedRun(store, { worlds: "nk,lss", n_samples: 1300, workers: 1 });
  store.reset();
  const s = await finalizeDataset("mem", { store, createdAt: CREATED });
  assert.equal(s.finalized, true);
  const total = await storedBytes(inner);
  const stats = await storedBytes(inner, (k) => STATS_ARRAY.test(k));
  let statsRead = 0, otherRead = 0;
  for (const [key, n] of store.byKey) {
    if (STATS_ARRAY.test(key)) statsRead += n;
    else {
      assert.ok(isSmallRead(key), `finalize read ${key}`);
      otherRead += n;
    }
  }
  const pct = (n: number) => `${(100 * n / total).toFixed(2)}%`;
  // deno-lint-ignore no-console
  console.log(
    `finalize read ${store.bytesRead} of ${total} stored bytes (${pct(store.bytesRead)}) in ` +
      `${store.reads} reads: ledger ${otherRead} (${pct(otherRead)}), theta and scalar ` +
      `metadata for the splits ${statsRead} (${pct(statsRead)})`,
  );
  // No chunk is read for verification: the ledger, the manifest probe and the metadata
  // documents stay under 1%.
  assert.ok(otherRead <= 0.01 * total, `ledger and metadata reads are ${pct(otherRead)}`);
  // theta and the scalar metadata are read at most twice: once for the split statistics
  // (theta and the statistics' scalars), once for params.parquet (whose split column needs
  // the splits first; theta and every per-sample scalar).
  assert.ok(statsRead > stats && statsRead <= 2 * stats, `${statsRead} of ${stats}`);
  const report = await validateDataset(store, { resimulate: 2 });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
});

Deno.test("finalize reads at most 1% of a dataset with long series (T = 1000)", async () => {
  const inner = new MemoryStore();
  const store = new CountingStore(inner);
  await shardedRun(store, { worlds: "nk", n_samples: 600, T: 1000, workers: 1 });
  store.reset();
  await finalizeDataset("mem", { store, createdAt: CREATED });
  const total = await storedBytes(inner);
  // deno-lint-ignore no-console
  console.log(
    `T = 1000: finalize read ${store.bytesRead} of ${total} stored bytes ` +
      `(${(100 * store.bytesRead / total).toFixed(2)}%)`,
  );
  assert.ok(store.bytesRead <= 0.01 * total);
});

Deno.test("finalize without a listing capability falls back to reading every chunk", async () => {
  const inner = new MemoryStore();
  const store = new CountingStore(inner, { listing: false });
  await shardedRun(store);
  store.bytesRead = 0;
  await finalizeDataset("mem", { store, createdAt: CREATED });
  assert.ok(store.bytesRead > 0.9 * await storedBytes(inner), "every chunk was read");
});

/** Same-length bytes that differ from `bytes`. */
function flipped(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[out.length >> 1] ^= 0xff;
  return out;
}

Deno.test("finalize finds a missing chunk, a chunk of the wrong size and a same-size corruption (MD5 ETag)", async () => {
  const inner = new MemoryStore();
  const store = new CountingStore(inner);
  await shardedRun(store, { ...BASE, T: 40, H: 8, n_samples: 300 });
  const keys = (await inner.list("lss/")).filter((k) => /\/c\/\d+\//.test(k));
  const irf = keys.filter((k) => k.startsWith("lss/irfs.zarr/"));
  const series = keys.filter((k) => k.startsWith("lss/trajectories.zarr/"));
  assert.ok(irf.length >= 3 && series.length >= 3);
  await inner.delete(irf[0]);
  const short = (await inner.get(series[1]))!;
  await inner.set(series[1], short.subarray(0, short.length - 1));
  await inner.set(irf[2], flipped((await inner.get(irf[2]))!));
  const chunkOf = (key: string) => Number(/\/c\/(\d+)\//.exec(key)![1]);
  store.bytesRead = 0;
  await assert.rejects(finalizeDataset("mem", { store }), (e: Error) => {
    assert.match(
      e.message,
      new RegExp(`lss chunk ${chunkOf(irf[0])} is damaged \\(${irf[0]} is missing\\)`),
    );
    assert.match(
      e.message,
      new RegExp(
        `lss chunk ${chunkOf(series[1])} is damaged \\(${series[1]} is ${
          short.length - 1
        } bytes, the ledger recorded ${short.length}\\)`,
      ),
    );
    assert.match(
      e.message,
      new RegExp(`lss chunk ${chunkOf(irf[2])} is damaged \\(a chunk's ETag and SHA-256`),
    );
    assert.match(e.message, /plan tasks? [\d, -]+, and plan task k is written by shard k mod N/);
    assert.match(e.message, /deno task generate --resume --output mem --shard i\/N/);
    return true;
  });
  assert.equal(await inner.get("manifest.json"), undefined);
});

Deno.test("finalize on a local store checks sizes by lstat; a linked chunk is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ume-finalize-" });
  try {
    const local = new LocalStore(dir);
    const store = new CountingStore(local);
    const base = { ...BASE, T: 40, H: 8, n_samples: 300 };
    for (const shard of SHARDS) {
      await generateDataset(resolveConfig([{ ...base, output: dir, shard }], 1), { store });
    }
    const key = (await local.list("lss/trajectories.zarr/c/")).at(-1)!;
    const bytes = (await local.get(key))!;
    await Deno.writeFile(`${dir}/${key}`, bytes.subarray(1));
    await assert.rejects(
      finalizeDataset(dir, { store }),
      /lss chunk \d+ is damaged \(.* bytes, the ledger recorded/,
    );
    // A chunk replaced by a link to intact bytes is not followed: it counts as missing
    // (and `finalize` on the local store itself refuses the link outright).
    const elsewhere = await Deno.makeTempFile();
    await Deno.writeFile(elsewhere, bytes);
    await Deno.remove(`${dir}/${key}`);
    await Deno.symlink(elsewhere, `${dir}/${key}`);
    await assert.rejects(finalizeDataset(dir, { store }), new RegExp(`\\(${key} is missing\\)`));
    await assert.rejects(finalizeDataset(dir), /symbolic link/);
    await Deno.remove(`${dir}/${key}`);
    await Deno.remove(elsewhere);
    await Deno.writeFile(`${dir}/${key}`, bytes);
    store.bytesRead = 0;
    const s = await finalizeDataset(dir, { store, createdAt: CREATED });
    assert.equal(s.finalized, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a duplicate shard that finishes a task after finalize leaves no ledger entry", async () => {
  const inner = new MemoryStore();
  const base = { ...BASE, T: 40, H: 8, n_samples: 300 };
  await shardedRun(inner, base);
  const entry = (await inner.list(".ume/done/lss/"))[0];
  const late = JSON.parse(new TextDecoder().decode((await inner.get(entry))!));
  await finalizeDataset("mem", { store: inner, createdAt: CREATED });
  assert.deepEqual(await inner.list(".ume/"), []);
  const result = {
    task: late.task,
    chunks: [],
    nRejections: late.n_rejections,
    times: { simulate: 0, pack: 0, encode: 0, hash: 0, write: 0 },
  };
  // The duplicate records its task after finalize: nothing is written.
  assert.equal(await recordTask(inner, result), false);
  assert.deepEqual(await inner.list(".ume/"), []);
  // Finalize writes the manifest (and deletes the ledger) while the entry is
  // being written: the duplicate sees the manifest afterwards and deletes it.
  const manifest = (await inner.get("manifest.json"))!;
  await inner.delete("manifest.json");
  const racing = new CountingStore(inner);
  racing.set = async (key, value) => {
    await inner.set(key, value);
    if (key.startsWith(".ume/")) await inner.set("manifest.json", manifest);
  };
  assert.equal(await recordTask(racing, result), false);
  assert.deepEqual(await inner.list(".ume/"), []);
  const report = await validateDataset(inner, { resimulate: 1 });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
});

Deno.test("validate names a leftover ledger entry and finalize removes it", async () => {
  const inner = new MemoryStore();
  await shardedRun(inner, { ...BASE, T: 40, H: 8, n_samples: 300 });
  const entry = (await inner.list(".ume/done/lss/"))[0];
  const bytes = (await inner.get(entry))!;
  await finalizeDataset("mem", { store: inner, createdAt: CREATED });
  await inner.set(entry, bytes); // as a shard of an older version would leave it
  const report = await validateDataset(inner, { resimulate: 0 });
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems.map((p) => p.location), [".ume/"]);
  assert.match(report.problems[0].message, /deno task finalize --output memory:\/\/anonymous/);
  const again = await finalizeDataset("mem", { store: inner });
  assert.match(again.note ?? "", /removed 1 file of the run ledger/);
  assert.equal((await validateDataset(inner, { resimulate: 0 })).ok, true);
});

Deno.test({
  name: "finalize on radosgw: sizes and MD5 ETags from ListObjectsV2 find a same-size corruption",
  ignore: ignoreWithoutCeph(),
  fn: async () => {
    const memory = new MemoryStore();
    await shardedRun(memory, { ...BASE, T: 40, H: 8, n_samples: 300 });
    const ceph = await sharedCeph();
    const s3 = ceph.store(`finalize-${crypto.randomUUID()}`);
    const keys = await memory.list();
    await Promise.all(keys.map(async (k) => s3.set(k, (await memory.get(k))!)));
    const listed = await s3.listObjects("lss/");
    const chunk = listed.find((o) => o.key.startsWith("lss/irfs.zarr/c/"))!;
    const bytes = (await memory.get(chunk.key))!;
    assert.deepEqual(chunk, { key: chunk.key, size: bytes.length, etag: md5Hex(bytes) });
    await s3.set(chunk.key, flipped(bytes));
    const store = new CountingStore(s3);
    await assert.rejects(
      finalizeDataset(s3.url, { store }),
      /lss chunk \d+ is damaged \(a chunk's ETag and SHA-256 differ from those recorded\)/,
    );
    await s3.set(chunk.key, bytes);
    store.reset();
    const s = await finalizeDataset(s3.url, { store, createdAt: CREATED });
    assert.equal(s.finalized, true);
    for (const key of store.byKey.keys()) {
      assert.ok(isSmallRead(key) || STATS_ARRAY.test(key), key);
    }
    const report = await validateDataset(s3, { resimulate: 1 });
    assert.equal(report.ok, true, JSON.stringify(report.problems));
  },
});
