/**
 * The commit hash of a git checkout, read from `.git` files directly (no
 * `git` subprocess): `HEAD`, loose refs and `packed-refs`, worktrees included.
 *
 * @module
 */

const HEX_HASH = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const MAX_SYMREF_DEPTH = 10;

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function parent(dir: string): string | undefined {
  const trimmed = dir.replace(/\/+$/, "");
  const at = trimmed.lastIndexOf("/");
  if (at < 0) return undefined;
  return at === 0 ? (trimmed === "" ? undefined : "/") : trimmed.slice(0, at);
}

function absolute(base: string, path: string): string {
  return path.startsWith("/") ? path : join(base, path);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw e;
  }
}

/** The git directory of the repository containing `dir` (walking up), if any. */
async function findGitDir(dir: string): Promise<string | undefined> {
  let at: string | undefined = dir.startsWith("/") ? dir : join(Deno.cwd(), dir);
  while (at !== undefined) {
    const dotGit = join(at, ".git");
    try {
      const info = await Deno.stat(dotGit);
      if (info.isDirectory) return dotGit;
      if (info.isFile) {
        // A worktree or submodule: ".git" is a file "gitdir: <path>".
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(await Deno.readTextFile(dotGit));
        return m ? absolute(at, m[1]) : undefined;
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
    }
    at = parent(at);
  }
  return undefined;
}

function lookupPacked(packed: string | undefined, ref: string): string | undefined {
  if (packed === undefined) return undefined;
  for (const line of packed.split("\n")) {
    if (line.startsWith("#") || line.startsWith("^")) continue;
    const space = line.indexOf(" ");
    if (space > 0 && line.slice(space + 1).trim() === ref) return line.slice(0, space);
  }
  return undefined;
}

/**
 * The commit hash checked out in the git repository that contains `dir`.
 *
 * Resolves `HEAD` (detached, or a symbolic ref followed through loose refs,
 * then `packed-refs`), in the repository found by walking up from `dir`;
 * linked worktrees (`.git` file plus `commondir`) are supported. Needs read
 * permission on the repository; returns `"unknown"` when `dir` is not in a
 * repository, the branch has no commit yet, a file is unreadable, or read
 * permission is denied.
 *
 * @param dir A folder inside the repository (absolute, or relative to the
 *   current directory).
 * @returns 40 (or 64, for SHA-256 repositories) lowercase hex digits, or `"unknown"`.
 *
 * @example Outside a repository
 * ```ts
 * import { gitHash } from "./git_hash.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * assert.match(await gitHash(dir), /^([0-9a-f]{40}|[0-9a-f]{64}|unknown)$/);
 * await Deno.remove(dir);
 * ```
 */
export async function gitHash(dir: string): Promise<string> {
  try {
    return await resolveHead(dir) ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function resolveHead(dir: string): Promise<string | undefined> {
  const gitDir = await findGitDir(dir);
  if (gitDir === undefined) return undefined;
  const common = await readText(join(gitDir, "commondir"));
  const commonDir = common === undefined ? gitDir : absolute(gitDir, common.trim());
  let content = (await readText(join(gitDir, "HEAD")))?.trim();
  let packed: string | undefined | null = null;
  for (let depth = 0; depth < MAX_SYMREF_DEPTH && content !== undefined; depth++) {
    const lower = content.toLowerCase();
    if (HEX_HASH.test(lower)) return lower;
    const m = /^ref:\s*(\S+)$/.exec(content);
    if (m === null) return undefined;
    const ref = m[1];
    if (ref.split("/").some((part) => part === ".." || part === "")) return undefined;
    content = (await readText(join(gitDir, ref)))?.trim() ??
      (commonDir !== gitDir ? (await readText(join(commonDir, ref)))?.trim() : undefined);
    if (content === undefined) {
      if (packed === null) packed = await readText(join(commonDir, "packed-refs"));
      content = lookupPacked(packed, ref);
    }
  }
  return undefined;
}
