import assert from "node:assert/strict";
import { Blosc } from "../src/zarr/_deps.ts";
import { readSamples } from "../src/dataset/read_samples.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { StoreError } from "../src/store/store_error.ts";
import { arraySpec } from "../src/zarr/array_spec.ts";
import { parseBloscHeader } from "../src/zarr/blosc.ts";
import { chunkStoreKey, packChunk, storeChunk } from "../src/zarr/chunk.ts";
import type { ArraySpec } from "../src/zarr/array_spec.ts";
import { zarrita } from "./_deps.ts";

/** An array of `n` samples of `k` values: sample i holds i * 10 + j. */
async function written(
  spec: ArraySpec,
  k: number,
): Promise<{ store: MemoryStore; values: number[] }> {
  const store = new MemoryStore();
  const n = spec.shape[0];
  const values = Array.from({ length: n * k }, (_, x) => Math.floor(x / k) * 10 + (x % k));
  const per = spec.chunks[0];
  for (let c = 0; c * per < n; c++) {
    const end = Math.min(n, (c + 1) * per);
    await storeChunk(store, packChunk({ spec, chunkIndex: c }, values.slice(c * per * k, end * k)));
  }
  return { store, values };
}

function isStoreError(code: string, text: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof StoreError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(text), e.message);
    return true;
  };
}

Deno.test("readSamples() reads v3 and v2 keys (both separators) through zarrita", async () => {
  const cases = [
    { zarrFormat: 3 as const, separator: "/" as const, key: "a.zarr/c/2/0" },
    { zarrFormat: 3 as const, separator: "." as const, key: "a.zarr/c.2.0" },
    { zarrFormat: 2 as const, separator: "." as const, key: "a.zarr/2.0" },
    { zarrFormat: 2 as const, separator: "/" as const, key: "a.zarr/2/0" },
  ];
  for (const { zarrFormat, separator, key } of cases) {
    const spec = arraySpec("a.zarr", {
      shape: [7, 2],
      chunkSamples: 3,
      dtype: "int32",
      dimensionNames: ["sample", "k"],
      zarrFormat,
      separator,
    });
    const { store, values } = await written(spec, 2);
    assert.ok((await store.list()).includes(key), `${zarrFormat}${separator}: ${key}`);
    assert.deepEqual(Array.from(await readSamples(store, spec)), values);
    assert.deepEqual(Array.from(await readSamples(store, spec, { indices: [6, 0, 6] })), [
      60,
      61,
      0,
      1,
      60,
      61,
    ]);
  }
});

Deno.test("readSamples() fails on a missing chunk, naming it, unless allowMissing fills it", async () => {
  const spec = arraySpec("m.zarr", {
    shape: [6, 2],
    chunkSamples: 2,
    dtype: "float32",
    dimensionNames: ["sample", "k"],
  });
  const { store, values } = await written(spec, 2);
  await store.delete(chunkStoreKey(spec, 1));
  await assert.rejects(
    readSamples(store, spec, { range: [1, 4] }),
    isStoreError("NOT_FOUND", '"m.zarr/c/1/0"'),
  );
  // zarrita alone would have returned the fill value: only allowMissing does.
  const filled = await readSamples(store, spec, { range: [1, 4], allowMissing: true });
  assert.deepEqual(Array.from(filled.subarray(0, 2)), values.slice(2, 4));
  assert.ok(Array.from(filled.subarray(2, 6)).every(Number.isNaN));
  // Chunks the selection does not need are not read.
  assert.deepEqual(Array.from(await readSamples(store, spec, { indices: [5, 0] })), [
    50,
    51,
    0,
    1,
  ]);
});

Deno.test("readSamples() decodes through our Blosc checks: bytes numcodecs' Blosc accepts are CORRUPT", async () => {
  const spec = arraySpec("b.zarr", {
    shape: [8, 64],
    chunkSamples: 4,
    dtype: "float32",
    dimensionNames: ["sample", "k"],
  });
  const { store } = await written(spec, 64);
  const key = chunkStoreKey(spec, 1);
  const stored = (await store.get(key))!;
  const plain = Blosc.fromConfig({ id: "blosc" });
  for (
    const [what, bytes, message] of [
      ["trailing bytes", new Uint8Array([...stored, 1, 2, 3, 4]), /compressed bytes/],
      ["truncated", stored.subarray(0, stored.length - 10), /compressed bytes/],
    ] as const
  ) {
    // numcodecs decodes both without complaint ...
    assert.equal((await plain.decode(bytes)).length, 4 * 64 * 4, what);
    await store.set(key, bytes);
    // ... the reader refuses them, naming the chunk.
    await assert.rejects(readSamples(store, spec), (e: unknown) => {
      assert.ok(isStoreError("CORRUPT", `"${key}"`)(e));
      assert.match((e as Error).message, message);
      return true;
    }, what);
  }
  // A chunk of another array (other decoded size) is refused too.
  const small = arraySpec("s.zarr", {
    shape: [2, 64],
    chunkSamples: 2,
    dtype: "float32",
    dimensionNames: ["sample", "k"],
  });
  await store.set(key, (await (await written(small, 64)).store.get(chunkStoreKey(small, 0)))!);
  await assert.rejects(readSamples(store, spec), isStoreError("CORRUPT", "expected 1024"));
  await store.set(key, new TextEncoder().encode("not a Blosc buffer at all"));
  await assert.rejects(readSamples(store, spec), isStoreError("CORRUPT", `"${key}"`));
});

Deno.test("readSamples() reads uncompressed arrays and refuses a chunk of the wrong size", async () => {
  const spec = arraySpec("r.zarr", {
    shape: [5, 3],
    chunkSamples: 2,
    dtype: "float64",
    dimensionNames: ["sample", "k"],
    codec: null,
  });
  const { store, values } = await written(spec, 3);
  assert.deepEqual(Array.from(await readSamples(store, spec)), values);
  const key = chunkStoreKey(spec, 2);
  await store.set(key, (await store.get(key))!.subarray(0, 40));
  await assert.rejects(
    readSamples(store, spec, { range: [4, 5] }),
    isStoreError("CORRUPT", `"${key}": 5 values, expected 6`),
  );
});

Deno.test("zarrita writes Blosc chunks through our codec: the shuffle is really applied", async () => {
  // Importing the reader registered our codec; zarrita's own hands numcodecs
  // the v3 string "shuffle", which numcodecs reads as no shuffle.
  const map = new Map<string, Uint8Array>();
  const array = await zarrita.create(zarrita.root(map).resolve("w"), {
    shape: [256],
    chunkShape: [256],
    dtype: "float32",
    codecs: [
      { name: "bytes", configuration: { endian: "little" } },
      {
        name: "blosc",
        configuration: { cname: "zstd", clevel: 3, shuffle: "shuffle", typesize: 4, blocksize: 0 },
      },
    ],
  });
  const data = new Float32Array(256).map((_, i) => Math.sin(i / 10));
  await zarrita.set(array, null, { data, shape: [256], stride: [1] });
  const header = parseBloscHeader(map.get("/w/c/0")!);
  assert.equal(header.shuffle, "shuffle");
  assert.equal(header.compressor, "zstd");
  const back = await zarrita.get(array);
  assert.deepEqual(back.data, data);
});
