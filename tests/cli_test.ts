/**
 * The tasks as users run them (`deno task ...`, with the permissions
 * deno.json grants): every numeric flag, every path flag the runtime may
 * refuse, the batch engines' shard variables, the codec's chunk limit, and
 * one exit-code rule for all tasks.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, ROOT, runTask, type TaskName } from "./_dataset_files.ts";

const TINY = ["--world", "nk", "--n-samples", "6", "--T", "4", "--H", "1", "--quiet"];

/** A finished tiny dataset, generated once through the task. */
let dataset: Promise<string> | undefined;
function tinyDataset(): Promise<string> {
  dataset ??= (async () => {
    const dir = join(await Deno.makeTempDir({ prefix: "ume_cli_" }), "v1");
    const r = await runTask("generate", [...TINY, "--output", dir]);
    assert.equal(r.code, 0, r.stderr);
    return dir;
  })();
  return dataset;
}

Deno.test("generate --shard auto/N reads the index of every batch engine through the task", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_cli_shard_" });
  try {
    for (
      const variable of ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID"]
    ) {
      const out = join(root, variable);
      const r = await runTask(
        "generate",
        [...TINY, "--chunk-samples", "2", "--output", out, "--shard", "auto/3", "--json"],
        { [variable]: "1" },
      );
      assert.equal(r.code, 0, `${variable}: ${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout).shard, { index: 1, count: 3 }, variable);
      // Shard 1 of 3 owns chunk 1 of the 3 chunks of nk.
      assert.deepEqual([...Deno.readDirSync(join(out, ".ume/done/nk"))].map((e) => e.name), [
        "1.json",
      ]);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a denied environment variable is reported as denied, not as unset", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-sys",
      join(ROOT, "scripts/generate.ts"),
      "--shard",
      "auto/2",
      "--output",
      "/tmp/never-written",
    ],
    env: { NO_COLOR: "1", JOB_COMPLETION_INDEX: "0" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, stderr);
  assert.match(
    stderr,
    /Cannot read the environment variable JOB_COMPLETION_INDEX: this process is not permitted/,
  );
  assert.doesNotMatch(stderr, /is set|allow-all/);
});

Deno.test("generate refuses a chunk the codec cannot encode before any compute, also on --resume", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_cli_codec_" });
  try {
    const out = join(root, "big");
    const args = [
      "--world",
      "rbc",
      "--n-samples",
      "600",
      "--chunk-samples",
      "600",
      "--T",
      "100000",
      "--H",
      "1",
      "--workers",
      "1",
      "--output",
      out,
    ];
    for (const extra of [[], ["--resume"]]) {
      const t0 = performance.now();
      const r = await runTask("generate", [...args, ...extra]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /rbc\/trajectories\.zarr chunks of 720 MB, above the 512 MiB .*use --chunk-samples 447 or less/,
      );
      assert.equal(await exists(out), false, "nothing may be written");
      assert.ok(performance.now() - t0 < 30_000, "refused before simulating");
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Every numeric flag of every task, with a value that is out of range below. */
const NUMERIC_FLAGS: [TaskName, string, RegExp][] = [
  ["generate", "n-samples", /Invalid --n-samples -5: must be between 1 and/],
  ["generate", "seed", /Invalid --seed -5: must be between 0 and/],
  ["generate", "T", /Invalid --T -5: must be between 1 and/],
  ["generate", "H", /Invalid --H -5: must be between 1 and/],
  ["generate", "workers", /Invalid --workers -5: must be between 1 and/],
  ["generate", "zarr-format", /Invalid --zarr-format -5: must be between 2 and 3/],
  ["generate", "chunk-samples", /Invalid --chunk-samples -5: must be between 1 and/],
  ["generate", "split-seed", /Invalid --split-seed -5: must be between 0 and/],
  ["validate", "resimulate", /Invalid --resimulate -5: must be between 0 and/],
  ["report", "max-samples", /Invalid --max-samples -5: must be between 1 and/],
  ["report", "sample-paths", /Invalid --sample-paths -5: must be between 0 and/],
];

Deno.test("every numeric flag of every task gives its range error for a negative number, in both spellings", async () => {
  for (const [task, flag, pattern] of NUMERIC_FLAGS) {
    for (const args of [[`--${flag}`, "-5"], [`--${flag}=-5`]]) {
      const output = task === "generate" ? ["--output", "/tmp/never-written"] : [];
      const r = await runTask(task, [...args, ...output]);
      assert.equal(r.code, 2, `${task} ${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, pattern, `${task} ${args.join(" ")}`);
      assert.doesNotMatch(r.stderr, /ambiguous/);
    }
  }
  assert.equal(await exists("/tmp/never-written"), false);
});

