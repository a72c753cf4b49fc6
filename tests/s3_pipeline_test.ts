/**
 * The pipeline against a real S3 implementation (Ceph radosgw on 127.0.0.1):
 * generate/validate through S3, sharded generation with concurrent shard
 * processes, a killed shard, a run through a fault-injecting proxy, a run
 * that rides out a 30-second outage, and runs whose retries run out.
 * The CLIs run as child processes with `AWS_*` pointing at the gateway.
 */

import assert from "node:assert/strict";
import { FAULT_KINDS, type FaultProxy, startFaultProxy } from "./_fault_proxy.ts";
import { type CephGateway, ignoreWithoutCeph, sharedCeph } from "./_ceph.ts";
import { type CliResult, readTree, runTask, spawnTask, stableManifest } from "./_dataset_files.ts";

const ignore = ignoreWithoutCeph();
const JOB = [
  "--world",
  "nk,zlb,switching",
  "--n-samples",
  "400",
  "--T",
  "40",
  "--H",
  "8",
  "--chunk-samples",
  "40",
  "--quiet",
];

let local: Map<string, Uint8Array> | undefined;
/** The fault-free reference, written once to the local disk. */
async function reference(): Promise<Map<string, Uint8Array>> {
  if (local) return local;
  const dir = await Deno.makeTempDir({ prefix: "ume-s3ref-" });
  const r = await runTask("generate", [...JOB, "--workers", "2", "--output", dir]);
  assert.equal(r.code, 0, r.stderr);
  local = await readTree(dir);
  await Deno.remove(dir, { recursive: true });
  return local;
}

/** Assert the S3 prefix holds exactly the reference files, byte for byte. */
async function assertSameAsReference(ceph: CephGateway, prefix: string): Promise<void> {
  const ref = await reference();
  const store = ceph.store(prefix);
  const keys = await store.list("");
  assert.deepEqual(keys, [...ref.keys()], `S3 prefix ${prefix} holds different keys`);
  for (const key of keys) {
    const got = (await store.get(key))!;
    const want = ref.get(key)!;
    if (key === "manifest.json") {
      assert.deepEqual(stableManifest(got), stableManifest(want));
    } else {
      assert.ok(got.length === want.length && got.every((x, i) => x === want[i]), `${key} differs`);
    }
  }
}

Deno.test({
  name: "generate to S3 equals the local dataset byte for byte, and validate reads it from S3",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    const url = ceph.url("single");
    const r = await runTask("generate", [...JOB, "--workers", "2", "--output", url], ceph.env());
    assert.equal(r.code, 0, r.stderr);
    await assertSameAsReference(ceph, "single");
    const v = await runTask(
      "validate",
      ["--path", url, "--resimulate", "3", "--quiet"],
      ceph.env(),
    );
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /valid \(nk, switching, zlb;/);
    const again = await runTask("generate", [...JOB, "--output", url], ceph.env());
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already holds a complete dataset/);
    assert.doesNotMatch(again.stderr, /hint:/, "bad input (exit 2) gets no hint to resume");
  },
});

Deno.test({
  name: "three concurrent shard processes + finalize equal a single-process run",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    const url = ceph.url("sharded");
    const shards = await Promise.all(
      [0, 1, 2].map((i) =>
        runTask(
          "generate",
          [...JOB, "--workers", "1", "--output", url, "--shard", `${i}/3`],
          ceph.env(),
        )
      ),
    );
    for (const s of shards) assert.equal(s.code, 0, s.stderr);
    assert.equal(await ceph.store("sharded").get("manifest.json"), undefined);
    const f = await runTask("finalize", ["--output", url, "--quiet"], ceph.env());
    assert.equal(f.code, 0, f.stderr);
    await assertSameAsReference(ceph, "sharded");
  },
});

Deno.test({
  name: "a shard killed mid-way makes finalize refuse; rerunning that shard completes the dataset",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    const url = ceph.url("killed");
    const store = ceph.store("killed");
    const ok = await runTask("generate", [...JOB, "--output", url, "--shard", "auto/2"], {
      ...ceph.env(),
      JOB_COMPLETION_INDEX: "0",
    });
    assert.equal(ok.code, 0, ok.stderr);
    const child = spawnTask("generate", [...JOB, "--output", url, "--shard", "1/2"], ceph.env());
    for (let i = 0; i < 1000; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if ((await store.list(".ume/done/nk/")).length >= 4) break;
    }
    child.kill("SIGKILL");
    await child.status;
    const refused = await runTask("finalize", ["--output", url], ceph.env());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error: Cannot finalize .*is missing \d+ of 10 chunks/);
    assert.match(refused.stderr, /^hint: to continue, fix the cause and rerun deno task finalize/m);
    assert.equal(await store.get("manifest.json"), undefined);
    const rerun = await runTask(
      "generate",
      [...JOB, "--output", url, "--shard", "1/2"],
      ceph.env(),
    );
    assert.equal(rerun.code, 0, rerun.stderr);
    const f = await runTask("finalize", ["--output", url, "--quiet"], ceph.env());
    assert.equal(f.code, 0, f.stderr);
    await assertSameAsReference(ceph, "killed");
  },
});

