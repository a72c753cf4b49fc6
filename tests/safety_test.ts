/**
 * Never destroy what is not ours: `--overwrite` replaces only a ume-data
 * dataset or run and deletes only its keys; links are never followed; one
 * writer per output; a clean-up cut short at any step is finished by
 * `--resume` or `finalize`. Everything through the real tasks.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { readTree, ROOT, runTask } from "./_dataset_files.ts";
import { validateDataset } from "../src/pipeline/validate.ts";

const TINY = ["--world", "nk", "--n-samples", "12", "--T", "4", "--H", "1", "--quiet"];

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "ume_safety_" });
}

/** Every file and symlink under `dir` with its bytes (links as `-> target`), for before/after equality. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(rel: string): Promise<void> {
    for await (const e of Deno.readDir(rel ? join(dir, rel) : dir)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymlink) out.set(p, `-> ${await Deno.readLink(join(dir, p))}`);
      else if (e.isDirectory) await walk(p);
      else out.set(p, new TextDecoder().decode(await Deno.readFile(join(dir, p))));
    }
  }
  await walk("");
  return out;
}

Deno.test("--overwrite refuses a folder that is not a ume-data dataset (a checkout) and deletes nothing", async () => {
  const dir = await tempDir();
  try {
    await Deno.mkdir(join(dir, ".git"));
    await Deno.writeTextFile(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src", "a.ts"), "export const a = 1;\n");
    await Deno.writeTextFile(join(dir, "README.md"), "# mine\n");
    const before = await snapshot(dir);
    const r = await runTask("generate", [...TINY, "--output", dir, "--overwrite"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /Cannot overwrite .*: it holds no ume-data dataset or run \(no manifest\.json, no \.ume\/run\.json\) but 3 other files \(\.git\/HEAD, README\.md, src\/a\.ts\)/,
    );
    assert.deepEqual(await snapshot(dir), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--overwrite counts one file in the singular", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(join(dir, "notes.txt"), "mine");
    const r = await runTask("generate", [...TINY, "--output", dir, "--overwrite"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /but 1 other file \(notes\.txt\);/);
    assert.equal(await Deno.readTextFile(join(dir, "notes.txt")), "mine");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--overwrite refuses a dataset with someone else's files in it, and deletes nothing", async () => {
  const dir = join(await tempDir(), "ds");
  try {
    assert.equal((await runTask("generate", [...TINY, "--output", dir])).code, 0);
    await Deno.writeTextFile(join(dir, "notes.txt"), "mine");
    await Deno.writeTextFile(join(dir, "nk", "irfs.zarr", "README"), "mine too");
    const before = await snapshot(dir);
    const r = await runTask("generate", [...TINY, "--output", dir, "--overwrite"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /besides a ume-data dataset it holds 2 files that ume-data did not write \(nk\/irfs\.zarr\/README, notes\.txt\)/,
    );
    assert.deepEqual(await snapshot(dir), before);
  } finally {
    await Deno.remove(join(dir, ".."), { recursive: true });
  }
});

Deno.test("--overwrite replaces a ume-data dataset by deleting only its keys, and says so", async () => {
  const root = await tempDir();
  const dir = join(root, "ds");
  try {
    const first = await runTask("generate", [
      "--world",
      "nk,zlb",
      "--n-samples",
      "30",
      "--T",
      "6",
      "--H",
      "2",
      "--chunk-samples",
      "7",
      "--output",
      dir,
      "--quiet",
    ]);
    assert.equal(first.code, 0, first.stderr);
    await Deno.mkdir(join(dir, "empty-of-mine")); // a folder of the user's, holding nothing
    const r = await runTask("generate", [...TINY, "--output", dir, "--overwrite"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /note: Overwriting .*ds: it holds a ume-data dataset \(nk, zlb\); deleting its \d+ files, nothing else/,
    );
    assert.ok((await Deno.stat(join(dir, "empty-of-mine"))).isDirectory, "the user's folder stays");
    await assert.rejects(Deno.stat(join(dir, "zlb")), Deno.errors.NotFound);
    const ref = join(root, "ref");
    assert.equal((await runTask("generate", [...TINY, "--output", ref])).code, 0);
    const [a, b] = [await readTree(dir), await readTree(ref)];
    assert.deepEqual([...a.keys()], [...b.keys()]);
    assert.equal((await validateDataset(dir)).ok, true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("symbolic links inside an output are refused and never followed (resume, overwrite, links to ledger, worlds, chunks)", async () => {
  const root = await tempDir();
  const elsewhere = join(root, "elsewhere");
  try {
    await Deno.mkdir(elsewhere);
    await Deno.writeTextFile(join(elsewhere, "precious.txt"), "keep me");
    const cases: [string, (dir: string) => Promise<void>, string[]][] = [
      ["ledger folder", async (dir) => {
        await Deno.remove(join(dir, ".ume", "done", "nk"), { recursive: true });
        await Deno.symlink(elsewhere, join(dir, ".ume", "done", "nk"));
      }, ["--resume"]],
      ["world folder", async (dir) => {
        await Deno.remove(join(dir, "nk"), { recursive: true });
        await Deno.symlink(elsewhere, join(dir, "nk"));
      }, ["--resume"]],
      ["chunk", async (dir) => {
        const chunk = join(dir, "nk", "theta.zarr", "c", "0", "0");
        await Deno.remove(chunk);
        await Deno.symlink(join(elsewhere, "precious.txt"), chunk);
      }, ["--resume"]],
      ["world folder, overwrite", async (dir) => {
        await Deno.remove(join(dir, "nk"), { recursive: true });
        await Deno.symlink(elsewhere, join(dir, "nk"));
      }, ["--overwrite"]],
    ];
    for (const [what, plant, flags] of cases) {
      const dir = join(root, what.replaceAll(/[ ,]/g, "_"));
      // An unfinished run: one shard of two, so a ledger and chunks exist.
      const shard = await runTask("generate", [
        ...TINY,
        "--chunk-samples",
        "3",
        "--output",
        dir,
        "--shard",
        "0/2",
      ]);
      assert.equal(shard.code, 0, shard.stderr);
      await plant(dir);
      const before = await snapshot(root);
      const r = await runTask("generate", [
        ...TINY,
        "--chunk-samples",
        "3",
        "--output",
        dir,
        ...flags,
      ]);
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /holds symbolic links \(.*\); ume-data never writes, reads or deletes through links/,
        what,
      );
      assert.deepEqual(await snapshot(root), before, `${what}: nothing may change`);
      const f = await runTask("finalize", ["--output", dir]);
      assert.equal(f.code, 2, `${what}: ${f.stderr}`);
      assert.deepEqual(await snapshot(root), before, `${what}: finalize may change nothing`);
    }
    assert.equal(await Deno.readTextFile(join(elsewhere, "precious.txt")), "keep me");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Run scripts/generate.ts directly (one process, no task runner: the race is between processes). */
