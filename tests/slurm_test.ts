/**
 * The README's Slurm recipe on a real Slurm cluster: the submit lines of
 * the README, run as they stand (only their settings line swapped for a
 * small job), and the job scripts the README shows, on a one-node cluster
 * started on 127.0.0.1 (`_slurm.ts`), writing to radosgw (`_ceph.ts`): a job
 * array of shards reading `SLURM_ARRAY_TASK_ID`, then finalize as a job that
 * depends on it (`afterok`). While the array runs, one task is requeued
 * mid-way (Slurm kills it and runs it again) and one index is submitted a
 * second time, so that the same shard runs twice at once. The dataset must
 * be byte-identical to one local process.
 *
 * The jobs reach radosgw through a proxy that lets the requeued shard record
 * one finished chunk task and holds its further ledger entries, so that it
 * is killed mid-way however fast the machine is.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type CephGateway, ignoreWithoutCeph, sharedCeph } from "./_ceph.ts";
import { type FaultProxy, startFaultProxy } from "./_fault_proxy.ts";
import { ignoreWithoutSlurm, type SlurmCluster, startSlurm } from "./_slurm.ts";
import { readTree, ROOT, runTask, stableManifest } from "./_dataset_files.ts";
import { planWorld, shardTasks } from "../src/pipeline/plan.ts";
import { parseWorlds } from "../src/pipeline/config.ts";
import { doneKey, LEDGER_PREFIX } from "../src/dataset/keys.ts";

const README = join(ROOT, "README.md");
const GENERATE_SBATCH = "scripts/slurm/generate.sbatch";
const FINALIZE_SBATCH = "scripts/slurm/finalize.sbatch";

/** Shards of the test run, and the run's options (the README's `OPTIONS`). */
const N = 3;
const WORLDS = ["nk", "zlb"] as const;
const N_SAMPLES = 300;
const CHUNK_SAMPLES = 20;
const OPTIONS = [
  "--world",
  WORLDS.join(","),
  "--n-samples",
  String(N_SAMPLES),
  "--T",
  "40",
  "--H",
  "8",
  "--chunk-samples",
  String(CHUNK_SAMPLES),
];
/** The shard that is requeued mid-way, and the one that runs twice. */
const REQUEUED = 0;
const TWICE = 1;

/** The fenced code blocks of a Markdown text: language and body. */
function codeBlocks(markdown: string): { lang: string; body: string }[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1],
    body: m[2],
  }));
}

/** The README's Slurm submit lines: the one `sh` block that runs both job scripts. */
function readmeSubmitBlock(markdown: string): string {
  const blocks = codeBlocks(markdown).filter((b) =>
    b.lang === "sh" && b.body.includes(GENERATE_SBATCH) && b.body.includes(FINALIZE_SBATCH)
  );
  assert.equal(blocks.length, 1, "README.md should hold one sh block that submits both scripts");
  return blocks[0].body;
}

Deno.test("README shows the Slurm job scripts as they are in scripts/slurm/", async () => {
  const readme = await Deno.readTextFile(README);
  const bodies = codeBlocks(readme).filter((b) => b.lang === "bash").map((b) => b.body);
  for (const path of [GENERATE_SBATCH, FINALIZE_SBATCH]) {
    const text = await Deno.readTextFile(join(ROOT, path));
    assert.ok(bodies.includes(text), `README.md does not show ${path} as it is`);
  }
  const submit = readmeSubmitBlock(readme);
  assert.match(submit, /--array=0-\$\(\(N - 1\)\) scripts\/slurm\/generate\.sbatch/);
  assert.match(submit, /--shard auto\/\$N /);
  assert.match(submit, /--dependency=afterok:\$array scripts\/slurm\/finalize\.sbatch/);
});

/**
 * The README's submit lines with their settings line (`N=... OUTPUT=...
 * OPTIONS="..."`) replaced by the test's.
 */
async function submitScript(output: string): Promise<string> {
  const lines = readmeSubmitBlock(await Deno.readTextFile(README)).trimEnd().split("\n");
  assert.match(lines[0], /^N=\d+ OUTPUT=\S+ OPTIONS="[^"]*"$/, "the settings line changed shape");
  return [`N=${N} OUTPUT=${output} OPTIONS="${OPTIONS.join(" ")}"`, ...lines.slice(1)].join("\n");
}

/** The keys of one shard's ledger entries, from the plan (worlds in the order generate plans them). */
function shardDoneKeys(index: number): Set<string> {
  const worlds = parseWorlds(WORLDS.join(","));
  const plan = worlds.flatMap((w) => planWorld(w, N_SAMPLES, CHUNK_SAMPLES));
  return new Set(shardTasks(plan, { index, count: N }).map((t) => doneKey(t.world, t.chunk)));
}

