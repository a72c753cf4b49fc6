/**
 * Never destroy what is not ours, on S3 (Ceph radosgw on 127.0.0.1): an
 * `--overwrite` of a prefix that mixes a dataset with other objects deletes
 * nothing; of a prefix that holds only a dataset, it deletes just its keys
 * and leaves neighbouring prefixes alone.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ignoreWithoutCeph, sharedCeph } from "./_ceph.ts";
import { runTask } from "./_dataset_files.ts";

const ignore = ignoreWithoutCeph();
const TINY = ["--world", "nk", "--n-samples", "12", "--T", "4", "--H", "1", "--quiet"];

async function snapshot(
  list: () => Promise<string[]>,
  get: (k: string) => Promise<Uint8Array | undefined>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await list()) out.set(key, new TextDecoder().decode((await get(key))!));
  return out;
}

Deno.test({
  name: "--overwrite of an S3 prefix holding other objects besides a dataset deletes nothing",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    const bucket = ceph.store(""); // the whole test bucket
    const url = ceph.url("mixed/ds");
    const first = await runTask("generate", [...TINY, "--output", url], ceph.env());
    assert.equal(first.code, 0, first.stderr);
    await bucket.set("mixed/ds/their-notes.txt", new TextEncoder().encode("not ume-data's"));
    await bucket.set("mixed/neighbour.txt", new TextEncoder().encode("beside the dataset"));
    const before = await snapshot(() => bucket.list("mixed/"), (k) => bucket.get(k));
    const r = await runTask("generate", [...TINY, "--output", url, "--overwrite"], ceph.env());
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /holds 1 file that ume-data did not write \(their-notes\.txt\)/);
    assert.deepEqual(await snapshot(() => bucket.list("mixed/"), (k) => bucket.get(k)), before);
  },
});

Deno.test({
  name:
    "--overwrite of an S3 prefix that holds only a dataset deletes only its keys, not the bucket's others",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    const bucket = ceph.store("");
    const url = ceph.url("pure/ds");
    await bucket.set("pure/ds-sibling/keep.txt", new TextEncoder().encode("a sibling prefix"));
    await bucket.set("pure/keep.txt", new TextEncoder().encode("beside"));
    const first = await runTask(
      "generate",
      [...TINY, "--world", "nk,rbc", "--output", url],
      ceph.env(),
    );
    assert.equal(first.code, 0, first.stderr);
    const r = await runTask("generate", [...TINY, "--output", url, "--overwrite"], ceph.env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Overwriting .*: it holds a ume-data dataset \(nk, rbc\)/);
    const keys = await bucket.list("pure/");
    assert.ok(keys.includes("pure/ds-sibling/keep.txt") && keys.includes("pure/keep.txt"));
    assert.ok(!keys.some((k) => k.startsWith("pure/ds/rbc/")), "the old world is gone");
    const v = await runTask(
      "validate",
      ["--path", url, "--quiet", "--resimulate", "0"],
      ceph.env(),
    );
    assert.equal(v.code, 0, v.stdout + v.stderr);
  },
});
