/**
 * zarr-python 2.x (Debian's python3-zarr) reads a v2 dataset written by us
 * and compares every value bit for bit (xarray too), and our reader reads a
 * v2 dataset written by zarr-python. The Python is tests/_python.ts's
 * bookworm reader: skipped when it is missing, unless UME_REQUIRE_ALL=1,
 * which makes it fail instead.
 */
import assert from "node:assert/strict";
import { skipUnless } from "./_requires.ts";
import { BOOKWORM } from "./_python.ts";
import { join } from "node:path";
import { runTask } from "./_dataset_files.ts";
import { DatasetWriter } from "../src/dataset/dataset_writer.ts";
import { loadDataset, openDataset } from "../src/dataset/reader.ts";
import { Xoshiro128 } from "../src/numeric/rng.ts";
import { parseBloscHeader } from "../src/zarr/blosc.ts";
import type { MetaFieldSpec } from "../src/simulators/types.ts";

const SKIP = skipUnless(BOOKWORM);

const CHECK = `
import json, sys
import numpy as np
import zarr

root, expected_dir = sys.argv[1], sys.argv[2]
spec = json.load(open(expected_dir + "/expected.json"))
group = zarr.open_group(root + "/nk", mode="r")
assert group.attrs["world_id"] == "nk", dict(group.attrs)
checked = 0
for a in spec["arrays"]:
    arr = zarr.open_array(root + "/" + a["path"], mode="r")
    data = arr[:]
    exp = np.fromfile(expected_dir + "/" + a["file"], dtype=a["dtype"]).reshape(a["shape"])
    assert data.dtype == exp.dtype, (a["path"], data.dtype, exp.dtype)
    assert data.shape == exp.shape, (a["path"], data.shape, exp.shape)
    assert data.tobytes() == exp.tobytes(), a["path"] + ": values differ"
    assert arr.chunks[0] == a["chunks"], (a["path"], arr.chunks)
    assert arr.attrs["_ARRAY_DIMENSIONS"] == a["dims"], (a["path"], arr.attrs["_ARRAY_DIMENSIONS"])
    cfg = arr.compressor.get_config()
    assert cfg["id"] == "blosc" and cfg["cname"] == "zstd" and cfg["clevel"] == 3, cfg
    assert cfg["shuffle"] == (0 if data.dtype.itemsize == 1 else 1), cfg
    if data.dtype.kind == "f":
        assert np.isnan(arr.fill_value), arr.fill_value
    else:
        assert arr.fill_value is None, arr.fill_value  # v2 integers: no fill value, nothing masked
    checked += data.size
# the same arrays through the group hierarchy
assert group["trajectories.zarr"][:].tobytes() == zarr.open_array(root + "/nk/trajectories.zarr", mode="r")[:].tobytes()
assert "regime_seq" in group["metadata.zarr"]
import xarray as xr
ds = xr.open_zarr(root + "/nk", consolidated=False, mask_and_scale=False)
xr_checked = 0
for a in spec["arrays"]:
    name = a["path"].split("/")[-1]
    if name.endswith(".zarr"):
        var = ds[name]
        assert list(var.dims) == a["dims"], (name, var.dims)
        exp = np.fromfile(expected_dir + "/" + a["file"], dtype=a["dtype"]).reshape(a["shape"])
        assert var.values.tobytes() == exp.tobytes(), name + ": xarray values differ"
        xr_checked += 1
print(json.dumps({"checked": checked, "xarray": xr_checked}))
`;

const FIELDS: MetaFieldSpec[] = [
  { name: "regime_seq", dtype: "int8", shape: [9], dims: ["time"], description: "Regime path" },
  { name: "binding_flags", dtype: "uint8", shape: [9], dims: ["time"], description: "ZLB binds" },
  { name: "max_spell", dtype: "int32", shape: [], dims: [], description: "Longest spell" },
];

