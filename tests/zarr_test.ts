import assert from "node:assert/strict";
import { Blosc } from "../src/zarr/_deps.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { StoreError } from "../src/store/store_error.ts";
import type { ByteStore } from "../src/store/byte_store.ts";
import { arraySpec } from "../src/zarr/array_spec.ts";
import { BloscCodec, bloscConfigFor, decodeBlosc, parseBloscHeader } from "../src/zarr/blosc.ts";
import {
  ChunkBuffer,
  chunkCount,
  chunkKey,
  chunkStoreKey,
  decodeChunk,
  packChunk,
  storeChunk,
} from "../src/zarr/chunk.ts";
import { sha256Hex } from "../src/zarr/digest.ts";
import { readArraySpec, readGroupSpec } from "../src/zarr/metadata.ts";
import { readSamples } from "../src/dataset/read_samples.ts";
import {
  defaultChunkSamples,
  IRF_CONVENTION,
  layoutArrays,
  worldLayout,
  writeLayoutMetadata,
} from "../src/dataset/world_layout.ts";
import type { MetaFieldSpec } from "../src/simulators/types.ts";
import { zarrita } from "./_deps.ts";

const FIELDS: MetaFieldSpec[] = [
  { name: "regime_seq", dtype: "int8", shape: [6], dims: ["time"], description: "Regime path" },
  { name: "max_spell", dtype: "int32", shape: [], dims: [], description: "Longest spell" },
];

async function json(store: ByteStore, key: string): Promise<Record<string, unknown>> {
  const bytes = await store.get(key);
  assert.ok(bytes !== undefined, `missing ${key}`);
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Smooth AR(1)-like float32 data (compressible, like real trajectories). */
function smooth(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let x = 0;
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x = 0.97 * x + ((s / 2 ** 32) - 0.5) * 0.1;
    out[i] = x;
  }
  return out;
}

