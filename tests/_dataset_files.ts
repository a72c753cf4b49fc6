/**
 * Test helpers: read every file of a dataset folder, compare two datasets
 * byte for byte, run the CLIs as subprocesses.
 *
 * @module
 */

import assert from "node:assert/strict";

/** Every file under `dir`, by relative path (sorted), with its bytes. */
export async function readTree(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  async function walk(rel: string): Promise<void> {
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p);
      else out.set(p, await Deno.readFile(`${dir}/${p}`));
    }
  }
  await walk("");
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Parse manifest.json and drop the fields that legitimately differ between runs. */
export function stableManifest(bytes: Uint8Array): Record<string, unknown> {
  const m = JSON.parse(new TextDecoder().decode(bytes));
  delete m.created_at;
  delete m.git_hash;
  return m;
}

/**
 * Assert two dataset folders hold the same files with identical bytes
 * (manifest.json compared without created_at and git_hash).
 */
export async function assertSameDataset(a: string, b: string): Promise<void> {
  const ta = await readTree(a);
  const tb = await readTree(b);
  assert.deepEqual([...ta.keys()], [...tb.keys()], "the two datasets hold different files");
  for (const [k, va] of ta) {
    const vb = tb.get(k)!;
    if (k === "manifest.json") {
      assert.deepEqual(stableManifest(va), stableManifest(vb), "manifest.json differs");
    } else {
      assert.ok(
        va.length === vb.length && va.every((x, i) => x === vb[i]),
        `file ${k} differs`,
      );
    }
  }
}

/** Result of a CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const ROOT = new URL("../", import.meta.url).pathname;

/** Run `deno run -A scripts/<script> ...args` from the repository root. */
export async function runCli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/${script}`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** Start `deno run -A scripts/<script> ...args` without waiting. */
export function spawnCli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/${script}`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "null",
    stderr: "null",
  }).spawn();
}