/** The dataset one local process writes (the reference). */
async function localReference(): Promise<Map<string, Uint8Array>> {
  const dir = await Deno.makeTempDir({ prefix: "ume-slurm-ref-" });
  try {
    const r = await runTask("generate", [...OPTIONS, "--quiet", "--output", dir]);
    assert.equal(r.code, 0, r.stderr);
    return await readTree(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Assert the S3 prefix holds exactly the reference's objects, byte for byte. */
async function assertSameAs(
  ref: Map<string, Uint8Array>,
  ceph: CephGateway,
  prefix: string,
): Promise<void> {
  const store = ceph.store(prefix);
  const keys = await store.list("");
  assert.deepEqual(keys, [...ref.keys()], `S3 prefix ${prefix} holds different keys`);
  // Read concurrently: the store keeps its own limit of requests in flight.
  await Promise.all(keys.map(async (key) => {
    const got = (await store.get(key))!;
    const want = ref.get(key)!;
    if (key === "manifest.json") {
      assert.deepEqual(stableManifest(got), stableManifest(want), "manifest.json differs");
    } else {
      assert.ok(got.length === want.length && got.every((x, i) => x === want[i]), `${key} differs`);
    }
  }));
}

/** Like `Promise.all`, but waits for every promise before it rejects (nothing left running). */
async function allSettled<A, B, C>(
  a: Promise<A>,
  b: Promise<B>,
  c: Promise<C>,
): Promise<[A, B, C]> {
  const results = await Promise.allSettled([a, b, c]);
  for (const r of results) if (r.status === "rejected") throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [A, B, C];
}

const FINISHED = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "BOOT_FAIL",
  "DEADLINE",
  "PREEMPTED",
]);

/**
 * Holds the ledger entries of one shard after the first, until released:
 * the shard's process then stops short of its last chunk task, whatever
 * the machine's speed.
 */
class LedgerGate {
  /** Ledger entries of the shard that went through. */
  readonly passed = new Set<string>();
  #keys: Set<string>;
  #prefix: string;
  #open = false;
  #release!: (what: "drop") => void;
  #released = new Promise<"drop">((resolve) => this.#release = resolve);

  /**
   * @param keys The shard's ledger keys.
   * @param prefix The path of the dataset on the gateway, `/<bucket>/<prefix>/`.
   */
  constructor(keys: Set<string>, prefix: string) {
    this.#keys = keys;
    this.#prefix = prefix;
  }

  /** For {@link FaultProxy.hold}. */
  hold = (method: string, target: string): Promise<"drop"> | undefined => {
    const key = target.startsWith(this.#prefix) ? target.slice(this.#prefix.length) : "";
    if (this.#open || method !== "PUT" || !this.#keys.has(key)) return undefined;
    if (this.passed.size === 0 || this.passed.has(key)) {
      this.passed.add(key);
      return undefined;
    }
    return this.#released;
  };

  /** Let everything through from now on; drop what was held (its sender is gone). */
  release(): void {
    this.#open = true;
    this.#release("drop");
  }
}

/** What the test saw while the jobs ran. */
interface Observed {
  /** Ledger entries of the requeued shard once Slurm had killed its task. */
  doneWhenKilled?: number;
  /** Whether both runs of shard {@link TWICE} were seen running at once. */
  ranTwiceAtOnce: boolean;
}

/**
 * Follow the jobs until finalize has finished: requeue task {@link REQUEUED}
 * once it has recorded a chunk task (the gate holds the rest), release the
 * gate once Slurm has killed it, and note whether both runs of shard
 * {@link TWICE} run at once.
 */
async function followJobs(
  slurm: SlurmCluster,
  ceph: CephGateway,
  prefix: string,
  gate: LedgerGate,
  ids: { array: string; twice: string; finalize: string },
): Promise<Observed> {
  const store = ceph.store(prefix);
  const requeuedKeys = shardDoneKeys(REQUEUED);
  const requeuedDone = async (): Promise<number> =>
    (await store.list(`${LEDGER_PREFIX}done/`)).filter((k) => requeuedKeys.has(k)).length;
  const task = `${ids.array}_${REQUEUED}`;
  const seen: Observed = { ranTwiceAtOnce: false };
  let requeued = false;
  // Not a timing assertion: a guard against waiting forever on a stuck cluster.
  const giveUp = Date.now() + 300_000;
  for (;;) {
    const jobs = await slurm.jobs();
    if (
      jobs.get(`${ids.array}_${TWICE}`)?.state === "RUNNING" &&
      jobs.get(`${ids.twice}_${TWICE}`)?.state === "RUNNING"
    ) seen.ranTwiceAtOnce = true;
    const state = jobs.get(task)?.state;
    if (!requeued && state === "RUNNING" && await requeuedDone() > 0) {
      await slurm.run("scontrol", ["requeue", task]);
      requeued = true;
    } else if (requeued && seen.doneWhenKilled === undefined && state === "PENDING") {
      seen.doneWhenKilled = await requeuedDone();
      gate.release();
    }
    const finalize = jobs.get(ids.finalize);
    if (finalize && FINISHED.has(finalize.state)) return seen;
    if (finalize?.reason === "DependencyNeverSatisfied") {
      throw new Error(`a task failed, so finalize never runs: ${JSON.stringify([...jobs])}`);
    }
    if (Date.now() > giveUp) {
      throw new Error(`the jobs did not finish: ${JSON.stringify([...jobs])}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name:
    "the README's Slurm recipe (job array + afterok finalize) with a requeued task and a task run twice equals one local process",
  ignore: [ignoreWithoutSlurm(), ignoreWithoutCeph()].includes(true),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const started = startSlurm();
    let proxy: FaultProxy | undefined;
    const prefix = "slurm";
    let gate: LedgerGate | undefined;
    try {
      const [slurm, ceph, ref] = await allSettled(started, sharedCeph(), localReference());
      proxy = startFaultProxy(ceph.endpoint, { faultRate: 0 });
      gate = new LedgerGate(shardDoneKeys(REQUEUED), `/${ceph.bucket}/${prefix}/`);
      proxy.hold = gate.hold;
      const url = ceph.url(prefix);
      const s3 = ceph.env(proxy.endpoint);
      const deno = Deno.execPath();
      // The jobs get only what the README says they need: HOME, PATH (or DENO) and the S3 variables.
      const exported = ["HOME", "PATH", "DENO", ...Object.keys(s3)];
      if (Deno.env.get("DENO_DIR")) exported.push("DENO_DIR");
      const env = {
        ...s3,
        DENO: deno,
        SBATCH_EXPORT: exported.join(","),
        SBATCH_OUTPUT: `${slurm.base}/jobs/%x-%j.out`,
      };
      try {
        const submitted = await slurm.run("bash", [
          "-euo",
          "pipefail",
          "-c",
          await submitScript(url),
        ], {
          cwd: ROOT,
          env,
        });
        const finalize = submitted.match(/^Submitted batch job (\d+)$/m)?.[1];
        assert.ok(finalize, `no finalize job id in: ${submitted}`);
        const dependency = await slurm.field(finalize, "Dependency");
        const array = dependency.match(/^afterok:(\d+)_\*/)?.[1];
        assert.ok(array, `finalize does not wait for the array: Dependency=${dependency}`);

        // The same shard a second time, submitted as the README submits the array; finalize
        // waits for it too, so that no writer is left when it runs.
        const twice = (await slurm.run("sbatch", [
          "--parsable",
          `--array=${TWICE}`,
          GENERATE_SBATCH,
          "--shard",
          `auto/${N}`,
          "--output",
          url,
          ...OPTIONS,
        ], { cwd: ROOT, env })).split(";")[0];
        await slurm.run("scontrol", [
          "update",
          `JobId=${finalize}`,
          `Dependency=afterok:${array}:${twice}`,
        ]);

        const seen = await followJobs(slurm, ceph, prefix, gate, {
          array,
          twice,
          finalize,
        });

        for (
          const id of [
            ...Array.from({ length: N }, (_, i) => `${array}_${i}`),
            `${twice}_${TWICE}`,
            finalize,
          ]
        ) {
          assert.equal(await slurm.field(id, "JobState"), "COMPLETED", `job ${id}`);
          assert.equal(await slurm.field(id, "ExitCode"), "0:0", `job ${id}`);
        }
        assert.equal(await slurm.field(`${array}_${REQUEUED}`, "Restarts"), "1");
        // Killed mid-way: one of its chunk tasks recorded (the gate let no more through).
        assert.equal(seen.doneWhenKilled, 1, "ledger entries of the requeued shard when killed");
        assert.equal(gate.passed.size, 1, "the gate did not recognize the shard's ledger entries");
        assert.ok(seen.ranTwiceAtOnce, `the two runs of shard ${TWICE} were never running at once`);
        await assertSameAs(ref, ceph, prefix);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${await slurm.logs()}`, { cause: e });
      }
    } finally {
      gate?.release();
      await proxy?.close();
      await started.then((slurm) => slurm.stop(), () => {});
    }
  },
});
