import assert from "node:assert/strict";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { validateDataset, type ValidationReport } from "../src/pipeline/validate.ts";
import { openStore } from "../src/store/open_store.ts";
import { readArraySpec } from "../src/zarr/metadata.ts";
import { decodeChunk, encodeChunk } from "../src/zarr/chunk.ts";
import { sha256Hex } from "../src/zarr/digest.ts";
import { runTask } from "./_dataset_files.ts";

const ROOT = await Deno.makeTempDir({ prefix: "ume-val-" });
const GOOD = `${ROOT}/good`;
await generateDataset(
  resolveConfig([{
    worlds: "nk,switching",
    n_samples: 120,
    T: 16,
    H: 4,
    chunk_samples: 40,
    output: GOOD,
    workers: 1,
  }], 1),
);

let copies = 0;
async function copy(): Promise<string> {
  const dst = `${ROOT}/copy${copies++}`;
  const cp = await new Deno.Command("cp", { args: ["-r", GOOD, dst] }).output();
  assert.equal(cp.code, 0);
  return dst;
}

function only(report: ValidationReport, check: string, location: string | RegExp): void {
  assert.equal(report.ok, false);
  const hit = report.problems.find((p) =>
    p.check === check &&
    (typeof location === "string" ? p.location === location : location.test(p.location))
  );
  assert.ok(
    hit,
    `expected a ${check} problem at ${location}, got ${JSON.stringify(report.problems, null, 1)}`,
  );
}

// deno-lint-ignore no-explicit-any
async function editManifest(dir: string, edit: (m: Record<string, any>) => void): Promise<void> {
  const m = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
  edit(m);
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(m, null, 2));
}

