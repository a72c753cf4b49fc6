/**
 * What Python users get from a generated dataset (issue 12), for both Zarr
 * formats, with every reader of tests/_python.ts that reads the format:
 * format 2 with bookworm (zarr-python 2.13, xarray 2023.01) and trixie
 * (zarr-python 3.0 reads format 2 too), format 3 with trixie and forky
 * (zarr-python 3.4):
 *
 * - fill values: xarray's default decoding returns the raw values (same
 *   dtype) for every array of every world and every metadata.zarr (no
 *   integer masked to NaN);
 * - coordinates: `.sel(shock=..., observable=...)` and `.sel(param=...)`
 *   return the slices the names label, for every name of every world;
 * - the root is a group of the six worlds (`zarr.open_group`, and with
 *   zarr-python 3 `xr.open_datatree(root, engine="zarr")`);
 * - consolidated metadata at every group and the root: `xr.open_zarr(world)`
 *   and `open_datatree` with default arguments give no warning (every warning
 *   is an error, except the notice zarr-python 3.0 prints for `vlen-utf8`
 *   strings, which are not yet in the v3 spec; zarr-python 3.4 must not print
 *   it), opening a world reads no array's own metadata document and lists
 *   nothing, and the consolidated documents equal the per-array ones;
 *   `validate` catches a stale copy and accepts one zarr-python made;
 * - the TypeScript reader: one split by name, coordinates and attributes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { skipUnless } from "./_requires.ts";
import { BOOKWORM, copyTree, FORKY, type PythonReader, TRIXIE } from "./_python.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { validateDataset } from "../src/pipeline/validate.ts";
import { loadDataset, openDataset } from "../src/dataset/reader.ts";
import { consolidatedProblems, ZMETADATA } from "../src/zarr/consolidated.ts";
import { parseSplitsJson } from "../src/splits.ts";
import { WORLD_IDS } from "../src/simulators/types.ts";

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

/** The readers of each format (zarr-python 3 reads both). */
const RUNS: { reader: PythonReader; format: 2 | 3 }[] = [
  { reader: BOOKWORM, format: 2 },
  { reader: TRIXIE, format: 2 },
  { reader: TRIXIE, format: 3 },
  { reader: FORKY, format: 3 },
];

/** The notice zarr-python 3.0 prints for the `vlen-utf8` codec of format-3 string arrays. */
const VLEN_NOTICE =
  "The codec `vlen-utf8` is currently not part in the Zarr format 3 specification";

/**
 * Opens every world (and its metadata.zarr) with xarray's defaults, compares
 * each variable with zarr-python's raw read (values and dtype), checks every
 * label selection against positional indexing, opens the root as a group
 * (and a datatree with zarr-python 3), counts the store requests that opening
 * one world takes, and prints a summary.
 */
