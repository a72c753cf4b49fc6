import assert from "node:assert/strict";
import { resolveConfig, UsageError } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { finalizeDataset } from "../src/pipeline/finalize.ts";
import { validateDataset } from "../src/pipeline/validate.ts";
import { readManifest } from "../src/manifest/manifest_io.ts";
import { parseSplitsJson } from "../src/splits.ts";
import { getWorld } from "../src/simulators/registry.ts";
import { loadDataset } from "../src/dataset/reader.ts";
import { openStore } from "../src/store/open_store.ts";
import { assertSameDataset, readTree, runTask, spawnTask } from "./_dataset_files.ts";

const CREATED = "2026-01-01T00:00:00.000Z";
const SMALL = { worlds: "all", n_samples: 150, T: 24, H: 6, chunk_samples: 32 };

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "ume-gen-" });
}

Deno.test("generateDataset() writes byte-identical datasets with 1 and 2 workers", async () => {
  const a = await tempDir(), b = await tempDir();
  try {
    await generateDataset(resolveConfig([{ ...SMALL, output: a, workers: 1 }], 1), {
      createdAt: CREATED,
    });
    const s = await generateDataset(resolveConfig([{ ...SMALL, output: b, workers: 2 }], 1), {
      createdAt: CREATED,
    });
    assert.equal(s.finalized, true);
    assert.equal(s.worlds.length, 6);
    await assertSameDataset(a, b);
    // Even the manifests are identical when the creation time is the same.
    assert.deepEqual(
      await Deno.readFile(`${a}/manifest.json`),
      await Deno.readFile(`${b}/manifest.json`),
    );
    // The ledger is gone, manifest is valid, every split is consistent.
    const tree = await readTree(a);
    assert.ok(![...tree.keys()].some((k) => k.startsWith(".ume/")));
    const report = await validateDataset(a, { resimulate: 4 });
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 5)));
    assert.equal(report.samplesResimulated, 24);
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("generateDataset() stores exactly what the simulators produce, seed global_seed + i", async () => {
  const dir = await tempDir();
  try {
    await generateDataset(
      resolveConfig([{
        worlds: "zlb,switching",
        n_samples: 40,
        T: 12,
        H: 5,
        seed: 7,
        output: dir,
        workers: 1,
      }], 1),
    );
    const store = await openStore(dir);
    for (const id of ["zlb", "switching"]) {
      const w = getWorld(id);
      const data = await loadDataset(store, id, { indices: [0, 39] });
      for (const [slot, i] of [[0, 0], [1, 39]]) {
        const s = w.generateSample(7 + i, 12, 5);
        const per = s.irfs.length;
        const got = data.arrays.irfs.data.subarray(slot * per, (slot + 1) * per);
        assert.deepEqual(Array.from(got), Array.from(Float32Array.from(s.irfs)));
        const th = data.arrays.theta.data.subarray(
          slot * s.theta.length,
          (slot + 1) * s.theta.length,
        );
        assert.deepEqual(Array.from(th), Array.from(Float32Array.from(s.theta)));
      }
    }
    const m = (await readManifest(store))!;
    assert.equal(m.rng_seeds.global, 7);
    assert.equal(m.simulators.zlb.n_samples, 40);
    // Splits: disjoint, covering, holdouts exactly the slice rule.
    const splits = parseSplitsJson(new TextDecoder().decode((await store.get("zlb/splits.json"))!));
    const all = Object.values(splits).flatMap((v) => Array.from(v)).sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 40 }, (_, i) => i));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generateDataset() refuses an existing output unless --resume or --overwrite", async () => {
  const dir = await tempDir();
  try {
    const base = { worlds: "nk", n_samples: 20, T: 8, H: 2, output: dir, workers: 1 };
    await generateDataset(resolveConfig([base], 1));
    await assert.rejects(generateDataset(resolveConfig([base], 1)), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /already holds a complete dataset.*--overwrite/);
      return true;
    });
    // --resume of the same configuration is a no-op; of another one, refused.
    const again = await generateDataset(resolveConfig([{ ...base, resume: true }], 1));
    assert.match(again.note ?? "", /complete already: nothing to do/);
    await assert.rejects(
      generateDataset(resolveConfig([{ ...base, seed: 7, resume: true }], 1)),
      /complete dataset of another configuration \(seed: 42 before, 7 now;/,
    );
    const s = await generateDataset(
      resolveConfig([{ ...base, n_samples: 25, overwrite: true }], 1),
    );
    assert.equal(s.worlds[0].nSamples, 25);
    const other = await tempDir();
    await Deno.writeTextFile(`${other}/notes.txt`, "mine");
    await assert.rejects(
      generateDataset(resolveConfig([{ ...base, output: other }], 1)),
      /not empty and holds no ume-data run/,
    );
    assert.equal(await Deno.readTextFile(`${other}/notes.txt`), "mine");
    await Deno.remove(other, { recursive: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate --resume after kill -9 finishes byte-identical to an uninterrupted run", async () => {
  const ref = await tempDir(), dir = await tempDir();
  const args = [
    "--world",
    "nk,zlb,var",
    "--n-samples",
    "3000",
    "--T",
    "60",
    "--H",
    "10",
    "--chunk-samples",
    "50",
    "--workers",
    "2",
    "--quiet",
  ];
  try {
    const full = await runTask("generate", [...args, "--output", ref]);
    assert.equal(full.code, 0, full.stderr);
    const child = spawnTask("generate", [...args, "--output", dir]);
    // Wait until some chunks are recorded, then kill the process hard.
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 20));
      let n = 0;
      try {
        for await (const _ of Deno.readDir(`${dir}/.ume/done/nk`)) n++;
      } catch { /* not yet */ }
      if (n >= 3) break;
    }
    child.kill("SIGKILL");
    await child.status;
    let manifestExists = true;
    try {
      await Deno.stat(`${dir}/manifest.json`);
    } catch {
      manifestExists = false;
    }
    assert.equal(manifestExists, false, "an interrupted run must not have a manifest");
    const again = await runTask("generate", [...args, "--output", dir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /error: .*unfinished run: pass --resume/);
    const other = await runTask("generate", [
      ...args,
      "--output",
      dir,
      "--resume",
      "--seed",
      "5",
    ]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /configuration differs.*seed: 42 before, 5 now/);
    const resumed = await runTask("generate", [...args, "--output", dir, "--resume", "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout);
    const skipped = summary.worlds.reduce(
      (a: number, w: { chunks_resumed: number }) => a + w.chunks_resumed,
      0,
    );
    assert.ok(skipped >= 3, `expected resumed chunks, got ${skipped}`);
    await assertSameDataset(ref, dir);
  } finally {
    await Deno.remove(ref, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate --resume redoes a chunk whose stored bytes were damaged", async () => {
  const ref = await tempDir(), dir = await tempDir();
  try {
    const base = { worlds: "rbc", n_samples: 100, T: 10, H: 3, chunk_samples: 20, workers: 1 };
    await generateDataset(resolveConfig([{ ...base, output: ref }], 1), { createdAt: CREATED });
    // A shard run leaves the ledger in place: use it as the "interrupted" state.
    await generateDataset(resolveConfig([{ ...base, output: dir, shard: "0/1" }], 1));
    const victim = `${dir}/rbc/irfs.zarr/c/2/0/0/0`;
    const bytes = await Deno.readFile(victim);
    bytes[bytes.length - 1] ^= 0xff;
    await Deno.writeFile(victim, bytes);
    const s = await generateDataset(resolveConfig([{ ...base, output: dir, resume: true }], 1), {
      createdAt: CREATED,
    });
    assert.equal(s.worlds[0].chunksResumed, 4);
    assert.equal(s.worlds[0].samplesGenerated, 20);
    await assertSameDataset(ref, dir);
  } finally {
    await Deno.remove(ref, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sharded generation + finalize equals a single run; finalize refuses missing shards", async () => {
  const ref = await tempDir(), dir = await tempDir();
  try {
    const base = {
      worlds: "lss,switching",
      n_samples: 130,
      T: 16,
      H: 4,
      chunk_samples: 16,
      workers: 1,
    };
    await generateDataset(resolveConfig([{ ...base, output: ref }], 1), { createdAt: CREATED });
    for (const shard of ["0/3", "2/3"]) {
      const s = await generateDataset(resolveConfig([{ ...base, output: dir, shard }], 1));
      assert.equal(s.finalized, false);
    }
    await assert.rejects(finalizeDataset(dir), (e: Error) => {
      assert.match(e.message, /lss is missing 3 of 9 chunks \(1, 4, 7\)/);
      assert.match(e.message, /switching is missing 3 of 9 chunks \(1, 4, 7\)/);
      return true;
    });
    await generateDataset(resolveConfig([{ ...base, output: dir, shard: "1/3" }], 1));
    const s = await finalizeDataset(dir, { createdAt: CREATED });
    assert.equal(s.finalized, true);
    await assertSameDataset(ref, dir);
    assert.match((await finalizeDataset(dir)).note ?? "", /finalized already: nothing to do/);
  } finally {
    await Deno.remove(ref, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generate CLI: bad input exits 2 with a clear message and writes nothing", async () => {
  const dir = `${await tempDir()}/out`;
  const cases: [string[], RegExp][] = [
    [["--world", "nk,dsge"], /Unknown world "dsge": choose from lss, var, nk, rbc, switching, zlb/],
    [["--n-samples", "0"], /Invalid --n-samples 0: must be between 1/],
    [["--n-samples", "ten"], /Invalid --n-samples "ten": expected an integer/],
    [["--version", "1.0"], /Invalid --version "1.0": expected semver/],
    [["--zarr-format", "4"], /Invalid --zarr-format 4/],
    [["--shard", "3/3"], /Invalid --shard "3\/3"/],
    [["--resume", "--overwrite"], /either --resume or --overwrite/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["--config", "/nonexistent/c.json"], /Cannot read config file/],
  ];
  try {
    for (const [args, pattern] of cases) {
      const r = await runTask("generate", [...args, "--output", dir]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^error: /);
      assert.match(r.stderr, pattern);
    }
    const cfg = `${await tempDir()}/c.json`;
    await Deno.writeTextFile(cfg, JSON.stringify({ n_samples: -3, wrold: "nk" }));
    const r = await runTask("generate", ["--config", cfg, "--output", dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Invalid config file .*\/n_samples: must be >= 1/);
    assert.match(r.stderr, /must NOT have additional properties "wrold"/);
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
    const help = await runTask("generate", ["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--n-samples N/);
  } finally {
    await Deno.remove(dir.replace(/\/out$/, ""), { recursive: true });
  }
});

Deno.test("generate CLI: config file values apply and flags override them", async () => {
  const root = await tempDir();
  try {
    const cfg = `${root}/c.json`;
    await Deno.writeTextFile(
      cfg,
      JSON.stringify({ worlds: ["rbc"], n_samples: 30, T: 9, H: 2, seed: 3 }),
    );
    const r = await runTask("generate", [
      "--config",
      cfg,
      "--n-samples",
      "12",
      "--output",
      `${root}/d`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(await Deno.readTextFile(`${root}/d/manifest.json`));
    assert.deepEqual(Object.keys(m.simulators), ["rbc"]);
    assert.equal(m.simulators.rbc.n_samples, 12);
    assert.equal(m.T, 9);
    assert.equal(m.rng_seeds.global, 3);
    assert.match(m.git_hash, /^([0-9a-f]{40}|unknown)$/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a run interrupted after manifest.json was written is completed by --resume / finalize", async () => {
  const dir = await tempDir();
  try {
    const base = {
      worlds: "nk",
      n_samples: 40,
      T: 8,
      H: 2,
      chunk_samples: 10,
      workers: 1,
      output: dir,
    };
    // A sharded run + finalize, then put a ledger file back as if the clean-up was cut off.
    await generateDataset(resolveConfig([{ ...base, shard: "0/1" }], 1));
    const run = await Deno.readFile(`${dir}/.ume/run.json`);
    const done = await Deno.readFile(`${dir}/.ume/done/nk/0.json`);
    await finalizeDataset(dir, { createdAt: CREATED });
    const before = await readTree(dir);
    await Deno.mkdir(`${dir}/.ume/done/nk`, { recursive: true });
    await Deno.writeFile(`${dir}/.ume/run.json`, run);
    await Deno.writeFile(`${dir}/.ume/done/nk/0.json`, done);
    assert.equal((await validateDataset(dir)).ok, false);
    const s = await generateDataset(resolveConfig([{ ...base, resume: true }], 1));
    assert.equal(s.finalized, true);
    assert.match(s.note ?? "", /complete already/);
    assert.deepEqual(await readTree(dir), before);
    assert.equal((await validateDataset(dir)).ok, true);
    // Same for finalize.
    await Deno.mkdir(`${dir}/.ume/done/nk`, { recursive: true });
    await Deno.writeFile(`${dir}/.ume/run.json`, run);
    const f = await finalizeDataset(dir);
    assert.match(f.note ?? "", /removed 1 file of the run ledger/);
    assert.deepEqual(await readTree(dir), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
