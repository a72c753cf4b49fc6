import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ByteStore } from "../src/store/byte_store.ts";
import { LocalStore } from "../src/store/local_store.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { openStore } from "../src/store/open_store.ts";
import { StoreError } from "../src/store/store_error.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ume-store-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function walkFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) out.push(...await walkFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Behaviour every store must have. */
async function storeContract(store: ByteStore): Promise<void> {
  assert.equal(await store.get("missing"), undefined);
  assert.deepEqual(await store.list(), []);

  await store.set("a/b", bytes(1, 2, 3));
  await store.set("a/bc", bytes(4));
  await store.set("ab", bytes(5));
  await store.set("a/x/c", bytes(6));
  await store.set("b/z.json", bytes());
  assert.deepEqual(await store.get("a/b"), bytes(1, 2, 3));
  assert.deepEqual(await store.get("b/z.json"), bytes());

  // list: sorted, prefix-exact (string prefix, not a folder glob)
  assert.deepEqual(await store.list(), ["a/b", "a/bc", "a/x/c", "ab", "b/z.json"]);
  assert.deepEqual(await store.list("a/"), ["a/b", "a/bc", "a/x/c"]);
  assert.deepEqual(await store.list("a/b"), ["a/b", "a/bc"]);
  assert.deepEqual(await store.list("a"), ["a/b", "a/bc", "a/x/c", "ab"]);
  assert.deepEqual(await store.list("a/x/"), ["a/x/c"]);
  assert.deepEqual(await store.list("nothing/"), []);
  assert.deepEqual(await store.list("b/z.json"), ["b/z.json"]);

  // overwrite replaces the whole value
  await store.set("a/b", bytes(9));
  assert.deepEqual(await store.get("a/b"), bytes(9));

  // callers may reuse their buffers
  const buffer = bytes(7, 7);
  await store.set("reuse", buffer);
  buffer[0] = 0;
  assert.deepEqual(await store.get("reuse"), bytes(7, 7));

  // getRange: inside, clipped at the end, past the end, missing key
  await store.set("range", bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  assert.deepEqual(await store.getRange!("range", 2, 3), bytes(2, 3, 4));
  assert.deepEqual(await store.getRange!("range", 8, 10), bytes(8, 9));
  assert.deepEqual(await store.getRange!("range", 20, 2), bytes());
  assert.equal(await store.getRange!("nope", 0, 1), undefined);
  await assert.rejects(store.getRange!("range", -1, 2), RangeError);

  // delete: existing and missing keys
  await store.delete("a/bc");
  await store.delete("a/bc");
  await store.delete("never/was");
  assert.equal(await store.get("a/bc"), undefined);
  assert.deepEqual(await store.list("a/"), ["a/b", "a/x/c"]);

  // keys must be clean relative paths
  for (const key of ["", "/abs", "a//b", "../up", "a/./b", "a/../b", "trailing/"]) {
    await assert.rejects(
      store.set(key, bytes(1)),
      (error: unknown) => error instanceof StoreError && error.code === "INVALID_KEY",
      `key ${JSON.stringify(key)}`,
    );
  }
  await assert.rejects(store.list("../"), StoreError);
}

Deno.test("MemoryStore satisfies the store contract", async () => {
  await storeContract(new MemoryStore("contract"));
});

Deno.test("LocalStore satisfies the store contract", async () => {
  await withTempDir(async (dir) => {
    await storeContract(new LocalStore(join(dir, "root")));
  });
});

Deno.test("MemoryStore keeps a key and keys below it apart", async () => {
  const store = new MemoryStore();
  await store.set("a/b", bytes(1));
  await store.set("a/b/c", bytes(2));
  assert.deepEqual(await store.list("a/b/"), ["a/b/c"]);
  assert.deepEqual(await store.list("a/b"), ["a/b", "a/b/c"]);
  assert.equal(store.size, 2);
});

Deno.test("LocalStore writes atomically and leaves no temporary files", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalStore(dir);
    const big = (fill: number): Uint8Array => new Uint8Array(1 << 20).fill(fill);
    // Many concurrent writers of the same key: the final value is one of them, whole.
    await Promise.all(Array.from({ length: 16 }, (_, k) => store.set("deep/er/same", big(k + 1))));
    const value = (await store.get("deep/er/same"))!;
    assert.equal(value.length, 1 << 20);
    assert.ok(value.every((b) => b === value[0]) && value[0] >= 1 && value[0] <= 16);
    for (let k = 0; k < 20; k++) await store.set(`deep/k${k}`, bytes(k));
    const files = await walkFiles(dir);
    assert.ok(!files.some((f) => f.endsWith(".tmp")), `temp files left: ${files.join(", ")}`);
    assert.equal(files.length, 21);
    assert.deepEqual(files, await store.list());
  });
});

