/**
 * What Python users get from a generated dataset (issue 12), for both Zarr
 * formats:
 *
 * - fill values: xarray's default decoding returns the raw values (same
 *   dtype) for every array of every world (no integer masked to NaN);
 * - coordinates: `.sel(shock=..., observable=...)` and `.sel(param=...)`
 *   return the slices the names label;
 * - consolidated metadata at every group and the root: opening a world with
 *   default arguments gives no warning (Python runs with `-W error`), and it
 *   equals the per-array documents; `validate` catches a stale copy and
 *   accepts one zarr-python made;
 * - the TypeScript reader: one split by name, coordinates and attributes.
 *
 * Format 2 is read by the first Python with zarr ($UME_PYTHON, else python3):
 * Debian 12's zarr-python 2.13 and xarray 2023.01 read only format 2. When
 * that Python has zarr-python 3 (a CI chroot), format 3 is read too, and
 * `xr.open_datatree(root)` where xarray has it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { skipUnless } from "./_requires.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { validateDataset } from "../src/pipeline/validate.ts";
import { loadDataset, openDataset } from "../src/dataset/reader.ts";
import { consolidatedProblems, ZMETADATA } from "../src/zarr/consolidated.ts";
import { parseSplitsJson } from "../src/splits.ts";
import { WORLD_IDS } from "../src/simulators/types.ts";

function pythonWith(python: string, code: string): boolean {
  try {
    return new Deno.Command(python, { args: ["-c", code], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const PYTHON =
  (Deno.env.get("UME_PYTHON") ? [Deno.env.get("UME_PYTHON")!] : ["python3", "/usr/bin/python3"])
    .find((p) => pythonWith(p, "import zarr, xarray"));
const ZARR3 = PYTHON !== undefined &&
  pythonWith(PYTHON, "import zarr, sys; sys.exit(int(zarr.__version__.split('.')[0]) < 3)");
const SKIP = skipUnless({
  what: "zarr-python and xarray (python3-zarr, python3-xarray)",
  available: PYTHON !== undefined,
  install: "apt-get install -y --no-install-recommends python3-zarr python3-xarray",
});

const ROOT = await Deno.makeTempDir({ prefix: "ume-python-layout-" });
const SMALL = { n_samples: 30, T: 12, H: 4, chunk_samples: 8, workers: 1 };
const DATA: Record<2 | 3, string> = { 2: join(ROOT, "f2"), 3: join(ROOT, "f3") };
for (const format of [2, 3] as const) {
  await generateDataset(
    resolveConfig([{ ...SMALL, output: DATA[format], zarr_format: format }], 1),
  );
}

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(ROOT, { recursive: true });
  } catch {
    // already gone
  }
});

/**
 * Opens every world (and its metadata.zarr) with xarray's defaults, compares
 * each variable with zarr-python's raw read (values and dtype), checks the
 * label selections against positional indexing, and prints a summary.
 */
const CHECK = `
import json, sys, warnings
warnings.simplefilter("error")
import numpy as np
import zarr, xarray as xr

root = sys.argv[1]
zarr3 = int(zarr.__version__.split(".")[0]) >= 3
if zarr3:
    # zarr-python 3.0-3.3 note that vlen-utf8 strings are not yet in the v3 spec: allowed (issue 12);
    # a warning about missing consolidated metadata or non-Zarr files is not.
    warnings.filterwarnings("ignore", message=".*is currently not part in the Zarr format 3 specification")
    warnings.filterwarnings("ignore", message=".*does not have a Zarr V3 specification")
root_group = zarr.open_group(root, mode="r") if zarr3 else zarr.open_consolidated(root, mode="r")
worlds = list(root_group.attrs["worlds"])
out = {"worlds": sorted(root_group.group_keys()), "attrs": dict(root_group.attrs), "variables": 0}
for w in worlds:
    for sub in ["", "/metadata.zarr"]:
        path = root + "/" + w + sub
        ds = xr.open_zarr(path)
        raw_group = zarr.open_group(path, mode="r")
        for name, var in ds.variables.items():
            raw = raw_group[name][...]
            dec = var.values
            if raw.dtype.kind in "OUT":
                assert [str(x) for x in dec] == [str(x) for x in raw], (path, name)
            else:
                assert dec.dtype == raw.dtype, (path, name, str(dec.dtype), str(raw.dtype))
                assert np.array_equal(dec, raw), (path, name)
            out["variables"] += 1
ds = xr.open_zarr(root + "/nk")
shocks = [str(s) for s in ds["shock"].values]
obs = [str(s) for s in ds["observable"].values]
params = [str(s) for s in ds["param"].values]
irfs = zarr.open_group(root + "/nk", mode="r")["irfs.zarr"][...]
theta = zarr.open_group(root + "/nk", mode="r")["theta.zarr"][...]
sel = ds["irfs.zarr"].sel(shock="monetary", observable="inflation").values
assert np.array_equal(sel, irfs[:, shocks.index("monetary"), :, obs.index("inflation")])
sel = ds["theta.zarr"].sel(param="phi_pi").values
assert np.array_equal(sel, theta[:, params.index("phi_pi")])
assert list(ds["sample"].values) == list(range(theta.shape[0]))
out.update(shocks=shocks, observables=obs, params=params)
if zarr3 and hasattr(xr, "open_datatree"):
    tree = xr.open_datatree(root, engine="zarr")
    out["datatree"] = sorted(tree.children)
print(json.dumps(out))
`;

