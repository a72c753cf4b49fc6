import assert from "node:assert/strict";
import {
  DatasetWriter,
  type DatasetWriterOptions,
  type SampleArrays,
} from "../src/dataset/dataset_writer.ts";
import { loadDataset, openDataset } from "../src/dataset/reader.ts";
import { Xoshiro128 } from "../src/numeric/rng.ts";
import type { MetaFieldSpec } from "../src/simulators/types.ts";
import type { ByteStore } from "../src/store/byte_store.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { StoreError } from "../src/store/store_error.ts";
import { sha256Hex } from "../src/zarr/digest.ts";

const DIMS = { T: 7, H: 3, nShocks: 2, nParams: 3 };
const FIELDS: MetaFieldSpec[] = [
  { name: "regime_seq", dtype: "int8", shape: [7], dims: ["time"], description: "Regime path" },
  { name: "binding_flags", dtype: "uint8", shape: [7], dims: ["time"], description: "ZLB binds" },
  { name: "max_spell", dtype: "float32", shape: [], dims: [], description: "Longest spell" },
];
const SIZES = {
  trajectories: DIMS.T * 3,
  irfs: DIMS.nShocks * (DIMS.H + 1) * 3,
  shocks: DIMS.T * DIMS.nShocks,
  theta: DIMS.nParams,
};

/** Sample i: float64 values that are not float32-representable, and metadata. */
function sample(i: number): SampleArrays {
  const rng = new Xoshiro128(i + 1, 7, 11, 13);
  const f64 = (n: number): Float64Array => {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = rng.nextNormal() * 3 + i / 3;
    return out;
  };
  return {
    theta: f64(SIZES.theta),
    trajectories: f64(SIZES.trajectories),
    irfs: f64(SIZES.irfs),
    shocks: f64(SIZES.shocks),
    metadata: {
      regime_seq: Int8Array.from({ length: 7 }, (_, t) => (i + t) % 3),
      binding_flags: Uint8Array.from({ length: 7 }, (_, t) => (i * t) % 2),
      max_spell: (i * 1.1) % 5,
    },
  };
}

