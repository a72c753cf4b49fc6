/**
 * `mod.ts` is importable by URL from a project with no import map: serve the
 * repository over HTTP on 127.0.0.1, import `mod.ts` from a temporary folder
 * that has no deno.json, and write and read a small dataset through it.
 */
import assert from "node:assert/strict";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("..", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

const served = new Set<string>();

async function serveFile(request: Request): Promise<Response> {
  const path = decodeURIComponent(new URL(request.url).pathname);
  served.add(path);
  const file = normalize(join(REPO, path));
  if (!file.startsWith(REPO.endsWith(sep) ? REPO : REPO + sep)) {
    return new Response("forbidden", { status: 403 });
  }
  try {
    const body = await Deno.readFile(file);
    return new Response(body, {
      headers: { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" },
    });
  } catch {
    return new Response("not found", { status: 404 });
  }
}

const SCRIPT = (base: string): string => `
import { DatasetWriter, loadDataset, openDataset } from "${base}/mod.ts";
const root = Deno.args[0];
const writer = await DatasetWriter.create({
  location: root, worldId: "nk", nSamples: 5, T: 4, H: 2, nParams: 2, nShocks: 1, chunkSamples: 2,
  metadataFields: [{ name: "flag", dtype: "uint8", shape: [], dims: [], description: "a flag" }],
});
for (const i of [4, 0, 3, 1, 2]) {
  await writer.writeSample(i, {
    theta: [i + 0.25, -i],
    trajectories: new Float64Array(12).fill(i / 2),
    irfs: new Float64Array(9).fill(-i),
    shocks: new Float64Array(4).fill(i * 3),
    metadata: { flag: i % 2 },
  });
}
const summary = await writer.finalize();
const info = await openDataset(root);
const loaded = await loadDataset(root, "nk", { indices: [4, 1] });
console.log(JSON.stringify({
  worlds: Object.keys(info.worlds),
  thetaShape: info.worlds.nk.arrays.theta.shape,
  digests: Object.keys(summary.arrays.irfs.chunkDigests).length,
  theta: Array.from(loaded.arrays.theta.data),
  trajectories: Array.from(loaded.arrays.trajectories.data.subarray(0, 2)),
  flag: Array.from(loaded.metadata.flag.data),
}));
`;

Deno.test("mod.ts imported by URL from a folder without deno.json writes and reads a dataset", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, serveFile);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const dir = await Deno.makeTempDir({ prefix: "ume-url-import-" });
  try {
    await Deno.writeTextFile(join(dir, "main.ts"), SCRIPT(base));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--no-lock",
        `--reload=${base}/`,
        "main.ts",
        join(dir, "dataset"),
      ],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `child failed:\n${stderr}`);
    const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    assert.deepEqual(result, {
      worlds: ["nk"],
      thetaShape: [5, 2],
      digests: 3,
      theta: [4.25, -4, 1.25, -1],
      trajectories: [2, 2],
      flag: [0, 1],
    });
    assert.ok(served.has("/mod.ts"), [...served].join(", "));
    assert.ok(served.has("/src/dataset/dataset_writer.ts"));
    assert.ok(served.has("/src/zarr/_deps.ts"));
    // The child used the served files: no deno.json next to it, the dataset on disk.
    assert.equal(await Deno.stat(join(dir, "deno.json")).catch(() => undefined), undefined);
    assert.ok((await Deno.stat(join(dir, "dataset", "nk", "theta.zarr", "zarr.json"))).isFile);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