Deno.test({
  name: "generate + validate through a proxy faulting ~10% of requests lose nothing",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    const proxy = startFaultProxy(ceph.endpoint, { seed: 7, faultRate: 0.1, delayMs: 50 });
    try {
      const url = ceph.url("faulty");
      const r = await runTask(
        "generate",
        [...JOB, "--workers", "2", "--output", url],
        ceph.env(proxy.endpoint),
      );
      assert.equal(r.code, 0, r.stderr);
      const v = await runTask("validate", ["--path", url, "--quiet"], ceph.env(proxy.endpoint));
      assert.equal(v.code, 0, v.stdout + v.stderr);
      await assertSameAsReference(ceph, "faulty");
      const counts = proxy.counts;
      for (const kind of FAULT_KINDS) {
        assert.ok(counts[kind] > 0, `no ${kind} fault was injected: ${JSON.stringify(counts)}`);
      }
    } finally {
      await proxy.close();
    }
  },
});

/** Resolves after `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test({
  name: "generate rides out a 30-second S3 outage (refused, then reset) with the default retries",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    await reference(); // before the clock starts
    const proxy = startFaultProxy(ceph.endpoint, { faultRate: 0 });
    try {
      const url = ceph.url("outage");
      const direct = ceph.store("outage");
      // An empty AWS_MAX_ATTEMPTS counts as unset: the default policy, whatever the caller's shell says.
      const env = { ...ceph.env(proxy.endpoint), AWS_MAX_ATTEMPTS: "" };
      let finished = false;
      const run = runTask("generate", [...JOB, "--workers", "2", "--output", url], env)
        .finally(() => finished = true);
      let done = 0;
      while (!finished && done < 3) {
        await sleep(25);
        done = (await direct.list(".ume/done/")).length;
      }
      assert.ok(!finished, "the run ended before the outage began");
      assert.ok(done < 30, `the run had written ${done} of 30 chunks before the outage`);
      const forwarded = proxy.forwarded;
      // 30 s down: the port closed for 15 s (connections refused), then every
      // connection accepted and closed at once for 15 s (resets).
      await proxy.outage(30_000, { refuseMs: 15_000 });
      assert.ok(!finished, "the run ended during the outage");
      const r = await run;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(proxy.dropped > 0, "no connection was dropped or reset");
      assert.ok(proxy.forwarded > forwarded, "nothing was written after the outage");
      const v = await runTask("validate", ["--path", url, "--quiet"], ceph.env(proxy.endpoint));
      assert.equal(v.code, 0, v.stdout + v.stderr);
      await assertSameAsReference(ceph, "outage");
    } finally {
      await proxy.close();
    }
  },
});

/**
 * Start `generate` through `proxy` with two attempts per request, turn every
 * request into 503 SlowDown once the run has written some chunks, and
 * return the failed run's result.
 */
async function runUntilRetriesRunOut(
  ceph: CephGateway,
  proxy: FaultProxy,
  args: string[],
): Promise<CliResult> {
  const url = args[args.indexOf("--output") + 1];
  const prefix = url.slice(ceph.url("").length);
  proxy.faultRate = 0;
  let finished = false;
  const run = runTask("generate", args, { ...ceph.env(proxy.endpoint), AWS_MAX_ATTEMPTS: "2" })
    .finally(() => finished = true);
  while (!finished && (await ceph.store(prefix).list(".ume/done/")).length < 2) await sleep(25);
  assert.ok(!finished, "the run ended before the faults began");
  proxy.faultRate = 1;
  const r = await run;
  proxy.faultRate = 0;
  return r;
}

Deno.test({
  name:
    "when the retries run out, generate exits 1 saying how to continue, and that finishes the run",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    const proxy = startFaultProxy(ceph.endpoint, { faultRate: 0, kinds: ["slowDown"] });
    try {
      const env = ceph.env(proxy.endpoint);
      const url = ceph.url("retries-out");
      const failed = await runUntilRetriesRunOut(ceph, proxy, [...JOB, "--output", url]);
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(
        failed.stderr,
        // A GET names S3's error code; a HEAD (the shard's check for a finished dataset after
        // it records a task) has no body to name it.
        /^error: .*: S3 returned 503( SlowDown \([^)]*\))? after 2 attempts$/m,
      );
      assert.match(
        failed.stderr,
        /^hint: to continue, rerun the same command with --resume: it keeps the chunks already written and verified$/m,
      );
      const resumed = await runTask("generate", [...JOB, "--output", url, "--resume"], env);
      assert.equal(resumed.code, 0, resumed.stderr);
      await assertSameAsReference(ceph, "retries-out");

      // A shard is rerun as it was (the killed-shard test shows that this completes it).
      const sharded = ceph.url("retries-out-shard");
      const shard = [...JOB, "--output", sharded, "--shard", "0/2"];
      const failedShard = await runUntilRetriesRunOut(ceph, proxy, shard);
      assert.equal(failedShard.code, 1, failedShard.stderr);
      assert.match(
        failedShard.stderr,
        /^hint: to continue, rerun this shard the same way \(the same options and --shard\): it keeps the chunks already written and verified; once every shard has finished, run deno task finalize$/m,
      );
    } finally {
      await proxy.close();
    }
  },
});