function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = new Xoshiro128(seed, 2, 3, 4);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integer(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

async function writeWorld(
  store: ByteStore,
  options: {
    worldId?: string;
    n: number;
    chunkSamples: number;
    zarrFormat: 2 | 3;
    order: number[];
  },
): Promise<Awaited<ReturnType<DatasetWriter["finalize"]>>> {
  const writer = await DatasetWriter.create({
    location: store,
    worldId: options.worldId ?? "nk",
    nSamples: options.n,
    ...DIMS,
    chunkSamples: options.chunkSamples,
    zarrFormat: options.zarrFormat,
    metadataFields: FIELDS,
    overwrite: true,
  });
  for (const i of options.order) await writer.writeSample(i, sample(i));
  return await writer.finalize();
}

function expectedFloat32(
  n: number,
  name: "theta" | "trajectories" | "irfs" | "shocks",
): Float32Array {
  const out = new Float32Array(n * SIZES[name]);
  for (let i = 0; i < n; i++) out.set(sample(i)[name], i * SIZES[name]);
  return out;
}

function bitsEqual(
  actual: ArrayLike<number> & { buffer: ArrayBufferLike },
  expected: Float32Array,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(actual instanceof Float32Array, `${what}: Float32Array`);
  assert.deepEqual(
    new Uint32Array(actual.buffer, (actual as Float32Array).byteOffset, actual.length),
    new Uint32Array(expected.buffer, expected.byteOffset, expected.length),
    `${what}: bits`,
  );
}

for (const zarrFormat of [3, 2] as const) {
  Deno.test(`v${zarrFormat} round trip is bit-exact with a partial last chunk and out-of-order writes`, async () => {
    const store = new MemoryStore();
    const n = 23; // chunks of 5: the last holds 3 samples
    const summary = await writeWorld(store, {
      n,
      chunkSamples: 5,
      zarrFormat,
      order: shuffled(n, 99),
    });
    assert.equal(summary.nSamples, n);
    assert.equal(summary.arrays.irfs.nChunks, 5);
    const loaded = await loadDataset(store, "nk");
    assert.equal(loaded.count, n);
    for (const name of ["theta", "trajectories", "irfs", "shocks"] as const) {
      bitsEqual(loaded.arrays[name].data, expectedFloat32(n, name), `v${zarrFormat} ${name}`);
    }
    assert.deepEqual(loaded.arrays.irfs.shape, [n, 2, 4, 3]);
    assert.deepEqual(loaded.arrays.irfs.dimensionNames, [
      "sample",
      "shock",
      "horizon",
      "observable",
    ]);
    const regime = loaded.metadata.regime_seq;
    assert.ok(regime.data instanceof Int8Array);
    assert.deepEqual(regime.shape, [n, 7]);
    for (let i = 0; i < n; i++) {
      const m = sample(i).metadata!;
      assert.deepEqual(
        Array.from(regime.data.subarray(i * 7, i * 7 + 7)),
        Array.from(m.regime_seq as Int8Array),
      );
      assert.deepEqual(
        Array.from(loaded.metadata.binding_flags.data.subarray(i * 7, i * 7 + 7)),
        Array.from(m.binding_flags as Uint8Array),
      );
      assert.equal(loaded.metadata.max_spell.data[i], Math.fround(m.max_spell as number));
    }
    assert.deepEqual(loaded.metadata.max_spell.shape, [n]);
  });
}

Deno.test("the stored bytes do not depend on the write order or writeSample vs writeBatch", async () => {
  const n = 17;
  const inOrder = await writeWorld(new MemoryStore(), {
    n,
    chunkSamples: 4,
    zarrFormat: 3,
    order: Array.from({ length: n }, (_, i) => i),
  });
  const scrambled = await writeWorld(new MemoryStore(), {
    n,
    chunkSamples: 4,
    zarrFormat: 3,
    order: shuffled(n, 5),
  });
  const batchStore = new MemoryStore();
  const writer = await DatasetWriter.create({
    location: batchStore,
    worldId: "nk",
    nSamples: n,
    ...DIMS,
    chunkSamples: 4,
    metadataFields: FIELDS,
  });
  // Batches that straddle chunk boundaries, written out of order.
  for (const [start, count] of [[10, 7], [0, 3], [3, 7]]) {
    const flat = (name: "theta" | "trajectories" | "irfs" | "shocks"): Float32Array => {
      const out = new Float32Array(count * SIZES[name]);
      for (let j = 0; j < count; j++) out.set(sample(start + j)[name], j * SIZES[name]);
      return out;
    };
    const meta = (name: string, size: number): number[] => {
      const out: number[] = [];
      for (let j = 0; j < count; j++) {
        const v = sample(start + j).metadata![name];
        if (typeof v === "number") out.push(v);
        else out.push(...Array.from(v));
      }
      assert.equal(out.length, count * size);
      return out;
    };
    await writer.writeBatch(start, {
      theta: flat("theta"),
      trajectories: flat("trajectories"),
      irfs: flat("irfs"),
      shocks: flat("shocks"),
      metadata: {
        regime_seq: meta("regime_seq", 7),
        binding_flags: meta("binding_flags", 7),
        max_spell: meta("max_spell", 1),
      },
    });
  }
  const batched = await writer.finalize();
  for (const name of Object.keys(inOrder.arrays)) {
    assert.deepEqual(scrambled.arrays[name].chunkDigests, inOrder.arrays[name].chunkDigests, name);
    assert.deepEqual(batched.arrays[name].chunkDigests, inOrder.arrays[name].chunkDigests, name);
  }
});

Deno.test("finalize() returns sizes and the SHA-256 of every stored chunk", async () => {
  const store = new MemoryStore();
  const n = 12;
  const summary = await writeWorld(store, {
    n,
    chunkSamples: 5,
    zarrFormat: 3,
    order: shuffled(n, 1),
  });
  assert.deepEqual(Object.keys(summary.arrays), [
    "trajectories",
    "irfs",
    "shocks",
    "theta",
    "metadata/regime_seq",
    "metadata/binding_flags",
    "metadata/max_spell",
  ]);
  const traj = summary.arrays.trajectories;
  assert.equal(traj.path, "nk/trajectories.zarr");
  assert.deepEqual(traj.shape, [12, 7, 3]);
  assert.deepEqual(traj.chunks, [5, 7, 3]);
  assert.equal(traj.dtype, "float32");
  assert.equal(traj.rawBytes, 12 * 7 * 3 * 4);
  assert.deepEqual(Object.keys(traj.chunkDigests), ["c/0/0/0", "c/1/0/0", "c/2/0/0"]);
  let stored = 0;
  for (const [key, digest] of Object.entries(traj.chunkDigests)) {
    const bytes = (await store.get(`nk/trajectories.zarr/${key}`))!;
    assert.equal(digest, await sha256Hex(bytes), key);
    stored += bytes.length;
  }
  assert.equal(traj.storedBytes, stored);
  assert.equal(traj.compressionRatio, traj.rawBytes / traj.storedBytes);
  assert.equal(summary.arrays["metadata/regime_seq"].dtype, "int8");
  assert.equal(summary.arrays["metadata/regime_seq"].rawBytes, 12 * 7);
  const total = Object.values(summary.arrays).reduce((s, a) => s + a.rawBytes, 0);
  assert.equal(summary.rawBytes, total);
});

Deno.test("a chunk is stored as soon as its last sample arrives; in-order memory stays bounded", async () => {
  const sets: string[] = [];
  const inner = new MemoryStore();
  const store: ByteStore = {
    url: inner.url,
    get: (k) => inner.get(k),
    set: (k, v) => {
      sets.push(k);
      return inner.set(k, v);
    },
    delete: (k) => inner.delete(k),
    list: (p) => inner.list(p),
  };
  const writer = await DatasetWriter.create({
    location: store,
    worldId: "nk",
    nSamples: 10,
    ...DIMS,
    chunkSamples: 4,
    metadataFields: FIELDS,
  });
  for (const i of [5, 7, 4]) await writer.writeSample(i, sample(i));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(!sets.some((k) => k.includes("/c/1/")), "chunk 1 is not complete yet");
  await writer.writeSample(6, sample(6));
  for (let t = 0; t < 100 && !sets.includes("nk/theta.zarr/c/1/0"); t++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(sets.includes("nk/theta.zarr/c/1/0"), "chunk 1 stored before finalize");
  assert.ok(sets.includes("nk/metadata.zarr/regime_seq/c/1/0"));
  assert.ok(!sets.some((k) => k.includes("/c/0/")), "chunk 0 is incomplete");

  const big = await DatasetWriter.create({
    location: new MemoryStore(),
    worldId: "nk",
    nSamples: 200,
    ...DIMS,
    chunkSamples: 4,
    metadataFields: FIELDS,
    maxPendingChunks: 2,
  });
  let peak = 0;
  for (let i = 0; i < 200; i++) {
    await big.writeSample(i, sample(i));
    peak = Math.max(peak, big.bufferedChunks);
  }
  assert.ok(peak <= 3, `peak buffered chunks ${peak}`);
  await big.finalize();
});

Deno.test("finalize() names the arrays and the samples never written", async () => {
  const writer = await DatasetWriter.create({
    location: new MemoryStore(),
    worldId: "nk",
    nSamples: 12,
    ...DIMS,
    chunkSamples: 5,
    metadataFields: FIELDS,
  });
  for (const i of [0, 1, 2, 4, 5, 6, 10]) await writer.writeSample(i, sample(i));
  await assert.rejects(
    writer.finalize(),
    (error: unknown) =>
      error instanceof Error &&
      error.message.includes('world "nk": 5 of 12 samples were never written') &&
      error.message.includes("trajectories, irfs, shocks, theta, metadata/regime_seq") &&
      error.message.includes("missing sample indices 3, 7-9, 11"),
  );
  // The writer stays usable: write the rest and finalize.
  for (const i of [3, 7, 8, 9, 11]) await writer.writeSample(i, sample(i));
  const summary = await writer.finalize();
  assert.equal(summary.nSamples, 12);
  await assert.rejects(writer.writeSample(0, sample(0)), /finalized/);
});

Deno.test("writeSample() errors name the array and the sample index", async () => {
  const writer = await DatasetWriter.create({
    location: new MemoryStore(),
    worldId: "nk",
    nSamples: 4,
    ...DIMS,
    metadataFields: FIELDS,
  });
  const bad = (patch: Partial<SampleArrays>): SampleArrays => ({ ...sample(1), ...patch });
  await assert.rejects(
    writer.writeSample(1, bad({ irfs: new Float64Array(5) })),
    (e: unknown) =>
      e instanceof TypeError &&
      /sample 1 of "nk\/irfs.zarr": expected 24 values \(2 x 4 x 3\), got 5/.test(e.message),
  );
  const nan = Float64Array.from(sample(1).trajectories as Float64Array);
  nan[8] = NaN;
  await assert.rejects(
    writer.writeSample(1, bad({ trajectories: nan })),
    (e: unknown) =>
      e instanceof RangeError &&
      /sample 1 of "nk\/trajectories.zarr": element 8 is NaN/.test(e.message),
  );
  const inf = Float64Array.from(sample(1).shocks as Float64Array);
  inf[0] = Infinity;
  await assert.rejects(
    writer.writeSample(1, bad({ shocks: inf })),
    /sample 1 of "nk\/shocks.zarr": element 0 is Infinity/,
  );
  await assert.rejects(
    writer.writeSample(1, bad({ theta: undefined as unknown as number[] })),
    /"nk\/theta.zarr": theta is missing/,
  );
  await assert.rejects(
    writer.writeSample(4, sample(1)),
    /sample 4 of world "nk": sample indices must be integers from 0 to 3/,
  );
  await assert.rejects(writer.writeSample(-1, sample(1)), RangeError);
  await assert.rejects(writer.writeSample(1.5, sample(1)), RangeError);
  await assert.rejects(
    writer.writeSample(1, bad({ metadata: { ...sample(1).metadata, extra: 1 } })),
    /unknown metadata field "extra"/,
  );
  await assert.rejects(
    writer.writeSample(1, bad({ metadata: { regime_seq: [0, 0, 0, 0, 0, 0, 0], max_spell: 1 } })),
    /"nk\/metadata.zarr\/binding_flags": metadata field "binding_flags" is missing/,
  );
  await assert.rejects(
    writer.writeSample(
      1,
      bad({ metadata: { ...sample(1).metadata, regime_seq: [0, 0, 0, 200, 0, 0, 0] } }),
    ),
    /sample 1 of "nk\/metadata.zarr\/regime_seq": element 3 is 200, not a valid int8/,
  );
  // After all these failures sample 1 was never written, so it can be written now, once.
  await writer.writeSample(1, sample(1));
  await assert.rejects(
    writer.writeSample(1, sample(1)),
    /sample 1 of world "nk": it was already written/,
  );
  await assert.rejects(
    writer.writeBatch(0, { theta: [], trajectories: new Float64Array(5), irfs: [], shocks: [] }),
    /multiple of 21 values/,
  );
  await assert.rejects(
    writer.writeBatch(0, {
      theta: new Float64Array(6),
      trajectories: new Float64Array(42),
      irfs: new Float64Array(48),
      shocks: new Float64Array(28),
    }),
    /sample 1 of world "nk": it was already written/,
  );
});

Deno.test("DatasetWriter.create() refuses an existing world unless overwrite, which removes stale chunks", async () => {
  const store = new MemoryStore();
  await writeWorld(store, {
    n: 12,
    chunkSamples: 4,
    zarrFormat: 3,
    order: Array.from({ length: 12 }, (_, i) => i),
  });
  await assert.rejects(
    DatasetWriter.create({ location: store, worldId: "nk", nSamples: 4, ...DIMS }),
    (e: unknown) =>
      e instanceof StoreError && e.code === "EXISTS" && e.message.includes("overwrite: true"),
  );
  await writeWorld(store, { n: 4, chunkSamples: 4, zarrFormat: 3, order: [0, 1, 2, 3] });
  assert.deepEqual(await store.list("nk/theta.zarr/c/"), ["nk/theta.zarr/c/0/0"]);
  await assert.rejects(
    DatasetWriter.create(
      { worldId: "nk", nSamples: 4, ...DIMS } as unknown as DatasetWriterOptions,
    ),
    /no location/,
  );
});

Deno.test("DatasetWriter.create() on a LocalStore removes temporary files of interrupted writes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ume-dataset-test-" });
  try {
    await Deno.mkdir(`${dir}/nk/theta.zarr/c/0`, { recursive: true });
    await Deno.writeFile(`${dir}/nk/theta.zarr/c/0/.0.0123456789abcdef.tmp`, new Uint8Array(3));
    const writer = await DatasetWriter.create({
      location: dir,
      worldId: "nk",
      nSamples: 2,
      ...DIMS,
    });
    for (const i of [0, 1]) {
      const { metadata: _, ...arrays } = sample(i);
      await writer.writeSample(i, arrays);
    }
    await writer.finalize();
    const entries = await Array.fromAsync(Deno.readDir(`${dir}/nk/theta.zarr/c/0`));
    assert.deepEqual(entries.map((e) => e.name), ["0"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDataset() and loadDataset() work on a folder with two worlds (v3 and v2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ume-dataset-test-" });
  try {
    const writer = await DatasetWriter.create({
      location: dir,
      worldId: "lss",
      nSamples: 9,
      ...DIMS,
      chunkSamples: 4,
      labels: { params: ["a", "b", "c"] },
    });
    for (let i = 0; i < 9; i++) {
      const { metadata: _, ...arrays } = sample(i);
      await writer.writeSample(i, arrays);
    }
    await writer.finalize();
    const store = new MemoryStore();
    await writeWorld(store, {
      worldId: "zlb",
      n: 6,
      chunkSamples: 4,
      zarrFormat: 2,
      order: [5, 4, 3, 2, 1, 0],
    });
    // copy the v2 world into the same folder
    const { LocalStore } = await import("../src/store/local_store.ts");
    const local = new LocalStore(dir);
    for (const key of await store.list("zlb/")) await local.set(key, (await store.get(key))!);

    const info = await openDataset(dir);
    assert.deepEqual(Object.keys(info.worlds), ["lss", "zlb"]);
    const lss = info.worlds.lss;
    assert.equal(lss.zarrFormat, 3);
    assert.equal(lss.nSamples, 9);
    assert.deepEqual(Object.keys(lss.arrays).sort(), ["irfs", "shocks", "theta", "trajectories"]);
    assert.deepEqual(lss.arrays.theta.attributes, {
      world_id: "lss",
      params: ["a", "b", "c"],
      units: "natural",
    });
    assert.deepEqual(lss.metadata, {});
    const zlb = info.worlds.zlb;
    assert.equal(zlb.zarrFormat, 2);
    assert.deepEqual(
      Object.keys(zlb.metadata),
      ["regime_seq", "binding_flags", "max_spell"].sort(),
    );
    assert.deepEqual(zlb.metadata.regime_seq.shape, [6, 7]);
    assert.deepEqual(zlb.arrays.shocks.dimensionNames, ["sample", "time", "shock"]);
    assert.equal(zlb.arrays.shocks.dtype, "float32");

    // A range straddling chunks, and an index list (out of order, repeated).
    const ranged = await loadDataset(dir, "lss", { range: [3, 7] });
    assert.deepEqual(ranged.range, [3, 7]);
    bitsEqual(ranged.arrays.theta.data, expectedFloat32(9, "theta").subarray(9, 21), "range theta");
    const picked = await loadDataset(dir, "zlb", {
      indices: [5, 0, 5],
      arrays: ["theta"],
      metadata: ["max_spell"],
    });
    assert.deepEqual(Object.keys(picked.arrays), ["theta"]);
    const all = expectedFloat32(6, "theta");
    assert.deepEqual(Array.from(picked.arrays.theta.data), [
      ...all.subarray(15, 18),
      ...all.subarray(0, 3),
      ...all.subarray(15, 18),
    ]);
    assert.deepEqual(
      Array.from(picked.metadata.max_spell.data),
      [5, 0, 5].map((i) => Math.fround((i * 1.1) % 5)),
    );

    await assert.rejects(loadDataset(dir, "lss", { indices: [9] }), /Invalid sample index 9/);
    await assert.rejects(loadDataset(dir, "lss", { range: [5, 2] }), /Invalid sample range/);
    await assert.rejects(
      loadDataset(dir, "nope"),
      (e: unknown) => e instanceof StoreError && e.code === "NOT_FOUND",
    );
    await assert.rejects(
      loadDataset(dir, "lss", { metadata: ["regime_seq"] }),
      /no metadata array "regime_seq"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadDataset() reads only the chunks it needs and fails on missing or corrupt chunks", async () => {
  const inner = new MemoryStore();
  await writeWorld(inner, {
    n: 20,
    chunkSamples: 4,
    zarrFormat: 3,
    order: Array.from({ length: 20 }, (_, i) => i),
  });
  const reads: string[] = [];
  const store: ByteStore = {
    url: inner.url,
    get: (k) => {
      reads.push(k);
      return inner.get(k);
    },
    set: (k, v) => inner.set(k, v),
    delete: (k) => inner.delete(k),
    list: (p) => inner.list(p),
  };
  await loadDataset(store, "nk", { indices: [9, 10] });
  const chunkReads = reads.filter((k) => k.startsWith("nk/trajectories.zarr/c/"));
  assert.deepEqual(chunkReads, ["nk/trajectories.zarr/c/2/0/0"]);
  assert.ok(!reads.some((k) => /\/c\/[0134]\//.test(k)), reads.join(" "));

  await inner.delete("nk/irfs.zarr/c/3/0/0/0");
  await loadDataset(store, "nk", { range: [0, 12] }); // chunk 3 not needed
  await assert.rejects(
    loadDataset(store, "nk", { range: [10, 14] }),
    (e: unknown) =>
      e instanceof StoreError && e.code === "NOT_FOUND" &&
      e.message.includes("nk/irfs.zarr/c/3/0/0/0"),
  );
  const key = "nk/shocks.zarr/c/1/0/0";
  const bytes = (await inner.get(key))!;
  await inner.set(key, bytes.subarray(0, bytes.length - 10));
  await assert.rejects(
    loadDataset(store, "nk", { range: [4, 8], arrays: ["shocks"] }),
    (e: unknown) => e instanceof StoreError && e.code === "CORRUPT" && e.message.includes(key),
  );
});

Deno.test("DatasetWriter reports store failures and stops", async () => {
  const inner = new MemoryStore();
  const store: ByteStore = {
    url: "flaky://x",
    get: (k) => inner.get(k),
    set: (
      k,
      v,
    ) => (k.includes(".zarr/c/") ? Promise.reject(new Error("disk full")) : inner.set(k, v)),
    delete: (k) => inner.delete(k),
    list: (p) => inner.list(p),
  };
  const writer = await DatasetWriter.create({
    location: store,
    worldId: "nk",
    nSamples: 8,
    ...DIMS,
    chunkSamples: 2,
  });
  const plain = (i: number): SampleArrays => {
    const { metadata: _, ...arrays } = sample(i);
    return arrays;
  };
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 8; i++) await writer.writeSample(i, plain(i));
      await writer.finalize();
    })(),
    /Cannot write world "nk" to "flaky:\/\/x": disk full/,
  );
});
