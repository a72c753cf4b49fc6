/**
 * External dependencies are split by layer (`src/<layer>/_deps.ts`), so that
 * a generation worker loads only the Blosc codec: `deno info --json` on the
 * worker entry, followed the way Deno loads it (code imports; type-only
 * imports are erased and dynamic imports run only when called).
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface InfoDependency {
  specifier: string;
  code?: { specifier: string };
  isDynamic?: boolean;
}

interface InfoModule {
  specifier: string;
  kind: string;
  dependencies?: InfoDependency[];
  npmPackage?: string;
  error?: string;
}

interface Info {
  roots: string[];
  modules: InfoModule[];
  redirects: Record<string, string>;
  npmPackages: Record<string, { name: string; dependencies: string[] }>;
}

async function denoInfo(path: string): Promise<Info> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", join(ROOT, path)],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** What a graph reaches: repository files (relative paths) and npm packages (`name@version`, transitively). */
interface Reach {
  files: string[];
  npm: string[];
}

function reach(info: Info, options: { dynamic: boolean }): Reach {
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    let specifier = stack.pop()!;
    specifier = info.redirects[specifier] ?? specifier;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    const module = bySpecifier.get(specifier);
    assert.ok(module !== undefined, `deno info lists no module ${specifier}`);
    assert.equal(module.error, undefined, `${specifier}: ${module.error}`);
    if (module.npmPackage !== undefined) packages.add(module.npmPackage);
    for (const dep of module.dependencies ?? []) {
      if (dep.code !== undefined && (options.dynamic || !dep.isDynamic)) {
        stack.push(dep.code.specifier);
      }
    }
  }
  const npm = new Set<string>();
  const pending = [...packages];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (npm.has(id)) continue;
    npm.add(id);
    pending.push(...info.npmPackages[id].dependencies);
  }
  const files = [...seen].filter((s) => s.startsWith("file:"))
    .map((s) => relative(ROOT, fileURLToPath(s)).replaceAll("\\", "/"));
  return { files: files.sort(), npm: [...npm].sort() };
}

Deno.test("the generation worker loads no npm package but the Blosc codec's", async () => {
  const worker = reach(await denoInfo("src/pipeline/worker.ts"), { dynamic: false });
  const codec = reach(await denoInfo("src/zarr/_deps.ts"), { dynamic: false });
  assert.ok(codec.npm.some((p) => p.startsWith("numcodecs@")), codec.npm.join(", "));
  assert.deepEqual(worker.npm, codec.npm);
  // Nothing of the other layers either: their modules would bring their packages back.
  // (The dataset layer's world layout is what a worker writes by; its reader and deps are not.)
  for (
    const layer of [
      "src/manifest/",
      "src/report/",
      "src/dataset/_deps.ts",
      "src/dataset/reader.ts",
      "src/pipeline/config.ts",
    ]
  ) {
    assert.deepEqual(worker.files.filter((f) => f.startsWith(layer)), [], layer);
  }
  assert.ok(worker.files.includes("src/zarr/_deps.ts"));
});

Deno.test("the worker reaches src/store/s3_store.ts only through openStore()'s lazy import", async () => {
  const info = await denoInfo("src/pipeline/worker.ts");
  const loaded = reach(info, { dynamic: false });
  assert.ok(!loaded.files.includes("src/store/s3_store.ts"), loaded.files.join("\n"));
  assert.ok(!loaded.files.includes("src/store/_deps.ts"));
  assert.ok(!loaded.npm.some((p) => p.startsWith("aws4fetch@")));
  // The same walk with dynamic imports finds it: the check above looks at the right graph.
  const all = reach(info, { dynamic: true });
  assert.ok(all.files.includes("src/store/s3_store.ts"));
  assert.ok(all.npm.some((p) => p.startsWith("aws4fetch@")), all.npm.join(", "));
});

const NPM_SPECIFIER = /^npm:((?:@[^/@]+\/)?[^/@]+)@([^/]+)(?:\/.*)?$/;

Deno.test("every external import of the library is a versioned npm: specifier in a layer's _deps.ts", async () => {
  const versions = new Map<string, Set<string>>();
  const outside: string[] = [];
  const deps = new Set<string>();
  // The library's two entry points: mod.ts, and the worker (started by URL, not imported).
  for (const entry of ["mod.ts", "src/pipeline/worker.ts"]) {
    for (const module of (await denoInfo(entry)).modules) {
      if (!module.specifier.startsWith("file:")) continue;
      const file = relative(ROOT, fileURLToPath(module.specifier)).replaceAll("\\", "/");
      for (const dep of module.dependencies ?? []) {
        if (/^(\.|\/|file:|node:)/.test(dep.specifier)) continue;
        if (!file.endsWith("/_deps.ts")) {
          outside.push(`${file}: ${dep.specifier}`);
          continue;
        }
        deps.add(file);
        const npm = NPM_SPECIFIER.exec(dep.specifier);
        assert.ok(
          npm !== null,
          `${file}: "${dep.specifier}" is not an npm: specifier with a version`,
        );
        const seen = versions.get(npm[1]) ?? new Set<string>();
        versions.set(npm[1], seen.add(npm[2]));
      }
    }
  }
  assert.deepEqual(outside, []);
  const layers = ["manifest", "pipeline", "report", "store", "zarr"];
  for (const file of layers.map((layer) => `src/${layer}/_deps.ts`)) {
    assert.ok(deps.has(file), `${file} not reached: ${[...deps].join(", ")}`);
  }
  for (const [name, seen] of versions) {
    assert.equal(seen.size, 1, `${name} at several versions: ${[...seen].join(", ")}`);
  }
});