/** zarrita reads keys with a leading slash. */
function zarritaStore(store: ByteStore): { get(key: string): Promise<Uint8Array | undefined> } {
  return { get: (key: string) => store.get(key.replace(/^\//, "")) };
}

Deno.test("v3 metadata: dimension names, explicit fill value, codec chain, chunk keys", async () => {
  const store = new MemoryStore();
  const layout = worldLayout("nk", {
    nSamples: 50,
    T: 6,
    H: 4,
    nShocks: 3,
    nParams: 2,
    chunkSamples: 16,
    metadataFields: FIELDS,
    labels: { shocks: ["demand", "supply", "policy"], params: ["beta", "phi_pi"] },
    attributes: { version: "nk_v1" },
  });
  await writeLayoutMetadata(store, layout);
  const irfs = await json(store, "nk/irfs.zarr/zarr.json");
  assert.deepEqual(irfs, {
    zarr_format: 3,
    node_type: "array",
    shape: [50, 3, 5, 3],
    data_type: "float32",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [16, 3, 5, 3] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: "NaN",
    codecs: [
      { name: "bytes", configuration: { endian: "little" } },
      {
        name: "blosc",
        configuration: { cname: "zstd", clevel: 3, shuffle: "shuffle", typesize: 4, blocksize: 0 },
      },
    ],
    attributes: {
      world_id: "nk",
      shocks: ["demand", "supply", "policy"],
      observables: ["output", "inflation", "rate"],
      irf_convention: IRF_CONVENTION,
    },
    dimension_names: ["sample", "shock", "horizon", "observable"],
  });
  const dims = async (name: string): Promise<unknown> =>
    (await json(store, `nk/${name}.zarr/zarr.json`)).dimension_names;
  assert.deepEqual(await dims("trajectories"), ["sample", "time", "observable"]);
  assert.deepEqual(await dims("shocks"), ["sample", "time", "shock"]);
  assert.deepEqual(await dims("theta"), ["sample", "param"]);
  assert.deepEqual((await json(store, "nk/theta.zarr/zarr.json")).attributes, {
    world_id: "nk",
    params: ["beta", "phi_pi"],
    units: "natural",
  });
  const regime = await json(store, "nk/metadata.zarr/regime_seq/zarr.json");
  assert.equal(regime.fill_value, -1); // v3 requires one: -1, which no regime can be
  assert.equal(regime.data_type, "int8");
  assert.deepEqual(regime.shape, [50, 6]);
  assert.deepEqual(regime.dimension_names, ["sample", "time"]);
  assert.deepEqual(regime.codecs, [
    { name: "bytes" },
    {
      name: "blosc",
      configuration: { cname: "zstd", clevel: 3, shuffle: "noshuffle", typesize: 1, blocksize: 0 },
    },
  ]);
  const { consolidated_metadata, ...group } = await json(store, "nk/zarr.json");
  // deno-lint-ignore no-explicit-any
  const consolidated = consolidated_metadata as any;
  assert.deepEqual(group, {
    zarr_format: 3,
    node_type: "group",
    attributes: { world_id: "nk", version: "nk_v1" },
  });
  // Consolidated metadata as zarr-python 3 reads it: flat paths, each entry the member's document.
  assert.equal(consolidated.kind, "inline");
  assert.equal(consolidated.must_understand, false);
  assert.deepEqual(
    consolidated.metadata["theta.zarr"],
    await json(store, "nk/theta.zarr/zarr.json"),
  );
  assert.deepEqual(
    consolidated.metadata["metadata.zarr/regime_seq"],
    await json(store, "nk/metadata.zarr/regime_seq/zarr.json"),
  );
  assert.deepEqual(consolidated.metadata["metadata.zarr"].consolidated_metadata.metadata, {});
  assert.equal(consolidated.metadata["shock"].data_type, "string");
  assert.deepEqual(consolidated.metadata["shock"].codecs, [{
    name: "vlen-utf8",
    configuration: {},
  }]);
  assert.deepEqual((await json(store, "nk/metadata.zarr/zarr.json")).node_type, "group");
  assert.deepEqual((await json(store, "zarr.json")).node_type, "group");
  assert.equal(chunkKey(layout.arrays.irfs, 3), "c/3/0/0/0");
  assert.equal(chunkKey(layout.metadata.max_spell, 2), "c/2");
  assert.equal(chunkStoreKey(layout.arrays.trajectories, 1), "nk/trajectories.zarr/c/1/0/0");
  assert.throws(() => chunkKey(layout.arrays.irfs, 4), RangeError);
});

Deno.test("v2 metadata: .zarray compressor, NaN as a string, _ARRAY_DIMENSIONS, .zgroup", async () => {
  const store = new MemoryStore();
  const layout = worldLayout("zlb", {
    nSamples: 10,
    T: 6,
    H: 2,
    nShocks: 3,
    nParams: 4,
    zarrFormat: 2,
    chunkSamples: 4,
    metadataFields: FIELDS,
  });
  await writeLayoutMetadata(store, layout);
  const zarray = await json(store, "zlb/shocks.zarr/.zarray");
  assert.deepEqual(zarray, {
    zarr_format: 2,
    shape: [10, 6, 3],
    chunks: [4, 6, 3],
    dtype: "<f4",
    compressor: { id: "blosc", cname: "zstd", clevel: 3, shuffle: 1, blocksize: 0 },
    fill_value: "NaN",
    order: "C",
    filters: null,
    dimension_separator: ".",
  });
  // "NaN" must be the JSON string, not null (zarr-python 2 reads null as garbage).
  const text = new TextDecoder().decode(await store.get("zlb/shocks.zarr/.zarray"));
  assert.match(text, /"fill_value": "NaN"/);
  const zattrs = await json(store, "zlb/shocks.zarr/.zattrs");
  assert.deepEqual(zattrs._ARRAY_DIMENSIONS, ["sample", "time", "shock"]);
  assert.equal(zattrs.world_id, "zlb");
  const meta = await json(store, "zlb/metadata.zarr/regime_seq/.zarray");
  assert.equal(meta.dtype, "|i1");
  assert.equal(meta.fill_value, null); // v2: none, so xarray masks nothing
  assert.deepEqual(meta.compressor, {
    id: "blosc",
    cname: "zstd",
    clevel: 3,
    shuffle: 0,
    blocksize: 0,
  });
  assert.deepEqual(await json(store, "zlb/.zgroup"), { zarr_format: 2 });
  assert.deepEqual(await json(store, "zlb/metadata.zarr/.zgroup"), { zarr_format: 2 });
  assert.deepEqual(await json(store, ".zgroup"), { zarr_format: 2 });
  assert.equal(chunkKey(layout.arrays.irfs, 2), "2.0.0.0");
  assert.equal(chunkKey(layout.metadata.max_spell, 1), "1");
});

Deno.test("array metadata parses back to the same spec (v2 and v3)", async () => {
  for (const zarrFormat of [2, 3] as const) {
    const store = new MemoryStore();
    const layout = worldLayout("sw", {
      nSamples: 9,
      T: 6,
      H: 3,
      nShocks: 2,
      nParams: 5,
      zarrFormat,
      metadataFields: FIELDS,
    });
    await writeLayoutMetadata(store, layout);
    for (const spec of layoutArrays(layout)) {
      assert.deepEqual(await readArraySpec(store, spec.path), spec, `${zarrFormat} ${spec.path}`);
    }
    assert.deepEqual(await readGroupSpec(store, "sw"), layout.group);
    assert.equal(await readArraySpec(store, "sw"), undefined);
  }
});

Deno.test("written chunks really are byte-shuffled zstd with typesize 4 (Blosc header)", async () => {
  const store = new MemoryStore();
  const spec = arraySpec("w/x.zarr", {
    shape: [40, 250],
    chunkSamples: 16,
    dtype: "float32",
    dimensionNames: ["sample", "time"],
  });
  const data = smooth(40 * 250);
  for (let c = 0; c < chunkCount(spec); c++) {
    const chunk = new ChunkBuffer(spec, c);
    chunk.put(chunk.start, data.subarray(chunk.start * 250, chunk.end * 250));
    await chunk.store(store);
  }
  const keys = (await store.list("w/x.zarr/c/")).sort();
  assert.deepEqual(keys, ["w/x.zarr/c/0/0", "w/x.zarr/c/1/0", "w/x.zarr/c/2/0"]);
  for (const key of keys) {
    const stored = (await store.get(key))!;
    const flags = stored[2];
    assert.equal(flags & 0x1, 1, `${key}: byte-shuffle bit`);
    assert.equal(flags & 0x4, 0, `${key}: no bit-shuffle`);
    assert.equal(flags >> 5, 4, `${key}: compressor code 4 = zstd`);
    assert.equal(stored[3], 4, `${key}: typesize byte`);
    assert.equal(new DataView(stored.buffer, stored.byteOffset).getUint32(4, true), 16 * 250 * 4);
    assert.equal(parseBloscHeader(stored).shuffle, "shuffle");
  }
  // The shuffle changes the output and, on smooth floats, shrinks it.
  const raw = packChunk({ spec, chunkIndex: 0 }, data.subarray(0, 16 * 250)).bytes();
  const shuffled = await new BloscCodec(bloscConfigFor(4)).encode(raw);
  const plain = await new BloscCodec({ ...bloscConfigFor(4), shuffle: "noshuffle" }).encode(raw);
  assert.ok(shuffled.length < plain.length, `${shuffled.length} < ${plain.length}`);
  assert.equal(parseBloscHeader(plain).shuffle, "noshuffle");
});

Deno.test("numcodecs ignores the v3 string shuffle (the pitfall the wrapper avoids)", async () => {
  const raw = new Uint8Array(smooth(4096).buffer);
  // What zarrita 0.7.5 does with a v3 config: hand the string to numcodecs.
  const naive = Blosc.fromConfig({
    id: "blosc",
    cname: "zstd",
    clevel: 3,
    shuffle: "shuffle" as unknown as 1,
    blocksize: 0,
  });
  assert.equal(parseBloscHeader(await naive.encode(raw)).shuffle, "noshuffle");
  assert.equal(
    parseBloscHeader(await new BloscCodec(bloscConfigFor(4)).encode(raw)).shuffle,
    "shuffle",
  );
});

Deno.test("BloscCodec refuses shuffles it cannot write", () => {
  assert.throws(
    () =>
      new BloscCodec({
        cname: "zstd",
        clevel: 3,
        shuffle: "bitshuffle",
        typesize: 8,
        blocksize: 0,
      }),
    /typesize 8/,
  );
  assert.throws(
    () =>
      new BloscCodec({ cname: "lz4", clevel: 3, shuffle: "shuffle", typesize: 8, blocksize: 0 }),
    /typesize 8/,
  );
  assert.throws(() => new BloscCodec({ ...bloscConfigFor(4), clevel: 12 }), RangeError);
  assert.equal(new BloscCodec({ ...bloscConfigFor(1) }).config.typesize, 1);
});

Deno.test("float64 and integer chunks round trip through Blosc", async () => {
  const store = new MemoryStore();
  const cases = [
    { dtype: "float64" as const, values: Array.from({ length: 21 }, (_, i) => Math.PI * i / 7) },
    { dtype: "int32" as const, values: Array.from({ length: 21 }, (_, i) => (i - 10) * 100000) },
    { dtype: "uint8" as const, values: Array.from({ length: 21 }, (_, i) => (i * 37) % 256) },
    { dtype: "int8" as const, values: Array.from({ length: 21 }, (_, i) => (i % 2 ? -i - 1 : i)) },
  ];
  for (const { dtype, values } of cases) {
    const spec = arraySpec(`t/${dtype}`, {
      shape: [7, 3],
      chunkSamples: 4,
      dtype,
      dimensionNames: ["sample", "k"],
    });
    await storeChunk(store, packChunk({ spec, chunkIndex: 0 }, values.slice(0, 12)));
    await storeChunk(store, packChunk({ spec, chunkIndex: 1 }, values.slice(12)));
    const back = await readSamples(store, spec);
    assert.deepEqual(Array.from(back), values, dtype);
    const header = parseBloscHeader((await store.get(chunkStoreKey(spec, 0)))!);
    assert.equal(header.shuffle, dtype === "uint8" || dtype === "int8" ? "noshuffle" : "shuffle");
  }
});

Deno.test("the last chunk is stored at full chunk shape, padded with the fill value", async () => {
  const store = new MemoryStore();
  const spec = arraySpec("p.zarr", {
    shape: [5, 2],
    chunkSamples: 4,
    dtype: "float32",
    dimensionNames: ["sample", "k"],
  });
  const record = await storeChunk(store, packChunk({ spec, chunkIndex: 1 }, [1.5, -2.5]));
  assert.equal(record.rawBytes, 8);
  const stored = (await store.get("p.zarr/c/1/0"))!;
  assert.equal(parseBloscHeader(stored).nbytes, 4 * 2 * 4);
  const full = await decodeChunk(spec, stored);
  assert.equal(full.length, 8);
  assert.deepEqual(Array.from(full.subarray(0, 2)), [1.5, -2.5]);
  assert.ok(Array.from(full.subarray(2)).every(Number.isNaN));
  assert.throws(
    () => packChunk({ spec, chunkIndex: 1 }, [1, 2, 3, 4]),
    /expected 2 values for samples 4 to 4/,
  );
});

Deno.test("chunk digests are SHA-256 of the stored bytes and catch corruption", async () => {
  const store = new MemoryStore();
  const spec = arraySpec("d.zarr", { shape: [64], dtype: "float32", dimensionNames: ["sample"] });
  const record = await storeChunk(store, packChunk({ spec, chunkIndex: 0 }, smooth(64)));
  const stored = (await store.get(record.storeKey))!;
  assert.equal(record.digest, await sha256Hex(stored));
  assert.match(record.digest, /^[0-9a-f]{64}$/);
  assert.equal(record.storedBytes, stored.length);
  const flipped = stored.slice();
  flipped[stored.length - 1] ^= 1;
  assert.notEqual(await sha256Hex(flipped), record.digest);
  // A truncated chunk is rejected instead of decoding to garbage.
  await store.set(record.storeKey, stored.subarray(0, stored.length - 3));
  await assert.rejects(
    readSamples(store, spec),
    (error: unknown) =>
      error instanceof StoreError && error.code === "CORRUPT" &&
      error.message.includes(`"${record.storeKey}"`),
  );
  await assert.rejects(decodeBlosc(stored, 999), /expected 999/);
});

Deno.test("ChunkBuffer.put() rejects NaN, infinities, float32 overflow and bad integers", () => {
  const f = arraySpec("nk/trajectories.zarr", {
    shape: [10, 2, 3],
    chunkSamples: 5,
    dtype: "float32",
    dimensionNames: ["sample", "time", "observable"],
  });
  const chunk = new ChunkBuffer(f, 1);
  const good = [1, 2, 3, 4, 5, 6];
  chunk.put(7, good);
  assert.throws(
    () => chunk.put(6, [1, 2, NaN, 4, 5, 6]),
    /sample 6 of "nk\/trajectories.zarr": element 2 is NaN/,
  );
  assert.throws(() => chunk.put(6, [1, 2, 3, 4, 5, -Infinity]), /element 5 is -Infinity/);
  assert.throws(
    () => chunk.put(6, [1e39, 2, 3, 4, 5, 6]),
    /element 0 is 1e\+39, outside the float32 range/,
  );
  assert.throws(
    () => chunk.put(6, [1, 2, 3]),
    /expected a multiple of 6 values \(shape 2 x 3\), got 3/,
  );
  assert.throws(() => chunk.put(3, good), /chunk 1 holds samples 5 to 9/);
  assert.throws(() => chunk.put(9, [...good, ...good]), RangeError);
  const i8 = arraySpec("nk/metadata.zarr/regime_seq", {
    shape: [4, 2],
    dtype: "int8",
    dimensionNames: ["sample", "time"],
  });
  const ints = new ChunkBuffer(i8, 0);
  assert.throws(
    () => ints.put(1, [0, 128]),
    /sample 1 of "nk\/metadata.zarr\/regime_seq": element 1 is 128, not a valid int8/,
  );
  assert.throws(() => ints.put(2, [0.5, 1]), /element 0 is 0.5/);
  ints.put(3, [-128, 127]);
  assert.deepEqual(Array.from(ints.data.subarray(6)), [-128, 127]);
});

Deno.test("defaultChunkSamples() aims at ~1 MiB chunks of the largest array", () => {
  for (const sampleBytes of [2400, 1476, 32, 123457, 3 * 1024 * 1024]) {
    const n = defaultChunkSamples(sampleBytes);
    assert.ok(n >= 1);
    assert.ok(n * sampleBytes <= Math.max(1 << 20, sampleBytes), `${sampleBytes}: ${n}`);
    assert.ok((n + 1) * sampleBytes > 1 << 20, `${sampleBytes}: ${n}`);
  }
  assert.equal(defaultChunkSamples(2400, { nSamples: 10 }), 10);
  const layout = worldLayout("nk", { nSamples: 100000, T: 200, H: 40, nShocks: 3, nParams: 8 });
  assert.equal(layout.chunkSamples, Math.floor(2 ** 20 / (200 * 3 * 4)));
  for (const spec of layoutArrays(layout)) assert.equal(spec.chunks[0], layout.chunkSamples);
});

Deno.test("worldLayout() validates its inputs", () => {
  const base = { nSamples: 10, T: 5, H: 2, nShocks: 2, nParams: 3 };
  assert.throws(() => worldLayout("bad/world", base), /Invalid world id/);
  assert.throws(() => worldLayout("w", { ...base, nSamples: 0 }), /nSamples/);
  assert.throws(() => worldLayout("w", { ...base, T: 2.5 }), /Invalid T/);
  assert.throws(
    () => worldLayout("w", { ...base, labels: { shocks: ["a"] } }),
    /shock labels: 1 names for 2/,
  );
  assert.throws(
    () => worldLayout("w", { ...base, metadataFields: [FIELDS[0], FIELDS[0]] }),
    /Duplicate metadata field/,
  );
  assert.throws(
    () =>
      worldLayout("w", {
        ...base,
        metadataFields: [{ name: "x", dtype: "float32", shape: [2], dims: [], description: "" }],
      }),
    /1 axes|0 dims/,
  );
});

// Not an independent reader any more: the reader is built on zarrita, and
// importing it (read_samples.ts, above) puts our Blosc codec in zarrita's
// registry. zarr-python is the independent reader (python_interop_test.ts).
Deno.test("zarrita opens our v3 and v2 arrays from their stored documents and reads the written values", async () => {
  for (const zarrFormat of [3, 2] as const) {
    const store = new MemoryStore();
    const layout = worldLayout("nk", {
      nSamples: 11,
      T: 6,
      H: 2,
      nShocks: 2,
      nParams: 3,
      chunkSamples: 4,
      zarrFormat,
      metadataFields: FIELDS,
    });
    await writeLayoutMetadata(store, layout);
    const expected = new Map<string, number[]>();
    for (const spec of layoutArrays(layout)) {
      const per = spec.shape.slice(1).reduce((a, b) => a * b, 1);
      const values = spec.dtype === "float32"
        ? Array.from(smooth(11 * per, spec.path.length))
        : Array.from({ length: 11 * per }, (_, i) =>
          (i * 7) % 100 - (spec.dtype === "int8" ? 50 : 0))
          .map((v) => (v === spec.fillValue ? 1 : v)); // the fill value is never data
      expected.set(spec.path, values);
      for (let c = 0; c < chunkCount(spec); c++) {
        const chunk = new ChunkBuffer(spec, c);
        chunk.put(chunk.start, values.slice(chunk.start * per, chunk.end * per));
        await chunk.store(store);
      }
    }
    const root = zarrita.root(zarritaStore(store));
    for (const spec of layoutArrays(layout)) {
      const location = root.resolve(spec.path);
      const array = zarrFormat === 3
        ? await zarrita.open.v3(location, { kind: "array" })
        : await zarrita.open.v2(location, { kind: "array" });
      assert.deepEqual(array.shape, [...spec.shape]);
      const result = await zarrita.get(array);
      assert.deepEqual(
        Array.from(result.data as ArrayLike<number>),
        expected.get(spec.path),
        `${zarrFormat} ${spec.path}`,
      );
    }
  }
});

Deno.test("byte shuffle with typesize 8 (float64): the header says so and c-blosc decodes it", async () => {
  const codec = new BloscCodec(bloscConfigFor(8));
  assert.equal(codec.config.typesize, 8);
  const sizes = [8, 13, 1000 * 8 + 5, 128 * 1024, 3 * 128 * 1024 + 24];
  for (const n of sizes) {
    for (const kind of ["smooth", "random"]) {
      const raw = new Uint8Array(n);
      if (kind === "smooth") {
        const f = new Float64Array(Math.floor(n / 8));
        for (let i = 0; i < f.length; i++) f[i] = Math.sin(i / 50) * 100;
        raw.set(new Uint8Array(f.buffer));
      } else {
        for (let i = 0; i < n; i++) raw[i] = (i * 2654435761) >>> 24 ^ (i * 40503) & 255;
      }
      const encoded = await codec.encode(raw);
      const header = parseBloscHeader(encoded);
      assert.equal(header.typesize, 8);
      assert.equal(header.shuffle, "shuffle");
      assert.equal(header.compressor, "zstd");
      assert.equal(header.nbytes, n);
      // numcodecs' WASM c-blosc (not our code) decodes it.
      assert.deepEqual(await decodeBlosc(encoded, n), raw, `${kind} ${n} bytes`);
    }
  }
  // On smooth float64 values, typesize 8 compresses better than typesize 4.
  const f = new Float64Array(16384);
  for (let i = 0; i < f.length; i++) f[i] = Math.sin(i / 50) * 100;
  const raw = new Uint8Array(f.buffer);
  const eight = await codec.encode(raw);
  const four = await new BloscCodec(bloscConfigFor(4)).encode(raw);
  assert.ok(eight.length < four.length, `${eight.length} < ${four.length}`);
});