const CHECK = `
import collections, json, sys
import numpy as np
import zarr, xarray as xr

root = sys.argv[1]
zarr3 = int(zarr.__version__.split(".")[0]) >= 3
root_group = zarr.open_group(root, mode="r")
worlds = list(root_group.attrs["worlds"])
out = {"zarr": zarr.__version__, "worlds": sorted(root_group.group_keys()),
       "attrs": dict(root_group.attrs), "variables": 0, "selections": 0}

def strings(a):
    return [str(x) for x in np.asarray(a).ravel()]

for w in worlds:
    for sub in ["", "/metadata.zarr"]:
        path = root + "/" + w + sub
        ds = xr.open_zarr(path)
        raw_group = zarr.open_group(path, mode="r")
        for name, var in ds.variables.items():
            raw = raw_group[name][...]
            dec = var.values
            assert dec.shape == raw.shape, (path, name, dec.shape, raw.shape)
            if raw.dtype.kind in "OUT":
                assert dec.dtype.kind in "OUT", (path, name, str(dec.dtype))
                assert strings(dec) == strings(raw), (path, name)
            else:
                assert dec.dtype == raw.dtype, (path, name, str(dec.dtype), str(raw.dtype))
                assert np.array_equal(dec, raw), (path, name)
            out["variables"] += 1
    ds = xr.open_zarr(root + "/" + w)
    raw_group = zarr.open_group(root + "/" + w, mode="r")
    irfs, theta = raw_group["irfs.zarr"][...], raw_group["theta.zarr"][...]
    shocks, obs, params = (strings(ds[c].values) for c in ("shock", "observable", "param"))
    assert list(ds["sample"].values) == list(range(theta.shape[0])), w
    for s in shocks:
        for o in obs:
            sel = ds["irfs.zarr"].sel(shock=s, observable=o).values
            assert np.array_equal(sel, irfs[:, shocks.index(s), :, obs.index(o)]), (w, s, o)
            out["selections"] += 1
    for p in params:
        sel = ds["theta.zarr"].sel(param=p).values
        assert np.array_equal(sel, theta[:, params.index(p)]), (w, p)
        out["selections"] += 1
    if w == "nk":
        out.update(shocks=shocks, observables=obs, params=params)

if zarr3:
    tree = xr.open_datatree(root, engine="zarr")
    out["datatree"] = sorted(tree.children)

# The store requests xr.open_zarr(world) makes: metadata documents read, lists.
META = (".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json")
requests = collections.Counter()
meta_keys = []
def counted(key):
    if str(key).endswith(META):
        requests["metadata"] += 1
        meta_keys.append(str(key))
    else:
        requests["chunk"] += 1
if zarr3:
    from zarr.storage import LocalStore, WrapperStore
    class Counting(WrapperStore):
        async def get(self, key, *args, **kwargs):
            counted(key)
            return await self._store.get(key, *args, **kwargs)
        async def exists(self, key):
            requests["exists"] += 1
            return await self._store.exists(key)
        def list(self):
            requests["list"] += 1
            return self._store.list()
        def list_prefix(self, prefix):
            requests["list"] += 1
            return self._store.list_prefix(prefix)
        def list_dir(self, prefix):
            requests["list"] += 1
            return self._store.list_dir(prefix)
    store = Counting(LocalStore(root + "/nk", read_only=True))
else:
    from collections.abc import MutableMapping
    class Counting(MutableMapping):
        def __init__(self, inner):
            self.inner = inner
        def __getitem__(self, key):
            counted(key)
            return self.inner[key]
        def __contains__(self, key):
            requests["exists"] += 1
            return key in self.inner
        def __iter__(self):
            requests["list"] += 1
            return iter(self.inner)
        def __len__(self):
            return len(self.inner)
        def __setitem__(self, key, value):
            raise TypeError("read only")
        def __delitem__(self, key):
            raise TypeError("read only")
        def listdir(self, path=""):
            requests["list"] += 1
            return self.inner.listdir(path)
    store = Counting(zarr.storage.DirectoryStore(root + "/nk"))
xr.open_zarr(store)
out["open_world"] = dict(requests)
out["open_world_metadata"] = sorted(set(meta_keys))
print(json.dumps(out))
`;

/** `python3 -W` options: every warning is an error, but for those `allow` names. */
function warnings(allow: string[]): string[] {
  return ["error", ...allow.map((m) => `ignore:${m}`)].flatMap((w) => ["-W", w]);
}

