/**
 * `params.parquet` read back by an independent reader (parquet-wasm: arrow-rs's
 * Parquet reader compiled to WebAssembly, decoded through apache-arrow), not
 * by the library that wrote it, and compared with the stored `theta.zarr`,
 * metadata arrays and `splits.json`; sharded and single runs write the same
 * bytes; `validate` catches a flipped byte, a missing file and an edited
 * record.
 */
import assert from "node:assert/strict";
import { readParquet, tableFromIPC } from "./_deps.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { finalizeDataset } from "../src/pipeline/finalize.ts";
import { validateDataset, type ValidationReport } from "../src/pipeline/validate.ts";
import { loadDataset } from "../src/dataset/reader.ts";
import { getWorld } from "../src/simulators/registry.ts";
import { parseSplitsJson } from "../src/splits.ts";
import { sha256Hex } from "../src/zarr/digest.ts";

const CREATED = "2026-01-01T00:00:00.000Z";
const ROOT = await Deno.makeTempDir({ prefix: "ume-pq-" });

/** Every world, several chunks each, Zarr v3. */
const ALL = {
  worlds: "all",
  n_samples: 90,
  T: 8,
  H: 2,
  chunk_samples: 32,
  workers: 1,
  output: `${ROOT}/all`,
};
await generateDataset(resolveConfig([ALL], 1), { createdAt: CREATED });

interface Column {
  name: string;
  type: string;
  nullable: boolean;
  values: unknown[];
}

/** Read a Parquet file with parquet-wasm; columns by name, in file order. */
function readTable(bytes: Uint8Array): { rows: number; columns: Column[] } {
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  const columns = table.schema.fields.map((f, i) => ({
    name: f.name,
    type: String(f.type),
    nullable: f.nullable,
    values: [...table.getChildAt(i)!],
  }));
  return { rows: table.numRows, columns };
}

// deno-lint-ignore no-explicit-any
async function readJson(path: string): Promise<any> {
  return JSON.parse(await Deno.readTextFile(path));
}

Deno.test("params.parquet read by parquet-wasm equals theta.zarr, the scalar metadata and splits.json", async () => {
  const dir = ALL.output;
  const bytes = await Deno.readFile(`${dir}/params.parquet`);
  const { rows, columns } = readTable(bytes);
  const worlds = Object.keys((await readJson(`${dir}/manifest.json`)).simulators);
  assert.equal(worlds.length, 6);
  assert.equal(rows, 6 * ALL.n_samples);

  // The columns, worked out here from the simulators: keys, parameters (in theta order) and
  // scalars (in name order), each in order of first appearance over the worlds; a scalar
  // named like a parameter (var's p) is meta_<name>.
  const params: string[] = [], scalars: string[] = [];
  const floatScalar = new Set<string>();
  for (const w of worlds) {
    for (const p of getWorld(w).params.names) if (!params.includes(p)) params.push(p);
    const fields = getWorld(w).metadataFields(ALL.T, ALL.H).filter((f) => f.shape.length === 0);
    for (const f of fields.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!scalars.includes(f.name)) scalars.push(f.name);
      if (f.dtype.startsWith("float")) floatScalar.add(f.name);
    }
  }
  const scalarColumn = (f: string): string => (params.includes(f) ? `meta_${f}` : f);
  assert.deepEqual(columns.map((c) => c.name), [
    "world_id",
    "sample_index",
    "split",
    ...params,
    ...scalars.map(scalarColumn),
  ]);
  assert.ok(scalars.includes("n_rejections") && scalars.includes("spectral_radius"));
  assert.ok(columns.some((c) => c.name === "meta_p"));
  const byName = new Map(columns.map((c) => [c.name, c]));
  assert.deepEqual(
    ["world_id", "sample_index", "split"].map((
      n,
    ) => [byName.get(n)!.type, byName.get(n)!.nullable]),
    [["Utf8", false], ["Int64", false], ["Utf8", false]],
  );
  for (const p of params) {
    assert.deepEqual([byName.get(p)!.type, byName.get(p)!.nullable], ["Float64", true]);
  }
  for (const f of scalars) {
    assert.equal(byName.get(scalarColumn(f))!.type, floatScalar.has(f) ? "Float64" : "Int32", f);
  }

  let row = 0;
  for (const w of worlds) {
    const loaded = await loadDataset(dir, w, { arrays: ["theta"] });
    const theta = loaded.arrays.theta.data;
    assert.ok(theta instanceof Float32Array);
    const names = getWorld(w).params.names;
    const splits = parseSplitsJson(await Deno.readTextFile(`${dir}/${w}/splits.json`));
    const splitOf = new Map<number, string>();
    for (const [name, indices] of Object.entries(splits)) {
      for (const i of indices) splitOf.set(i, name);
    }
    for (let i = 0; i < ALL.n_samples; i++, row++) {
      assert.equal(byName.get("world_id")!.values[row], w);
      assert.equal(byName.get("sample_index")!.values[row], BigInt(i));
      assert.equal(byName.get("split")!.values[row], splitOf.get(i), `${w} ${i}`);
      for (const p of params) {
        const k = names.indexOf(p);
        const got = byName.get(p)!.values[row];
        // The float64 of the stored float32, exactly; null where the world has no such parameter.
        if (k < 0) assert.equal(got, null, `${w} ${i} ${p}`);
        else assert.ok(Object.is(got, theta[i * names.length + k]), `${w} ${i} ${p}: ${got}`);
      }
      for (const f of scalars) {
        const got = byName.get(scalarColumn(f))!.values[row];
        const stored = loaded.metadata[f]?.data[i];
        assert.ok(
          stored === undefined ? got === null : Object.is(got, stored),
          `${w} ${i} ${f}: ${got} vs ${stored}`,
        );
      }
    }
  }

  // What the root group records.
  const root = await readJson(`${dir}/zarr.json`);
  assert.deepEqual(root.attributes.params_parquet, {
    path: "params.parquet",
    sha256: await sha256Hex(bytes),
    size_bytes: bytes.length,
    n_rows: rows,
  });
  const report = await validateDataset(dir, { resimulate: 0 });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.equal(report.checks["params-parquet"], 1);
});

