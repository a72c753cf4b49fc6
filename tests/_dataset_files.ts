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

/** The repository root (where deno.json defines the tasks). */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/** The tasks of deno.json that users run. */
export type TaskName = "generate" | "finalize" | "validate" | "report";

function taskCommand(task: TaskName, args: string[], env: Record<string, string>): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", task, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

/**
 * Run `deno task <task> ...args` from the repository root: the task as users
 * run it, with exactly the permissions deno.json grants it.
 */
export async function runTask(
  task: TaskName,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const out = await taskCommand(task, args, env).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/**
 * A small dataset for the Python readers (200 samples per world, T = 24,
 * H = 8; no split is empty at this size), written by `deno task generate`
 * at `out` as users run it.
 */
export async function generateSmallDataset(out: string, format: 2 | 3): Promise<void> {
  const args = ["--n-samples", "200", "--T", "24", "--H", "8", "--zarr-format", String(format)];
  const r = await runTask("generate", [...args, "--output", out, "--quiet"]);
  if (r.code !== 0) throw new Error(`generate exited ${r.code}: ${r.stderr}`);
}

/** A task started in the background. */
export interface RunningTask {
  /** Kill the task and every process it started (`deno task` runs deno as a child). */
  kill(signal?: Deno.Signal): void;
  /** Resolves when the task process has exited. */
  status: Promise<Deno.CommandStatus>;
}

/** The process ids below `pid` (children first, then their children), from /proc. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)
      .filter((x) => x !== "").map(Number);
  } catch { /* gone already */ }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** Start `deno task <task> ...args` without waiting (output discarded). */
export function spawnTask(
  task: TaskName,
  args: string[],
  env: Record<string, string> = {},
): RunningTask {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", task, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "null",
    stderr: "null",
  }).spawn();
  return {
    kill(signal: Deno.Signal = "SIGKILL"): void {
      // The deepest processes first, so none is left running without its parent.
      for (const pid of descendants(child.pid).reverse()) {
        try {
          Deno.kill(pid, signal);
        } catch { /* exited */ }
      }
      try {
        child.kill(signal);
      } catch { /* exited */ }
    },
    status: child.status,
  };
}

/** Whether anything (file, folder or link) is at `path`, without following a link. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