Deno.test("LocalStore does not list temporary files of interrupted writes", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalStore(dir);
    await store.set("w/chunk", bytes(1));
    await Deno.writeFile(join(dir, "w", ".chunk.0123456789abcdef.tmp"), bytes(2));
    assert.deepEqual(await store.list(), ["w/chunk"]);
  });
});

Deno.test("LocalStore.removeTempFiles() deletes only temporary files of the keys it is told are ours", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalStore(dir);
    await store.set("a/c/0", bytes(1));
    await store.set("b/c/0", bytes(2));
    await Deno.writeFile(join(dir, "a", "c", ".0.00112233445566ff.tmp"), bytes(3));
    await Deno.writeFile(join(dir, "b", "c", ".0.ffeeddccbbaa9988.tmp"), bytes(4));
    await Deno.writeFile(join(dir, "a", "c", ".hidden.tmp"), bytes(5)); // not our pattern
    assert.deepEqual(await store.removeTempFiles((k) => k.startsWith("a/")), [
      "a/c/.0.00112233445566ff.tmp",
    ]);
    assert.deepEqual(await walkFiles(dir), [
      "a/c/.hidden.tmp",
      "a/c/0",
      "b/c/.0.ffeeddccbbaa9988.tmp",
      "b/c/0",
    ]);
    assert.deepEqual(await store.removeTempFiles(), ["b/c/.0.ffeeddccbbaa9988.tmp"]);
    assert.deepEqual(await store.list(), ["a/c/.hidden.tmp", "a/c/0", "b/c/0"]);
  });
});

Deno.test("LocalStore reports file-system failures as StoreError IO", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalStore(dir);
    await store.set("file", bytes(1));
    // "file" is a file, so "file/child" cannot be created.
    await assert.rejects(
      store.set("file/child", bytes(2)),
      (error: unknown) =>
        error instanceof StoreError && error.code === "IO" &&
        /Cannot write "file\/child"/.test(error.message),
    );
    assert.deepEqual(await store.list(), ["file"]);
  });
});

Deno.test("openStore() resolves paths, file URLs and memory URLs", async () => {
  await withTempDir(async (dir) => {
    const byPath = await openStore(dir);
    assert.ok(byPath instanceof LocalStore);
    await byPath.set("x/y", bytes(3));
    const url = pathToFileURL(dir).href;
    const byUrl = await openStore(url);
    assert.ok(byUrl instanceof LocalStore);
    assert.equal(byUrl.url, url);
    assert.equal((byUrl as LocalStore).root, (byPath as LocalStore).root);
    assert.deepEqual(await byUrl.get("x/y"), bytes(3));
  });
  const a = await openStore("memory://store-test");
  const b = await openStore("memory://store-test");
  assert.ok(a instanceof MemoryStore);
  assert.equal(a, b);
  assert.notEqual(await openStore("memory://other"), a);
});

Deno.test("openStore() rejects an unknown scheme", async () => {
  for (const url of ["ftp://host/x", "gs://bucket/p", "http://127.0.0.1/x"]) {
    await assert.rejects(
      openStore(url),
      (error: unknown) =>
        error instanceof StoreError && error.code === "UNSUPPORTED_SCHEME" &&
        error.message.includes(url),
    );
  }
  await assert.rejects(openStore(""), TypeError);
});

Deno.test("openStore() loads the S3 store on demand for s3:// URLs", async () => {
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_S3"];
  const saved = names.map((name) => Deno.env.get(name));
  try {
    Deno.env.set("AWS_ACCESS_KEY_ID", "test-key");
    Deno.env.set("AWS_SECRET_ACCESS_KEY", "test-secret");
    Deno.env.set("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9");
    const { S3Store } = await import("../src/store/s3_store.ts");
    const store = await openStore("s3://bucket/some/prefix/");
    assert.ok(store instanceof S3Store);
    assert.equal(store.url, "s3://bucket/some/prefix/");
    await store.close?.();
  } finally {
    names.forEach((name, k) => {
      if (saved[k] === undefined) Deno.env.delete(name);
      else Deno.env.set(name, saved[k]!);
    });
  }
});

Deno.test("LocalStore.setIfAbsent() creates once and leaves no temporary file, won or lost", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalStore(dir);
    const results = await Promise.all(
      [1, 2, 3, 4].map((b) => store.setIfAbsent("a/run.json", bytes(b))),
    );
    assert.equal(results.filter((r) => r).length, 1);
    assert.deepEqual([...Deno.readDirSync(join(dir, "a"))].map((e) => e.name), ["run.json"]);
    assert.equal(await store.setIfAbsent("a/run.json", (await store.get("a/run.json"))!), true);
  });
});
