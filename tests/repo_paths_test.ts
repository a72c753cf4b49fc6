/**
 * The repository stands alone: no tracked file reads or points at a path
 * outside it (a user's clone has nothing beside it).
 *
 * @module
 */

import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./_dataset_files.ts";

/** Tracked files (git), or every file outside the ignored folders when this is not a checkout. */
function trackedFiles(): string[] {
  try {
    const out = new Deno.Command("git", { args: ["ls-files", "-z"], cwd: ROOT }).outputSync();
    if (out.success) {
      return new TextDecoder().decode(out.stdout).split("\0").filter((f) => f !== "");
    }
  } catch { /* no git */ }
  const files: string[] = [];
  const skip = new Set([".git", ".tools", "datasets", "node_modules", "bench/out"]);
  function walk(rel: string): void {
    for (const e of Deno.readDirSync(join(ROOT, rel))) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (skip.has(p)) continue;
      if (e.isDirectory) walk(p);
      else if (e.isFile) files.push(p);
    }
  }
  walk("");
  return files;
}

/** Names of files that live outside the repository (the design notes it was built from). */
const OUTSIDE = [
  /\.\.\/shared\b/,
  /\bshared\/(reference|tools|hooks)\b/,
  /\/work\/(main|shared|\.library)\b/,
  /\bSIMULATORS\.md\b/,
  /\bDESIGN(\.md)?'s\b|\bDESIGN\.md\b/,
  /\bSTYLE\.md\b/,
];

Deno.test("no tracked file names a path or file outside the repository", () => {
  const problems: string[] = [];
  const self = relative(ROOT, new URL(import.meta.url).pathname);
  for (const file of trackedFiles()) {
    if (file === self) continue;
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(Deno.readFileSync(join(ROOT, file)));
    } catch {
      continue; // binary (the report screenshot)
    }
    text.split("\n").forEach((line, i) => {
      for (const pattern of OUTSIDE) {
        if (pattern.test(line)) problems.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
      }
    });
  }
  assert.deepEqual(problems, [], "these lines point outside the repository");
});

Deno.test("every relative import and import.meta.url path of the code resolves inside the repository", () => {
  const root = resolve(ROOT);
  const problems: string[] = [];
  const specifier = /(?:from\s+|import\s*\(\s*|new URL\(\s*)["'](\.{1,2}\/[^"']*)["']/g;
  for (const file of trackedFiles().filter((f) => /\.(ts|js|mjs)$/.test(f))) {
    const text = Deno.readTextFileSync(join(ROOT, file));
    for (const m of text.matchAll(specifier)) {
      const target = resolve(dirname(join(root, file)), m[1]);
      if (target !== root && !target.startsWith(`${root}/`)) {
        problems.push(`${file}: "${m[1]}" resolves to ${target}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
