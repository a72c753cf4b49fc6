/**
 * Every claim of a dataset is checked: one edit per manifest leaf and per
 * Zarr attribute, each of which `validate` must report at that place; stray
 * keys; an edited seed caught by re-simulation.
 */

import assert from "node:assert/strict";
import { configHash } from "../src/manifest/hashing.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { validateDataset, type ValidationReport } from "../src/pipeline/validate.ts";
import type { ByteStore } from "../src/store/byte_store.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { runTask } from "./_dataset_files.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CREATED = "2025-03-01T00:00:00.000Z";

/** A store that reads through to a base store, with some keys replaced, added or deleted. */
class Overlay implements ByteStore {
  readonly url: string;
  #base: ByteStore;
  #changes = new Map<string, Uint8Array | undefined>();
  constructor(base: ByteStore) {
    this.#base = base;
    this.url = base.url;
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.#changes.has(key) ? Promise.resolve(this.#changes.get(key)) : this.#base.get(key);
  }
  set(key: string, value: Uint8Array): Promise<void> {
    this.#changes.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.#changes.set(key, undefined);
    return Promise.resolve();
  }
  async list(prefix = ""): Promise<string[]> {
    const keys = new Set(await this.#base.list(prefix));
    for (const [k, v] of this.#changes) {
      if (!k.startsWith(prefix)) continue;
      if (v === undefined) keys.delete(k);
      else keys.add(k);
    }
    return [...keys].sort();
  }
}

async function generated(zarrFormat: 2 | 3): Promise<MemoryStore> {
  const store = new MemoryStore(`claims-v${zarrFormat}`);
  await generateDataset(
    resolveConfig([{
      worlds: "all",
      n_samples: 8,
      T: 5,
      H: 2,
      chunk_samples: 4,
      zarr_format: zarrFormat,
      workers: 1,
    }], 1),
    { store, createdAt: CREATED },
  );
  return store;
}

const DATASETS = { 3: await generated(3), 2: await generated(2) };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

async function readJson(store: ByteStore, key: string): Promise<Json> {
  return JSON.parse(decoder.decode((await store.get(key))!));
}

function token(s: string): string {
  return s.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Every leaf of a JSON value: its pointer and value. */
function leaves(value: Json, pointer = ""): { pointer: string; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${pointer}/${i}`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, `${pointer}/${token(k)}`));
  }
  return [{ pointer, value }];
}

/** The field a leaf belongs to: array indices and chunk keys replaced by `*`. */
function fieldPath(pointer: string): string {
  return pointer.replace(/\/\d+(?=\/|$)/g, "/*").replace(/(chunk_sha256)\/[^/]+/, "$1/*");
}

/** One case per distinct field: the first, middle and last leaf of each. */
function sampled(all: { pointer: string; value: Json }[]): { pointer: string; value: Json }[] {
  const byField = new Map<string, { pointer: string; value: Json }[]>();
  for (const leaf of all) {
    const f = fieldPath(leaf.pointer);
    byField.set(f, [...(byField.get(f) ?? []), leaf]);
  }
  return [...byField.values()].flatMap((list) => [
    ...new Set([list[0], list[Math.floor(list.length / 2)], list[list.length - 1]]),
  ]);
}

/** A different value of the same kind that looks valid. */
function edited(value: Json, pointer: string): Json {
  if (typeof value === "boolean") return !value;
  if (value === null) return 0.5;
  if (typeof value === "number") {
    if (pointer.endsWith("/zarr_format")) return value === 3 ? 2 : 3;
    return Number.isInteger(value) ? value + 1 : value * 1.01;
  }
  if (typeof value === "string") {
    if (/^[0-9a-f]{64}$/.test(value)) return value.slice(0, -1) + (value.endsWith("0") ? "1" : "0");
    if (/^\d+\.\d+\.\d+$/.test(value)) return value.replace(/\d+$/, (d) => String(Number(d) + 1));
    return `${value}_edited`;
  }
  throw new TypeError(`Not a leaf: ${JSON.stringify(value)}`);
}

function setAt(doc: Json, pointer: string, value: Json): void {
  const parts = pointer.split("/").slice(1).map((p) =>
    p.replaceAll("~1", "/").replaceAll("~0", "~")
  );
  let node = doc as Record<string, Json>;
  for (const p of parts.slice(0, -1)) node = node[p] as Record<string, Json>;
  node[parts.at(-1)!] = value;
}

function located(report: ValidationReport, locations: readonly string[]): boolean {
  return report.problems.some((p) =>
    locations.some((l) => p.location === l || p.location.startsWith(`${l}/`))
  );
}

/** Where an edit of a manifest leaf must be reported: the leaf, or the chunk whose digest it is. */
function expectedLocations(manifest: Json, pointer: string): string[] {
  const out = [`manifest.json#${pointer}`];
  const digest = pointer.match(
    /^(\/simulators\/[^/]+\/(?:metadata_)?arrays\/[^/]+)\/chunk_sha256\/(.+)$/,
  );
  if (digest) {
    const array = leaves(manifest).find((l) => l.pointer === `${digest[1]}/path`)!.value;
    out.push(`${array}/${digest[2].replaceAll("~1", "/").replaceAll("~0", "~")}`);
  }
  return out;
}

interface Tally {
  cases: number;
  caught: number;
  missed: string[];
}

async function editManifestLeaves(zarrFormat: 2 | 3): Promise<Record<string, Tally>> {
  const base = DATASETS[zarrFormat];
  const manifest = await readJson(base, "manifest.json");
  const tallies: Record<string, Tally> = {};
  for (const { pointer, value } of sampled(leaves(manifest))) {
    const provenance = pointer === "/created_at" || pointer === "/git_hash";
    const kind = provenance ? "provenance" : value === null ? "null" : typeof value;
    const copy = structuredClone(manifest);
    setAt(
      copy,
      pointer,
      pointer === "/created_at"
        ? "2024-12-31T23:59:59.000Z"
        : pointer === "/git_hash"
        ? "0123456789abcdef0123456789abcdef01234567"
        : edited(value, pointer),
    );
    const store = new Overlay(base);
    await store.set("manifest.json", encoder.encode(JSON.stringify(copy, null, 2)));
    const report = await validateDataset(store, { resimulate: 0 });
    const tally = tallies[kind] ??= { cases: 0, caught: 0, missed: [] };
    tally.cases++;
    const ok = provenance ? report.ok : located(report, expectedLocations(manifest, pointer));
    if (ok) tally.caught++;
    else {
      tally.missed.push(
        `${pointer}: ${JSON.stringify(report.problems.slice(0, 3).map((p) => p.location))}`,
      );
    }
  }
  return tallies;
}

function assertAllCaught(tallies: Record<string, Tally>): void {
  const missed = Object.values(tallies).flatMap((t) => t.missed);
  assert.deepEqual(missed, [], `${missed.length} edits were not reported where made`);
  assert.ok(Object.values(tallies).reduce((s, t) => s + t.cases, 0) > 200);
}

for (const format of [3, 2] as const) {
  Deno.test(`validateDataset() reports an edit of every manifest field where it was made (zarr v${format})`, async () => {
    const base = await validateDataset(DATASETS[format]);
    assert.equal(base.ok, true, JSON.stringify(base.problems.slice(0, 5)));
    assertAllCaught(await editManifestLeaves(format));
  });
}

/** Every attribute of every metadata document: one edit each, reported in that document. */
async function editAttributes(zarrFormat: 2 | 3): Promise<Record<string, Tally>> {
  const base = DATASETS[zarrFormat];
  const docs = (await base.list()).filter((k) =>
    zarrFormat === 3 ? k.endsWith("zarr.json") : k.endsWith(".zattrs")
  );
  const tallies: Record<string, Tally> = {};
  for (const key of docs) {
    const doc = await readJson(base, key) as Record<string, Json>;
    const attributes = (zarrFormat === 3 ? doc.attributes : doc) as Record<string, Json>;
    for (const [name, value] of Object.entries(attributes)) {
      const pointer = `${zarrFormat === 3 ? "/attributes" : ""}/${token(name)}`;
      // An array: its first entry; an object (the root's params_parquet): each of its leaves.
      const cases = Array.isArray(value)
        ? [{ pointer: `${pointer}/0`, value: value[0] }]
        : leaves(value, pointer);
      for (const { pointer: leaf, value: first } of cases) {
        const copy = structuredClone(doc);
        setAt(copy, leaf, edited(first, leaf));
        const store = new Overlay(base);
        await store.set(key, encoder.encode(JSON.stringify(copy, null, 2)));
        const report = await validateDataset(store, { resimulate: 0 });
        const kind = Array.isArray(value) ? "attribute array entry" : `attribute ${typeof value}`;
        const tally = tallies[kind] ??= { cases: 0, caught: 0, missed: [] };
        tally.cases++;
        if (located(report, [`${key}#${leaf}`])) tally.caught++;
        else tally.missed.push(`${key}#${leaf}: ${JSON.stringify(report.problems.slice(0, 3))}`);
      }
    }
  }
  return tallies;
}

for (const format of [3, 2] as const) {
  Deno.test(`validateDataset() reports an edit of every Zarr attribute in its document (zarr v${format})`, async () => {
    const tallies = await editAttributes(format);
    const missed = Object.values(tallies).flatMap((t) => t.missed);
    assert.deepEqual(missed, []);
    assert.ok(Object.values(tallies).reduce((s, t) => s + t.cases, 0) > 100);
  });
}

Deno.test("validateDataset() reports a stray file at the root, an unknown folder and a leftover ledger", async () => {
  const store = new Overlay(DATASETS[3]);
  await store.set("notes.txt", encoder.encode("mine"));
  await store.set("extra/a.bin", new Uint8Array(3));
  await store.set("extra/b/c.bin", new Uint8Array(3));
  await store.set("nk/theta.zarr/c/9/0", new Uint8Array(3));
  await store.set(".ume/run.json", encoder.encode("{}"));
  const r = await validateDataset(store);
  const strays = r.problems.filter((p) => p.check === "stray-keys");
  assert.deepEqual(strays.map((p) => p.location).sort(), [
    ".ume/",
    "extra/",
    "nk/theta.zarr/c/9/0",
    "notes.txt",
  ]);
  assert.match(strays.find((p) => p.location === "extra/")!.message, /Unknown folder.*2 keys/);
  assert.match(
    strays.find((p) => p.location === ".ume/")!.message,
    /deno task finalize --output memory:\/\/claims-v3/,
  );
  assert.equal(r.problems.length, 4, JSON.stringify(r.problems));
});

/** Change the global seed everywhere the dataset records it (manifest and group attributes). */
async function reseeded(base: ByteStore, seed: number): Promise<Overlay> {
  const store = new Overlay(base);
  const m = await readJson(base, "manifest.json") as Record<string, Record<string, Json>>;
  (m.rng_seeds as Record<string, Json>).global = seed;
  // The root's consolidated copy of each world group's attributes too (v3).
  // deno-lint-ignore no-explicit-any
  const root = await readJson(base, "zarr.json") as any;
  for (const [world, w] of Object.entries(m.simulators as Record<string, Record<string, Json>>)) {
    const config = w.config as Record<string, Json>;
    config.global_seed = seed;
    w.config_hash = configHash(config);
    const group = await readJson(base, `${world}/zarr.json`) as Record<
      string,
      Record<string, Json>
    >;
    group.attributes.global_seed = seed;
    await store.set(`${world}/zarr.json`, encoder.encode(JSON.stringify(group, null, 2)));
    root.consolidated_metadata.metadata[world].attributes.global_seed = seed;
  }
  await store.set("zarr.json", encoder.encode(JSON.stringify(root, null, 2)));
  await store.set("manifest.json", encoder.encode(JSON.stringify(m, null, 2)));
  return store;
}

Deno.test("validateDataset() catches a consistently edited seed by re-simulation; resimulate 0 skips it", async () => {
  const store = await reseeded(DATASETS[3], 43);
  const r = await validateDataset(store);
  assert.equal(r.samplesResimulated, 18);
  assert.ok(r.problems.length > 0);
  assert.deepEqual([...new Set(r.problems.map((p) => p.check))], ["resimulate"]);
  assert.deepEqual([...new Set(r.problems.map((p) => p.world))].sort(), [
    "lss",
    "nk",
    "rbc",
    "switching",
    "var",
    "zlb",
  ]);
  assert.match(r.problems[0].message, /re-simulated with seed 4\d differs/);
  const skipped = await validateDataset(store, { resimulate: 0 });
  assert.equal(skipped.ok, true, JSON.stringify(skipped.problems.slice(0, 3)));
  assert.equal(skipped.samplesResimulated, 0);
});

Deno.test("validate CLI: re-simulates by default (exit 1 on an edited seed), --resimulate 0 skips", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ume-claims-" });
  try {
    const edited = await reseeded(DATASETS[3], 1000);
    for (const key of await edited.list()) {
      const path = `${dir}/${key}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(path, (await edited.get(key))!);
    }
    const byDefault = await runTask("validate", ["--path", dir, "--quiet"]);
    assert.equal(byDefault.code, 1, byDefault.stderr);
    assert.match(byDefault.stdout, /18 samples re-simulated/);
    assert.match(byDefault.stdout, /\[resimulate\] nk\/\w+\.zarr: Sample \d+ re-simulated/);
    const skipped = await runTask("validate", ["--path", dir, "--quiet", "--resimulate", "0"]);
    assert.equal(skipped.code, 0, skipped.stdout);
    const help = await runTask("validate", ["--help"]);
    assert.match(help.stdout, /--resimulate K .*\n.*default 3; 0 skips/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