Deno.test("params.parquet: a sharded run + finalize and a rerun write the same bytes (Zarr v2)", async () => {
  const base = {
    worlds: "var,zlb,rbc",
    n_samples: 70,
    T: 6,
    H: 2,
    chunk_samples: 16,
    workers: 1,
    zarr_format: 2 as const,
  };
  const single = `${ROOT}/single`, sharded = `${ROOT}/sharded`;
  await generateDataset(resolveConfig([{ ...base, output: single }], 1), { createdAt: CREATED });
  for (const shard of ["1/2", "0/2"]) {
    await generateDataset(resolveConfig([{ ...base, output: sharded, shard }], 1));
  }
  await Deno.stat(`${sharded}/params.parquet`).then(
    () => assert.fail("a shard wrote params.parquet"),
    (e) => assert.ok(e instanceof Deno.errors.NotFound),
  );
  await finalizeDataset(sharded, { createdAt: CREATED });
  const first = await Deno.readFile(`${single}/params.parquet`);
  assert.deepEqual(await Deno.readFile(`${sharded}/params.parquet`), first);
  assert.deepEqual(
    await Deno.readFile(`${sharded}/.zattrs`),
    await Deno.readFile(`${single}/.zattrs`),
  );
  assert.equal((await readJson(`${single}/.zattrs`)).params_parquet.sha256, await sha256Hex(first));
  // A rerun over the dataset (--overwrite deletes params.parquet as one of ours).
  await generateDataset(resolveConfig([{ ...base, output: single, overwrite: true }], 1), {
    createdAt: "2027-02-02T00:00:00.000Z",
  });
  assert.deepEqual(await Deno.readFile(`${single}/params.parquet`), first);
  const { rows, columns } = readTable(first);
  assert.equal(rows, 3 * base.n_samples);
  assert.deepEqual(
    [...new Set(columns[0].values)],
    Object.keys((await readJson(`${single}/manifest.json`)).simulators),
  );
});

async function copy(name: string): Promise<string> {
  const dst = `${ROOT}/${name}`;
  const cp = await new Deno.Command("cp", { args: ["-r", ALL.output, dst] }).output();
  assert.equal(cp.code, 0);
  return dst;
}

function problemsOf(report: ValidationReport): string[] {
  return report.problems.map((p) => `${p.check} ${p.location}`);
}

Deno.test("validate locates a flipped byte, a missing params.parquet and an edited record", async () => {
  const flipped = await copy("flipped");
  const bytes = await Deno.readFile(`${flipped}/params.parquet`);
  bytes[Math.floor(bytes.length / 2)] ^= 0x10;
  await Deno.writeFile(`${flipped}/params.parquet`, bytes);
  // Rebuilt from the intact inputs and compared byte for byte...
  const full = await validateDataset(flipped, { resimulate: 0 });
  assert.deepEqual(problemsOf(full), ["params-parquet params.parquet"]);
  assert.match(full.problems[0].message, /Differs from the params.parquet this code writes/);
  // ...or, when only some worlds are checked, against the recorded digest.
  const some = await validateDataset(flipped, { resimulate: 0, worlds: ["nk"] });
  assert.deepEqual(problemsOf(some), ["params-parquet params.parquet"]);
  assert.match(some.problems[0].message, /is not the one recorded in the root group/);

  const missing = await copy("missing");
  await Deno.remove(`${missing}/params.parquet`);
  for (const options of [{}, { worlds: ["zlb"] }]) {
    const report = await validateDataset(missing, { resimulate: 0, ...options });
    assert.deepEqual(problemsOf(report), ["params-parquet params.parquet"]);
    assert.match(report.problems[0].message, /params\.parquet is missing/);
  }

  const edited = await copy("edited");
  const root = await readJson(`${edited}/zarr.json`);
  root.attributes.params_parquet.n_rows += 1;
  root.attributes.params_parquet.sha256 = "0".repeat(64);
  await Deno.writeTextFile(`${edited}/zarr.json`, JSON.stringify(root));
  assert.deepEqual(problemsOf(await validateDataset(edited, { resimulate: 0 })), [
    "zarr-metadata zarr.json#/attributes/params_parquet/sha256",
    "zarr-metadata zarr.json#/attributes/params_parquet/n_rows",
  ]);

  // An edited splits.json is the splits check's problem, not params.parquet's.
  const split = await copy("split");
  const splits = await readJson(`${split}/nk/splits.json`);
  [splits.train[0], splits.val[0]] = [splits.val[0], splits.train[0]];
  await Deno.writeTextFile(`${split}/nk/splits.json`, JSON.stringify(splits));
  const report = await validateDataset(split, { resimulate: 0 });
  assert.ok(report.problems.length > 0);
  assert.ok(report.problems.every((p) => p.check === "splits"), JSON.stringify(report.problems));
});

Deno.test({
  name: "params.parquet tests clean up",
  fn: async () => {
    await Deno.remove(ROOT, { recursive: true });
  },
});
