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

/**
 * The git directory of the repository containing `dir` (walking up), if any.
 * Every `.git` path looked at is appended to `visited`.
 */
async function findGitDir(dir: string, visited: string[] = []): Promise<string | undefined> {
  let at: string | undefined = dir.startsWith("/") ? dir : join(Deno.cwd(), dir);
  while (at !== undefined) {
    const dotGit = join(at, ".git");
    visited.push(dotGit);
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

/**
 * The files and folders {@link gitHash} reads to find the commit of `dir`,
 * so that a process can be granted read access to exactly these
 * (`--allow-read=...`): every `.git` looked at while walking up, then
 * `HEAD`, `commondir` and `refs/` of the git directory, and `refs/` and
 * `packed-refs` of the common directory (for a linked worktree). Paths that
 * do not exist are included (granting them is harmless); so is a path whose
 * reading would fail, where {@link gitHash} gives `"unknown"`.
 *
 * @param dir A folder inside the repository, as for {@link gitHash}.
 * @returns Absolute paths, without duplicates.
 *
 * @example Outside a repository, only the `.git` paths looked at
 * ```ts
 * import { gitHashReadPaths } from "./git_hash.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const paths = await gitHashReadPaths(dir);
 * assert.equal(paths[0], `${dir}/.git`);
 * await Deno.remove(dir);
 * ```
 */
export async function gitHashReadPaths(dir: string): Promise<string[]> {
  const visited: string[] = [];
  const paths: string[] = [];
  try {
    const gitDir = await findGitDir(dir, visited);
    if (gitDir !== undefined) {
      paths.push(join(gitDir, "HEAD"), join(gitDir, "commondir"), join(gitDir, "refs"));
      const common = await readText(join(gitDir, "commondir"));
      const commonDir = common === undefined ? gitDir : absolute(gitDir, common.trim());
      paths.push(join(commonDir, "refs"), join(commonDir, "packed-refs"));
    }
  } catch {
    // gitHash gives "unknown" on this failure, after reading only what is listed so far.
  }
  return [...new Set([...visited, ...paths])];
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