/** Every path flag of every task, pointed into each folder the runtime refuses. */
const PATH_FLAGS: [TaskName, string][] = [
  ["generate", "--output"],
  ["finalize", "--output"],
  ["validate", "--path"],
  ["report", "--path"],
  ["report", "--out"],
];

Deno.test("every path flag of every task explains a system folder in our words (exit 2)", async () => {
  const path = await tinyDataset();
  for (const folder of ["/proc", "/sys", "/dev"]) {
    for (const [task, flag] of PATH_FLAGS) {
      const target = `${folder}/ume-${task}`;
      const args = task === "report" && flag === "--out"
        ? ["--path", path, "--out", `${target}.html`]
        : [flag, target, ...(task === "generate" ? TINY : [])];
      const r = await runTask(task, args);
      const what = `${task} ${flag} ${target}`;
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`${folder} is a system folder that ume-data tasks may not use`),
        what,
      );
      assert.doesNotMatch(r.stderr, /allow-all|--allow-|run again with/, what);
    }
  }
});

Deno.test("one exit-code rule: a path that holds no dataset is bad input (2) for validate and report", async () => {
  const path = await tinyDataset();
  const empty = await Deno.makeTempDir({ prefix: "ume_cli_empty_" });
  try {
    for (const task of ["validate", "report"] as const) {
      const none = await runTask(task, ["--path", join(empty, "nothing")]);
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /nothing is there/);
      const world = await runTask(task, ["--path", join(path, "nk")]);
      assert.equal(world.code, 2, world.stderr);
      assert.match(
        world.stderr,
        new RegExp(
          `world folder "nk" of a dataset, not a dataset: use --path ${path} \\(and --world nk`,
        ),
      );
    }
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("finalize has its own help; report defaults its path and writes beside the dataset", async () => {
  const help = await runTask("finalize", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task finalize/);
  assert.doesNotMatch(help.stdout, /--n-samples/);
  for (const task of ["generate", "validate", "report"] as const) {
    const h = await runTask(task, ["--help"]);
    assert.match(h.stdout, new RegExp(`^Usage: deno task ${task}`));
  }
  const path = await tinyDataset();
  const r = await runTask("report", ["--path", path, "--max-samples", "3"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(await exists(`${path}.report.html`), "the report lands beside the dataset");
  assert.deepEqual(
    [...Deno.readDirSync(path)].map((e) => e.name).filter((n) => n.endsWith(".html")),
    [],
  );
  const v = await runTask("validate", ["--path", path, "--quiet"]);
  assert.equal(v.code, 0, v.stdout);
  // Without --path, validate and report both read ./datasets/v1.0 (relative to the repository).
  for (const task of ["validate", "report"] as const) {
    const d = await runTask(task, ["--help"]);
    assert.match(d.stdout, /--path PATH\|URL .*\n?.*default \.\/datasets\/v1\.0/);
  }
});

Deno.test("an output path too long for the file system is refused up front, nothing written", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_cli_long_" });
  try {
    const long = join(root, ...Array.from({ length: 21 }, () => "d".repeat(190)));
    const r = await runTask("generate", [...TINY, "--output", long]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the file system allows 4,095: choose a shorter --output/);
    assert.deepEqual([...Deno.readDirSync(root)], [], "nothing may be written");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a path that is a file (or under one) is bad input (2) for every task, named as such", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_cli_file_" });
  try {
    const file = join(root, "afile");
    await Deno.writeTextFile(file, "not a dataset");
    const runs: [TaskName, string[]][] = [
      ["validate", ["--path", file]],
      ["validate", ["--path", join(file, "x")]],
      ["report", ["--path", file, "--out", join(root, "r.html")]],
      ["report", ["--path", join(file, "x"), "--out", join(root, "r.html")]],
      ["finalize", ["--output", file]],
      ["finalize", ["--output", join(file, "x")]],
      ["generate", [...TINY, "--output", file]],
      ["generate", [...TINY, "--output", join(file, "x")]],
    ];
    for (const [task, args] of runs) {
      const r = await runTask(task, args);
      const what = `${task} ${args.join(" ")}`;
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /it is a file, not a dataset folder|a part of the path is a file, not a folder, so it cannot be a dataset folder/,
        what,
      );
      assert.doesNotMatch(r.stderr, /hint:|Cannot read "manifest\.json"/, what);
    }
    assert.equal(await Deno.readTextFile(file), "not a dataset");
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["afile"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("report refuses an --out inside the dataset (2) and names the place to use", async () => {
  const path = await tinyDataset();
  for (const out of [join(path, "inside.html"), join(path, "nk", "inside.html")]) {
    const r = await runTask("report", ["--path", `${path}/`, "--out", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /it is inside the dataset .*--out .*v1\.report\.html \(the default\)/);
    assert.ok(!(await exists(out)), "nothing written inside the dataset");
  }
  const v = await runTask("validate", ["--path", path, "--quiet"]);
  assert.equal(v.code, 0, v.stdout);
});

const SHARDED = [
  "--world",
  "nk,rbc",
  "--n-samples",
  "30",
  "--T",
  "6",
  "--H",
  "2",
  "--chunk-samples",
  "10",
  "--seed",
  "3",
  "--quiet",
];

Deno.test("--resume takes the interrupted run's options: the command validate suggests works as written", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_cli_resume_" });
  try {
    const dir = join(root, "ds");
    const shard = await runTask("generate", [...SHARDED, "--shard", "0/2", "--output", dir]);
    assert.equal(shard.code, 0, shard.stderr);
    const v = await runTask("validate", ["--path", dir]);
    assert.equal(v.code, 2, v.stderr);
    const suggested = /finish it with "deno task (generate [^"]+)"/.exec(v.stderr)?.[1];
    assert.equal(suggested, `generate --resume --output ${dir}`);
    // An option given explicitly that differs is still refused, naming only it.
    const other = await runTask("generate", ["--resume", "--output", dir, "--n-samples", "40"]);
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /differs from the interrupted run \(n_samples: 30 before, 40 now\)/);
    assert.doesNotMatch(other.stderr, /chunk_samples|world_version/);
    // Exactly the suggested command (--json only changes how the summary is printed).
    const resumed = await runTask("generate", [...suggested!.split(" ").slice(1), "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout);
    assert.deepEqual(summary.worlds.map((w: { world: string }) => w.world), ["nk", "rbc"]);
    const skipped = summary.worlds.reduce(
      (a: number, w: { chunks_resumed: number }) => a + w.chunks_resumed,
      0,
    );
    assert.equal(skipped, 3, "the three chunks shard 0/2 wrote are kept");
    const ok = await runTask("validate", ["--path", dir, "--quiet", "--json"]);
    assert.equal(ok.code, 0, ok.stdout);
    const report = JSON.parse(ok.stdout);
    assert.deepEqual(report.worlds, ["nk", "rbc"]);
    // A finished dataset: --resume alone, with its recorded options, is a no-op.
    const again = await runTask("generate", ["--resume", "--output", dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /complete already: nothing to do/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a failed finalize names the plan tasks of the missing chunks and the shard rule; the shard it implies finishes the run", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_cli_final_" });
  try {
    const dir = join(root, "ds");
    const shard = await runTask("generate", [...SHARDED, "--shard", "0/2", "--output", dir]);
    assert.equal(shard.code, 0, shard.stderr);
    const f = await runTask("finalize", ["--output", dir, "--quiet"]);
    assert.equal(f.code, 1, f.stderr);
    // Plan: nk chunks 0-2 are tasks 0-2, rbc chunks 0-2 tasks 3-5; shard 0/2 wrote tasks 0, 2, 4.
    assert.match(
      f.stderr,
      /nk is missing 1 of 3 chunks \(1\); rbc is missing 2 of 3 chunks \(0, 2\)/,
    );
    assert.match(
      f.stderr,
      /These chunks are plan tasks 1, 3, 5, and plan task k is written by shard k mod N/,
    );
    assert.match(f.stderr, /e\.g\. with 2 shards: --shard 1\/2\)/);
    // An explicit option equal to the recorded one is accepted.
    const rerun = await runTask("generate", [
      "--resume",
      "--output",
      dir,
      "--shard",
      "1/2",
      "--T",
      "6",
    ]);
    assert.equal(rerun.code, 0, rerun.stderr);
    const done = await runTask("finalize", ["--output", dir, "--quiet"]);
    assert.equal(done.code, 0, done.stderr);
    const v = await runTask("validate", ["--path", dir, "--quiet"]);
    assert.equal(v.code, 0, v.stdout);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("cli tests clean up", async () => {
  if (dataset) await Deno.remove(join(await dataset, ".."), { recursive: true });
});