for (const { reader, format } of RUNS) {
  Deno.test({
    name:
      `format ${format} with ${reader.name}: xarray decodes every array as zarr-python reads it, .sel works by name, the root opens as six worlds`,
    ignore: skipUnless(reader),
    async fn(): Promise<void> {
      assert.ok(reader.available, `${reader.what} is required: ${reader.install}`);
      const dir = await reader.tempDir("ume-python-layout-");
      try {
        await copyTree(DATA[format], join(dir, "dataset"));
        await Deno.writeTextFile(join(dir, "check.py"), CHECK);
        // zarr-python 3.0 (trixie) notes that vlen-utf8 is not yet in the v3 spec; 3.4 must not
        const allow = reader === TRIXIE && format === 3 ? [VLEN_NOTICE] : [];
        const r = await reader.run([...warnings(allow), "check.py", "dataset"], dir);
        assert.equal(r.code, 0, `check.py failed with ${reader.name}:\n${r.stderr}`);
        const out = JSON.parse(r.stdout);
        assert.deepEqual(out.worlds, [...WORLD_IDS].sort());
        // 6 worlds x (4 main arrays + 6 coordinates) + every metadata.zarr's fields and coordinates
        assert.ok(out.variables > 6 * 10, `${out.variables} variables`);
        assert.ok(out.selections > 6 * 9, `${out.selections} selections`);
        assert.deepEqual(out.shocks, ["monetary", "demand", "cost_push"]);
        assert.deepEqual(out.observables, ["output", "inflation", "rate"]);
        assert.ok(out.params.includes("phi_pi"));
        assert.equal(out.attrs.dataset_version, "1.0.0");
        assert.deepEqual(out.attrs.worlds, [...WORLD_IDS]);
        assert.equal(out.attrs.storage.zarr_format, format);
        if (reader !== BOOKWORM) assert.deepEqual(out.datatree, [...WORLD_IDS].sort());
        // Opening a world reads the group's own documents (the consolidated ones), never an
        // array's, and lists nothing: on S3, one round of requests whatever the number of arrays.
        // zarr-python 2 reads .zmetadata alone; zarr-python 3 probes zarr.json, .zgroup,
        // .zattrs and .zmetadata together (of which one, or three in format 2, exist).
        assert.deepEqual(
          out.open_world_metadata,
          reader === BOOKWORM ? [".zmetadata"] : [".zattrs", ".zgroup", ".zmetadata", "zarr.json"],
        );
        assert.equal(out.open_world.list, undefined, JSON.stringify(out.open_world));
        assert.equal(out.open_world.exists, undefined, JSON.stringify(out.open_world));
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

/** Consolidates a world's and the root's metadata with zarr-python. */
const CONSOLIDATE = `
import sys, zarr
zarr.consolidate_metadata(sys.argv[1] + "/nk")
zarr.consolidate_metadata(sys.argv[1])
`;

Deno.test({
  name:
    "format 2: validate accepts .zmetadata made by zarr-python and reports a stale one, located",
  ignore: skipUnless(BOOKWORM),
  async fn(): Promise<void> {
    assert.ok(BOOKWORM.available, `${BOOKWORM.what} is required: ${BOOKWORM.install}`);
    const dir = await BOOKWORM.tempDir("ume-python-layout-");
    try {
      const copy = join(dir, "dataset");
      await copyTree(DATA[2], copy);
      const before = await Deno.readTextFile(join(copy, "nk", ZMETADATA));
      await Deno.writeTextFile(join(dir, "consolidate.py"), CONSOLIDATE);
      const made = await BOOKWORM.run(["consolidate.py", "dataset"], dir);
      assert.equal(made.code, 0, made.stderr);
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
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

for (const reader of [TRIXIE, FORKY]) {
  Deno.test({
    name: `format 3: validate accepts the consolidated metadata ${reader.what} writes`,
    ignore: skipUnless(reader),
    async fn(): Promise<void> {
      assert.ok(reader.available, `${reader.what} is required: ${reader.install}`);
      const dir = await reader.tempDir("ume-python-layout-");
      try {
        const copy = join(dir, "dataset");
        await copyTree(DATA[3], copy);
        const before = await Deno.readTextFile(join(copy, "zarr.json"));
        await Deno.writeTextFile(join(dir, "consolidate.py"), CONSOLIDATE);
        const made = await reader.run(["consolidate.py", "dataset"], dir);
        assert.equal(made.code, 0, made.stderr);
        const text = await Deno.readTextFile(join(copy, "nk", "zarr.json"));
        if (reader === TRIXIE) {
          // zarr-python 3.0 writes a float64 NaN fill value as Python's bare NaN (not JSON)
          assert.match(text, /"fill_value": NaN/);
        } else {
          const after = JSON.parse(await Deno.readTextFile(join(copy, "zarr.json")));
          assert.notDeepEqual(after, JSON.parse(before), "zarr-python writes its own entries");
          // it spells out the default storage_transformers, which our documents leave out
          assert.deepEqual(
            after.consolidated_metadata.metadata["nk/theta.zarr"].storage_transformers,
            [],
          );
        }
        const report = await validateDataset(copy, { resimulate: 0 });
        assert.deepEqual(report.problems, []);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

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