Deno.test({
  name: "zarr-python 2 reads a v2 dataset written by us, every value bit-exact",
  ignore: SKIP,
  async fn(): Promise<void> {
    assert.ok(BOOKWORM.available, `${BOOKWORM.what} is required: ${BOOKWORM.install}`);
    const dir = await Deno.makeTempDir({ prefix: "ume-python-interop-" });
    try {
      const root = join(dir, "dataset");
      const n = 29;
      const dims = { T: 9, H: 4, nShocks: 3, nParams: 5, nObs: 3 };
      const writer = await DatasetWriter.create({
        location: root,
        worldId: "nk",
        nSamples: n,
        ...dims,
        chunkSamples: 8, // the last chunk holds 5 samples
        zarrFormat: 2,
        metadataFields: FIELDS,
      });
      const sizes = {
        trajectories: dims.T * 3,
        irfs: dims.nShocks * (dims.H + 1) * 3,
        shocks: dims.T * dims.nShocks,
        theta: dims.nParams,
      };
      const expected = {
        trajectories: new Float32Array(n * sizes.trajectories),
        irfs: new Float32Array(n * sizes.irfs),
        shocks: new Float32Array(n * sizes.shocks),
        theta: new Float32Array(n * sizes.theta),
        regime_seq: new Int8Array(n * 9),
        binding_flags: new Uint8Array(n * 9),
        max_spell: new Int32Array(n),
      };
      for (let step = 0; step < n; step++) {
        const i = (step * 11) % n; // out of order
        const rng = new Xoshiro128(i + 3, 5, 7, 9);
        const draw = (name: keyof typeof sizes): Float64Array => {
          const values = new Float64Array(sizes[name]);
          for (let k = 0; k < values.length; k++) {
            values[k] = rng.nextNormal() * 10 ** rng.integer(-3, 3);
          }
          expected[name].set(values, i * sizes[name]);
          return values;
        };
        const regime = Int8Array.from({ length: 9 }, () => rng.integer(-1, 1));
        const flags = Uint8Array.from({ length: 9 }, () => rng.integer(0, 1));
        const spell = rng.integer(-100000, 100000);
        expected.regime_seq.set(regime, i * 9);
        expected.binding_flags.set(flags, i * 9);
        expected.max_spell[i] = spell;
        await writer.writeSample(i, {
          theta: draw("theta"),
          trajectories: draw("trajectories"),
          irfs: draw("irfs"),
          shocks: draw("shocks"),
          metadata: { regime_seq: regime, binding_flags: flags, max_spell: spell },
        });
      }
      const summary = await writer.finalize();
      const arrays = [];
      for (const [name, data] of Object.entries(expected)) {
        const key = name in sizes ? name : `metadata/${name}`;
        const info = summary.arrays[key];
        const file = `${name}.bin`;
        await Deno.writeFile(join(dir, file), new Uint8Array(data.buffer));
        const spec = [...FIELDS].find((f) => f.name === name);
        arrays.push({
          path: info.path,
          file,
          dtype: { float32: "<f4", int8: "|i1", uint8: "|u1", int32: "<i4" }[info.dtype as string],
          shape: info.shape,
          chunks: info.chunks[0],
          dims: spec === undefined
            ? {
              trajectories: ["sample", "time", "observable"],
              irfs: ["sample", "shock", "horizon", "observable"],
              shocks: ["sample", "time", "shock"],
              theta: ["sample", "param"],
            }[name]
            : ["sample", ...spec.dims],
        });
      }
      await Deno.writeTextFile(join(dir, "expected.json"), JSON.stringify({ arrays }));
      const out = await BOOKWORM.run(["-c", CHECK, root, dir], dir);
      assert.equal(out.code, 0, `python check failed:\n${out.stderr}`);
      const report = JSON.parse(out.stdout);
      const total = Object.values(expected).reduce((s, a) => s + a.length, 0);
      assert.equal(report.checked, total);
      assert.equal(report.xarray, 4); // trajectories, irfs, shocks, theta
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const WRITE = `
import sys
import numpy as np
import numcodecs
import zarr

root = sys.argv[1]
blosc = numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.SHUFFLE)
world = zarr.open_group(root, mode="w").create_group("nk")
world.attrs["world_id"] = "nk"
meta = world.create_group("metadata.zarr")

def array(group, name, shape, dtype, dims):
    size = int(np.prod(shape))
    k = np.arange(size)
    values = (k * 37 % 101) - 50
    if np.dtype(dtype).kind == "f":
        values = values / 8.0
    kind = np.dtype(dtype).kind
    a = group.create_dataset(name, shape=shape, chunks=(3,) + shape[1:], dtype=dtype,
                             compressor=blosc, fill_value=np.nan if kind == "f" else 0)
    a[:] = values.reshape(shape).astype(dtype)
    a.attrs["_ARRAY_DIMENSIONS"] = dims

array(world, "trajectories.zarr", (7, 5, 3), "<f4", ["sample", "time", "observable"])
array(world, "irfs.zarr", (7, 2, 3, 3), "<f4", ["sample", "shock", "horizon", "observable"])
array(world, "shocks.zarr", (7, 5, 2), "<f4", ["sample", "time", "shock"])
array(world, "theta.zarr", (7, 4), "<f4", ["sample", "param"])
array(meta, "score", (7,), "<f8", ["sample"])
array(meta, "regime_seq", (7, 5), "|i1", ["sample", "time"])
`;

Deno.test({
  name:
    "loadDataset() reads a v2 dataset written by zarr-python 2 (incl. float64 shuffled with typesize 8)",
  ignore: SKIP,
  async fn(): Promise<void> {
    assert.ok(BOOKWORM.available, `${BOOKWORM.what} is required: ${BOOKWORM.install}`);
    const dir = await Deno.makeTempDir({ prefix: "ume-python-written-" });
    try {
      const out = await BOOKWORM.run(["-c", WRITE, dir], dir);
      assert.equal(out.code, 0, `python writer failed:\n${out.stderr}`);
      const expected = (size: number, float: boolean): number[] =>
        Array.from({ length: size }, (_, k) => ((k * 37) % 101 - 50) / (float ? 8 : 1));
      const info = await openDataset(dir);
      assert.deepEqual(Object.keys(info.worlds), ["nk"]);
      assert.equal(info.worlds.nk.zarrFormat, 2);
      assert.deepEqual(info.worlds.nk.arrays.irfs.dimensionNames, [
        "sample",
        "shock",
        "horizon",
        "observable",
      ]);
      const loaded = await loadDataset(dir, "nk");
      assert.deepEqual(Array.from(loaded.arrays.trajectories.data), expected(105, true));
      assert.deepEqual(Array.from(loaded.arrays.irfs.data), expected(126, true));
      assert.deepEqual(Array.from(loaded.arrays.shocks.data), expected(70, true));
      assert.deepEqual(Array.from(loaded.arrays.theta.data), expected(28, true));
      const score = parseBloscHeader(
        await Deno.readFile(join(dir, "nk", "metadata.zarr", "score", "0")),
      );
      assert.equal(score.typesize, 8);
      assert.equal(score.shuffle, "shuffle");
      assert.ok(loaded.metadata.score.data instanceof Float64Array);
      assert.deepEqual(Array.from(loaded.metadata.score.data), expected(7, true));
      assert.ok(loaded.metadata.regime_seq.data instanceof Int8Array);
      assert.deepEqual(Array.from(loaded.metadata.regime_seq.data), expected(35, false));
      const picked = await loadDataset(dir, "nk", {
        indices: [6, 2],
        arrays: ["theta"],
        metadata: false,
      });
      const theta = expected(28, true);
      assert.deepEqual(Array.from(picked.arrays.theta.data), [
        ...theta.slice(24, 28),
        ...theta.slice(8, 12),
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const CHECK_FLOAT64 = `
import json, sys
import numpy as np
import zarr

root, expected_dir = sys.argv[1], sys.argv[2]
spec = json.load(open(expected_dir + "/expected.json"))
checked = 0
for a in spec["arrays"]:
    arr = zarr.open_array(root + "/" + a["path"], mode="r")
    data = arr[:]
    assert data.dtype == np.dtype("<f8"), (a["path"], data.dtype)
    exp = np.fromfile(expected_dir + "/" + a["file"], dtype="<f8").reshape(a["shape"])
    assert data.shape == exp.shape, (a["path"], data.shape, exp.shape)
    assert data.tobytes() == exp.tobytes(), a["path"] + ": values differ"
    checked += data.size
print(json.dumps({"checked": checked}))
`;

Deno.test({
  name:
    "--dtype float64 round-trips through zarr-python 2: the main arrays are <f8 and equal the reader's float64 values",
  ignore: SKIP,
  async fn(): Promise<void> {
    assert.ok(BOOKWORM.available, `${BOOKWORM.what} is required: ${BOOKWORM.install}`);
    const dir = await Deno.makeTempDir({ prefix: "ume-python-float64-" });
    try {
      const root = join(dir, "dataset");
      // Through the tasks, with their permissions, as users run them.
      const g = await runTask("generate", [
        ...["--world", "nk,switching", "--n-samples", "11", "--T", "9", "--H", "4"],
        ...["--chunk-samples", "4", "--zarr-format", "2", "--dtype", "float64", "--workers", "1"],
        ...["--output", root, "--quiet"],
      ]);
      assert.equal(g.code, 0, g.stderr);
      const v = await runTask("validate", ["--path", root, "--quiet"]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      const arrays = [];
      let total = 0;
      let unrounded = 0;
      for (const world of ["nk", "switching"]) {
        const loaded = await loadDataset(root, world, { metadata: false });
        for (const [name, a] of Object.entries(loaded.arrays)) {
          assert.equal(a.dtype, "float64");
          assert.ok(a.data instanceof Float64Array, `${world}/${name} is not float64`);
          for (const v of a.data) if (v !== Math.fround(v)) unrounded++;
          const file = `${world}_${name}.bin`;
          await Deno.writeFile(join(dir, file), new Uint8Array(a.data.buffer));
          arrays.push({ path: `${world}/${name}.zarr`, file, shape: a.shape });
          total += a.data.length;
        }
      }
      // float64 values really are float64 (not float32 values widened).
      assert.ok(unrounded > total / 2, `${unrounded} of ${total} values are not float32`);
      await Deno.writeTextFile(join(dir, "expected.json"), JSON.stringify({ arrays }));
      const out = await BOOKWORM.run(["-c", CHECK_FLOAT64, root, dir], dir);
      assert.equal(out.code, 0, `python check failed:\n${out.stderr}`);
      assert.equal(JSON.parse(out.stdout).checked, total);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