async function generateProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "scripts/generate.ts"), ...args],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("one writer per output: two generates racing for one output never both succeed (50 rounds)", async () => {
  const root = await tempDir();
  const losers = { claim: 0, unfinished: 0, complete: 0 };
  const round = async (n: number): Promise<void> => {
    const dir = join(root, `r${n}`);
    const args = [
      "--world",
      "nk",
      "--n-samples",
      "8",
      "--T",
      "3",
      "--H",
      "1",
      "--chunk-samples",
      "2",
    ];
    const [a, b] = await Promise.all([
      generateProcess([...args, "--quiet", "--output", dir]),
      generateProcess([...args, "--quiet", "--output", dir, "--seed", "1000"]),
    ]);
    const winners = [a, b].filter((r) => r.code === 0);
    assert.equal(winners.length, 1, `round ${n}: ${a.code} ${a.stderr} / ${b.code} ${b.stderr}`);
    const loser = a.code === 0 ? b : a;
    assert.equal(loser.code, 2, `round ${n}: ${loser.stderr}`);
    if (/Another run took output/.test(loser.stderr)) losers.claim++;
    else if (/holds an unfinished run/.test(loser.stderr)) losers.unfinished++;
    else if (/already holds a complete dataset/.test(loser.stderr)) losers.complete++;
    else assert.fail(`round ${n}: unexpected refusal ${loser.stderr}`);
    const seed = a.code === 0 ? 42 : 1000;
    const m = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
    assert.equal(m.rng_seeds.global, seed, `round ${n}`);
    // Every sample re-simulated from the manifest's seed: a mixed dataset cannot pass.
    const report = await validateDataset(dir, { resimulate: 8 });
    assert.equal(report.ok, true, `round ${n}: ${JSON.stringify(report.problems)}`);
  };
  try {
    for (let n = 0; n < 50; n += 2) await Promise.all([round(n), round(n + 1)]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  assert.equal(losers.claim + losers.unfinished + losers.complete, 50);
});

Deno.test("a clean-up cut short at any step is finished by --resume and by finalize (exit 0, same bytes)", async () => {
  const root = await tempDir();
  try {
    const args = [
      "--world",
      "nk,rbc",
      "--n-samples",
      "9",
      "--T",
      "4",
      "--H",
      "1",
      "--chunk-samples",
      "4",
      "--quiet",
    ];
    // The state just before the clean-up: manifest written, whole ledger left.
    const full = join(root, "full");
    assert.equal(
      (await runTask("generate", [...args, "--output", full, "--shard", "0/1"])).code,
      0,
    );
    const ledger = await readTree(join(full, ".ume"));
    assert.equal((await runTask("finalize", ["--output", full])).code, 0);
    const reference = await readTree(full);
    // The clean-up deletes every chunk entry, then the run record last.
    const entries = [...ledger.keys()].filter((k) => k !== "run.json").sort();
    const states: [string, string[]][] = [
      ["manifest written, whole ledger left", [...entries, "run.json"]],
      ["half the entries deleted", [...entries.slice(0, 3), "run.json"]],
      ["every entry deleted", ["run.json"]],
      ["run record deleted before entries (an older version)", entries.slice(2)],
    ];
    for (const task of ["resume", "finalize"] as const) {
      for (const [what, left] of states) {
        const dir = join(root, `${task}-${what.replaceAll(/\W+/g, "_")}`);
        await Deno.mkdir(dir, { recursive: true });
        for (const [key, bytes] of reference) {
          await Deno.mkdir(join(dir, key, ".."), { recursive: true });
          await Deno.writeFile(join(dir, key), bytes);
        }
        for (const key of left) {
          await Deno.mkdir(join(dir, ".ume", key, ".."), { recursive: true });
          await Deno.writeFile(join(dir, ".ume", key), ledger.get(key)!);
        }
        const r = task === "resume"
          ? await runTask("generate", [...args, "--output", dir, "--resume"])
          : await runTask("finalize", ["--output", dir]);
        assert.equal(r.code, 0, `${task} after "${what}": ${r.stderr}`);
        assert.deepEqual(await readTree(dir), reference, `${task} after "${what}"`);
        await assert.rejects(
          Deno.stat(join(dir, ".ume")),
          Deno.errors.NotFound,
          `${task}: ${what}`,
        );
      }
    }
    // --resume of a finished dataset is a no-op; with another configuration it is refused.
    const same = await runTask("generate", [...args, "--output", full, "--resume"]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /complete already: nothing to do/);
    const other = await runTask("generate", [...args, "--output", full, "--resume", "--seed", "3"]);
    assert.equal(other.code, 2);
    assert.deepEqual(await readTree(full), reference);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a chunk size above the sample count is clamped: chunks hold only samples that exist", async () => {
  const dir = join(await tempDir(), "ds");
  try {
    const r = await runTask("generate", [
      "--world",
      "rbc",
      "--n-samples",
      "50",
      "--chunk-samples",
      "200000",
      "--output",
      dir,
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const meta = JSON.parse(
      await Deno.readTextFile(join(dir, "rbc", "trajectories.zarr", "zarr.json")),
    );
    assert.deepEqual(meta.chunk_grid.configuration.chunk_shape, [50, 200, 3]);
    assert.equal((await validateDataset(dir)).ok, true);
  } finally {
    await Deno.remove(join(dir, ".."), { recursive: true });
  }
});

Deno.test("validate reports symbolic links inside a dataset and never reads through them", async () => {
  const root = await tempDir();
  try {
    const dir = join(root, "ds");
    assert.equal((await runTask("generate", [...TINY, "--output", dir])).code, 0);
    const chunk = join(dir, "nk", "theta.zarr", "c", "0", "0");
    await Deno.remove(chunk);
    await Deno.symlink("/etc/hostname", chunk);
    const report = await validateDataset(dir);
    assert.equal(report.ok, false);
    const links = report.problems.filter((p) => p.check === "symlinks");
    assert.deepEqual(links.map((p) => p.location), ["nk/theta.zarr/c/0/0"]);
    const v = await runTask("validate", ["--path", dir, "--json", "--quiet"]);
    assert.equal(v.code, 1);
    assert.ok(JSON.parse(v.stdout).problems.some((p: { check: string }) => p.check === "symlinks"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