/** Decode a chunk, change it, re-encode it, and update the manifest digest: a "consistent" tamper. */
async function tamper(
  dir: string,
  world: string,
  array: string,
  chunk: number,
  change: (values: Float32Array) => void,
): Promise<string> {
  const store = await openStore(dir);
  const spec = (await readArraySpec(store, `${world}/${array}.zarr`))!;
  const rel = `c/${chunk}/${spec.shape.slice(1).map(() => 0).join("/")}`.replace(/\/$/, "");
  const key = `${world}/${array}.zarr/${rel}`;
  const values = await decodeChunk(spec, (await store.get(key))!) as Float32Array;
  change(values);
  const bytes = await encodeChunk(
    spec,
    new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  );
  await store.set(key, bytes);
  const digest = await sha256Hex(bytes);
  await editManifest(dir, (m) => {
    m.simulators[world].arrays[array].chunk_sha256[rel] = digest;
  });
  // Keep the stored-bytes total consistent, so only the intended check fires.
  const total = (await Promise.all(
    Object.keys(
      JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`)).simulators[world].arrays[array]
        .chunk_sha256,
    )
      .map(async (r) => (await store.get(`${world}/${array}.zarr/${r}`))!.length),
  )).reduce((a, b) => a + b, 0);
  await editManifest(dir, (m) => {
    m.simulators[world].arrays[array].stored_bytes = total;
  });
  return key;
}

Deno.test("validateDataset() passes a good dataset and re-simulates byte-identically", async () => {
  const r = await validateDataset(GOOD, { resimulate: 5 });
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.equal(r.samplesResimulated, 10);
  assert.ok(r.chunksVerified > 0);
  assert.ok(r.checks["chunk-digest"] > 0 && r.checks["splits"] === 2);
});

Deno.test("validateDataset() locates a flipped byte", async () => {
  const dir = await copy();
  const key = "nk/irfs.zarr/c/1/0/0/0";
  const b = await Deno.readFile(`${dir}/${key}`);
  b[40] ^= 0x10;
  await Deno.writeFile(`${dir}/${key}`, b);
  only(await validateDataset(dir), "chunk-digest", key);
});

Deno.test("validateDataset() locates a truncated chunk", async () => {
  const dir = await copy();
  const key = "switching/trajectories.zarr/c/2/0/0";
  const b = await Deno.readFile(`${dir}/${key}`);
  await Deno.writeFile(`${dir}/${key}`, b.subarray(0, b.length - 7));
  const r = await validateDataset(dir);
  only(r, "chunk-digest", key);
  only(
    r,
    "manifest-claims",
    "manifest.json#/simulators/switching/arrays/trajectories/stored_bytes",
  );
});

Deno.test("validateDataset() locates a deleted chunk, a stray one and a deleted splits.json", async () => {
  const dir = await copy();
  await Deno.remove(`${dir}/nk/theta.zarr/c/0/0`);
  await Deno.remove(`${dir}/nk/splits.json`);
  await Deno.mkdir(`${dir}/nk/theta.zarr/c/3`);
  await Deno.writeFile(`${dir}/nk/theta.zarr/c/3/0`, new Uint8Array(16));
  const r = await validateDataset(dir);
  only(r, "chunk-present", "nk/theta.zarr/c/0/0");
  only(r, "stray-keys", "nk/theta.zarr/c/3/0");
  only(r, "splits", "nk/splits.json");
});

Deno.test("validateDataset() reports manifest schema violations with JSON paths", async () => {
  const dir = await copy();
  await editManifest(dir, (m) => {
    m.version = "1.0";
    m.simulators.nk.param_manifest.bounds.pop();
  });
  const r = await validateDataset(dir);
  only(r, "manifest", "manifest.json#/version");
  only(r, "manifest", /^manifest\.json#\/simulators\/nk\/param_manifest/);
});

Deno.test("validateDataset() catches a manifest whose shapes disagree with the arrays", async () => {
  const dir = await copy();
  await editManifest(dir, (m) => {
    m.simulators.switching.arrays.irfs.shape[2] = 9;
  });
  only(
    await validateDataset(dir),
    "manifest-claims",
    "manifest.json#/simulators/switching/arrays/irfs/shape/2",
  );
});

Deno.test("validateDataset() catches a sample moved from a holdout into train", async () => {
  const dir = await copy();
  const splits = JSON.parse(await Deno.readTextFile(`${dir}/nk/splits.json`));
  const moved = splits.test_extrapolation_slice.shift();
  splits.train.push(moved);
  splits.train.sort((a: number, b: number) => a - b);
  await Deno.writeTextFile(`${dir}/nk/splits.json`, JSON.stringify(splits));
  const r = await validateDataset(dir);
  only(r, "splits", /^nk\/splits\.json#/);
  assert.ok(r.problems.some((p) => p.message.includes(String(moved))));
});

Deno.test("validateDataset() finds NaN and out-of-bounds theta even with consistent digests", async () => {
  const dir = await copy();
  const k1 = await tamper(dir, "nk", "trajectories", 0, (v) => {
    v[5] = NaN;
  });
  const k2 = await tamper(dir, "nk", "theta", 1, (v) => {
    v[3] = 99; // phi_pi far above its bound
  });
  const r = await validateDataset(dir);
  only(r, "finite", k1);
  only(r, "theta-bounds", k2);
  assert.ok(!r.problems.some((p) => p.check === "chunk-digest"));
});

Deno.test("validateDataset() --resimulate catches a consistent edit of stored values", async () => {
  const dir = await copy();
  await tamper(dir, "switching", "irfs", 0, (v) => {
    for (let i = 0; i < v.length; i++) v[i] *= 1.0001;
  });
  assert.equal((await validateDataset(dir, { resimulate: 0 })).ok, true);
  only(await validateDataset(dir, { resimulate: 120 }), "resimulate", "switching/irfs.zarr");
});

Deno.test("validate CLI: exit 0 valid, 1 invalid (with --json), 2 bad input (no dataset at --path)", async () => {
  const ok = await runTask("validate", ["--path", GOOD, "--quiet"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /valid \(nk, switching;/);
  const dir = await copy();
  await Deno.remove(`${dir}/switching/splits.json`);
  const bad = await runTask("validate", ["--path", dir, "--json", "--quiet"]);
  assert.equal(bad.code, 1);
  const report = JSON.parse(bad.stdout);
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems.map((p: { location: string }) => p.location), [
    "switching/splits.json",
  ]);
  const none = await runTask("validate", ["--path", `${ROOT}/nothing`]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /error: Cannot validate .*nothing is there/);
  const w = await runTask("validate", ["--path", GOOD, "--world", "zlb"]);
  assert.equal(w.code, 2);
  assert.match(w.stderr, /error: World "zlb" is not in this dataset: it has nk, switching/);
  const k = await runTask("validate", ["--path", GOOD, "--resimulate", "-1"]);
  assert.equal(k.code, 2);
});

Deno.test({
  name: "validate tests clean up",
  fn: async () => {
    await Deno.remove(ROOT, { recursive: true });
  },
});