async function python(args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(PYTHON!, { args: ["-W", "error", "-c", ...args] }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `python failed:\n${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

for (const format of [2, 3] as const) {
  Deno.test({
    name:
      `format ${format}: xarray decodes every array as zarr-python reads it, and .sel works by name`,
    ignore: SKIP || (format === 3 && !ZARR3),
    async fn(): Promise<void> {
      const out = await python([CHECK, DATA[format]]);
      assert.deepEqual(out.worlds, [...WORLD_IDS].sort());
      // 6 worlds x (4 main arrays + 6 coordinates) + every metadata.zarr's fields and coordinates
      assert.ok((out.variables as number) > 6 * 10, `${out.variables} variables`);
      assert.deepEqual(out.shocks, ["monetary", "demand", "cost_push"]);
      assert.deepEqual(out.observables, ["output", "inflation", "rate"]);
      assert.ok((out.params as string[]).includes("phi_pi"));
      const attrs = out.attrs as Record<string, unknown>;
      assert.equal(attrs.dataset_version, "1.0.0");
      assert.deepEqual(attrs.worlds, [...WORLD_IDS]);
      assert.equal((attrs.storage as { zarr_format: number }).zarr_format, format);
      if ("datatree" in out) assert.deepEqual(out.datatree, [...WORLD_IDS].sort());
    },
  });
}

const CONSOLIDATE = `
import sys, zarr
zarr.consolidate_metadata(sys.argv[1] + "/nk")
zarr.consolidate_metadata(sys.argv[1])
`;

Deno.test({
  name:
    "format 2: validate accepts .zmetadata made by zarr-python and reports a stale one, located",
  ignore: SKIP || ZARR3,
  async fn(): Promise<void> {
    const copy = join(ROOT, "f2-consolidated");
    const cp = await new Deno.Command("cp", { args: ["-r", DATA[2], copy] }).output();
    assert.ok(cp.success);
    const before = await Deno.readTextFile(join(copy, "nk", ZMETADATA));
    const made = await new Deno.Command(PYTHON!, { args: ["-c", CONSOLIDATE, copy] }).output();
    assert.ok(made.success, new TextDecoder().decode(made.stderr));
    const after = await Deno.readTextFile(join(copy, "nk", ZMETADATA));
    assert.notEqual(after, before, "zarr-python formats it differently (indent 4, sorted keys)");
    const ok = await validateDataset(copy, { resimulate: 0 });
    assert.deepEqual(ok.problems, []);
    // A stale copy: the shape theta.zarr had before (say) an edit.
    const doc = JSON.parse(after);
    doc.metadata["theta.zarr/.zarray"].shape[0] = 29;
    await Deno.writeTextFile(join(copy, "nk", ZMETADATA), JSON.stringify(doc));
    const bad = await validateDataset(copy, { resimulate: 0 });
    assert.deepEqual(bad.problems.map((p) => [p.check, p.location]), [
      ["zarr-metadata", "nk/.zmetadata#/metadata/theta.zarr~1.zarray"],
    ]);
    assert.match(bad.problems[0].message, /differs from nk\/theta\.zarr\/\.zarray/);
  },
});

Deno.test("consolidated metadata equals every array's own document, at every group, in both formats", async () => {
  for (const format of [2, 3] as const) {
    const dir = DATA[format];
    const stored = new Map<string, unknown>();
    const walk = async (prefix: string): Promise<void> => {
      for await (const e of Deno.readDir(join(dir, prefix))) {
        const key = prefix === "" ? e.name : `${prefix}/${e.name}`;
        if (e.isDirectory) await walk(key);
        else if ([".zarray", ".zattrs", ".zgroup", "zarr.json"].includes(e.name)) {
          stored.set(key, JSON.parse(await Deno.readTextFile(join(dir, key))));
        }
      }
    };
    await walk("");
    const groups = ["", ...WORLD_IDS, ...WORLD_IDS.map((w) => `${w}/metadata.zarr`)];
    for (const group of groups) {
      const key = format === 3
        ? (group === "" ? "zarr.json" : `${group}/zarr.json`)
        : (group === "" ? ZMETADATA : `${group}/${ZMETADATA}`);
      const doc = JSON.parse(await Deno.readTextFile(join(dir, key)));
      assert.deepEqual(consolidatedProblems(group, format, doc, stored), [], key);
      const entries = Object.keys(
        format === 3 ? doc.consolidated_metadata.metadata : doc.metadata,
      );
      const below = [...stored.keys()].filter((k) => group === "" || k.startsWith(`${group}/`));
      assert.equal(
        entries.length,
        format === 3 ? below.length - 1 : below.length,
        `${key}: one entry per document`,
      );
    }
  }
});

Deno.test("format 3: validate reports an edited consolidated entry at its pointer", async () => {
  const copy = join(ROOT, "f3-stale");
  const cp = await new Deno.Command("cp", { args: ["-r", DATA[3], copy] }).output();
  assert.ok(cp.success);
  const key = join(copy, "zarr.json");
  const doc = JSON.parse(await Deno.readTextFile(key));
  doc.consolidated_metadata.metadata["nk/theta.zarr"].attributes.units = "edited";
  await Deno.writeTextFile(key, JSON.stringify(doc));
  const report = await validateDataset(copy, { resimulate: 0 });
  assert.deepEqual(report.problems.map((p) => [p.check, p.location]), [
    ["zarr-metadata", "zarr.json#/consolidated_metadata/metadata/nk~1theta.zarr"],
  ]);
});

Deno.test("validate reports an edited coordinate chunk", async () => {
  const copy = join(ROOT, "f2-coordinate");
  const cp = await new Deno.Command("cp", { args: ["-r", DATA[2], copy] }).output();
  assert.ok(cp.success);
  const chunk = join(copy, "nk", "shock", "0");
  const bytes = await Deno.readFile(chunk);
  bytes[0] ^= 1;
  await Deno.writeFile(chunk, bytes);
  const report = await validateDataset(copy, { resimulate: 0 });
  assert.deepEqual(report.problems.map((p) => [p.check, p.location]), [
    ["zarr-metadata", "nk/shock/0"],
  ]);
});

Deno.test("loadDataset() loads one split by name, with coordinates and attributes; openDataset() carries the manifest", async () => {
  for (const format of [2, 3] as const) {
    const dir = DATA[format];
    const splits = parseSplitsJson(await Deno.readTextFile(join(dir, "nk", "splits.json")));
    const train = await loadDataset(dir, "nk", { split: "train", arrays: ["theta"] });
    assert.deepEqual(train.indices, Array.from(splits.train));
    assert.deepEqual(train.coordinates.sample, Array.from(splits.train));
    assert.deepEqual(train.coordinates.shock, undefined); // theta has no shock axis
    assert.ok((train.coordinates.param as string[]).includes("phi_pi"));
    assert.equal(train.attributes.world_id, "nk");
    const all = await loadDataset(dir, "nk", { arrays: ["theta"], metadata: false });
    const nParams = all.arrays.theta.shape[1];
    const row = train.indices![1];
    assert.deepEqual(
      Array.from(train.arrays.theta.data.subarray(nParams, 2 * nParams)),
      Array.from(all.arrays.theta.data.subarray(row * nParams, (row + 1) * nParams)),
    );
    const irfs = await loadDataset(dir, "switching", { range: [2, 5], arrays: ["irfs"] });
    assert.deepEqual(irfs.coordinates.sample, [2, 3, 4]);
    assert.deepEqual(irfs.coordinates.horizon, [0, 1, 2, 3, 4]);
    assert.deepEqual(irfs.coordinates.regime, [0, 1]); // from metadata.zarr (irfs_by_regime)
    await assert.rejects(loadDataset(dir, "nk", { split: "nope" }), /the splits are train, val/);
    const dataset = await openDataset(dir);
    assert.equal(dataset.manifest?.version, "1.0.0");
    assert.deepEqual(dataset.attributes.worlds, [...WORLD_IDS]);
    assert.deepEqual(Object.keys(dataset.worlds.nk.arrays).sort(), [
      "irfs",
      "shocks",
      "theta",
      "trajectories",
    ]);
    assert.deepEqual(dataset.worlds.nk.coordinates.observable, ["output", "inflation", "rate"]);
  }
});
