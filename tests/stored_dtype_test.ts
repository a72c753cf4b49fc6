// Stored inputs are exactly the inputs simulated (#11 item 3), and --dtype float64 (item 5):
// theta and shocks read back from the Zarr arrays reproduce the stored trajectories and IRFs
// bit for bit through the public world API; stored theta lies inside the manifest bounds when
// compared in float64; validate compares in float64.
import assert from "node:assert/strict";
import { generateDataset } from "../src/pipeline/generate.ts";
import { checkConfigFile, resolveConfig } from "../src/pipeline/config.ts";
import { validateDataset } from "../src/pipeline/validate.ts";
import { loadDataset } from "../src/dataset/reader.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { getWorld } from "../src/simulators/registry.ts";
import { WORLD_IDS, type WorldId } from "../src/simulators/types.ts";
import {
  quantizeTheta,
  quantizeValues,
  quantizeWithin,
  type StoredDtype,
} from "../src/numeric/quantize.ts";
import { keyedStream, STREAM } from "../src/numeric/rng.ts";
import { layoutForWorld } from "../src/pipeline/world_plan.ts";
import { BloscCodec, bloscConfigFor, parseBloscHeader } from "../src/zarr/blosc.ts";
import { MANIFEST_KEY, readManifest, serializeManifest } from "../src/manifest/manifest_io.ts";
import { sha256Hex } from "../src/zarr/digest.ts";
import { collectReport } from "../src/report/collect.ts";
import { renderReportHtml } from "../src/report/html.ts";

const T = 12, H = 3, N = 4;

async function dataset(
  dtype: StoredDtype,
  worlds: readonly WorldId[] = WORLD_IDS,
  extra: Record<string, unknown> = {},
): Promise<MemoryStore> {
  const store = new MemoryStore();
  const config = resolveConfig([{
    worlds: [...worlds],
    n_samples: N,
    T,
    H,
    workers: 1,
    dtype,
    chunk_samples: 2,
    ...extra,
  }], 1);
  await generateDataset(config, { store, memoryBytes: 2 ** 34 });
  return store;
}

function bytesOf(values: ArrayLike<number>, dtype: StoredDtype): Uint8Array {
  const typed = dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
  return new Uint8Array(typed.buffer);
}

/** Entries `[from, to)` of a loaded array, as float64. */
function part(a: ArrayLike<number>, from: number, to: number): Float64Array {
  const out = new Float64Array(to - from);
  for (let j = from; j < to; j++) out[j - from] = a[j];
  return out;
}

/** The next float64 above / below x. */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigInt64Array(f.buffer);
  u[0] += x >= 0 ? 1n : -1n;
  return f[0];
}
function nextDown(x: number): number {
  return -nextUp(-x);
}

for (const dtype of ["float32", "float64"] as const) {
  Deno.test(`every world: theta and shocks read back re-simulate the stored trajectories and IRFs bit for bit (${dtype})`, async () => {
    const store = await dataset(dtype);
    for (const id of WORLD_IDS) {
      const world = getWorld(id);
      const loaded = await loadDataset(store, id);
      const { theta, shocks, trajectories, irfs } = loaded.arrays;
      for (const a of [theta, shocks, trajectories, irfs]) assert.equal(a.dtype, dtype, id);
      assert.ok(theta.data instanceof (dtype === "float32" ? Float32Array : Float64Array));
      const nP = world.params.names.length, nK = world.shocks.names.length;
      for (let i = 0; i < N; i++) {
        const th = part(theta.data, i * nP, (i + 1) * nP);
        const eps = part(shocks.data, i * T * nK, (i + 1) * T * nK);
        const regimeSeq = id === "switching"
          ? Int8Array.from(part(loaded.metadata.regime_seq.data, i * T, (i + 1) * T))
          : undefined;
        const y = world.simulate(th, eps, T, { regimeSeq }).y;
        const stored = part(trajectories.data, i * T * 3, (i + 1) * T * 3);
        assert.deepEqual(bytesOf(y, dtype), bytesOf(stored, dtype), `${id} sample ${i} trajectory`);
        const block = (H + 1) * 3;
        for (let k = 0; k < nK; k++) {
          const irf = world.computeIrf(th, k, world.shocks.irfShockSize, H);
          const at = (i * nK + k) * block;
          assert.deepEqual(
            bytesOf(irf, dtype),
            bytesOf(part(irfs.data, at, at + block), dtype),
            `${id} sample ${i} IRF of shock ${k}`,
          );
        }
        // The stored theta is inside the manifest bounds in float64, and valid as stored.
        th.forEach((v, p) => {
          const [lo, hi] = world.params.bounds[p];
          assert.ok(lo <= v && v <= hi, `${id} sample ${i} ${world.params.names[p]} = ${v}`);
        });
        assert.ok(world.checkValidity(th), `${id} sample ${i}: stored theta is not valid`);
      }
    }
  });
}

Deno.test("split statistics and derived metadata are those of the stored theta", async () => {
  const store = await dataset("float32");
  for (const id of WORLD_IDS) {
    const world = getWorld(id);
    const loaded = await loadDataset(store, id);
    const nP = world.params.names.length;
    for (let i = 0; i < N; i++) {
      const seed = 42 + i;
      const sample = world.generateSample(seed, T, H);
      const stored = part(loaded.arrays.theta.data, i * nP, (i + 1) * nP);
      // generateSample's theta (what every statistic was computed from) is the stored theta.
      assert.deepEqual(Array.from(sample.theta), Array.from(stored), `${id} sample ${i}`);
      for (const [name, value] of Object.entries(sample.metadata)) {
        if (typeof value !== "number") continue;
        assert.equal(loaded.metadata[name].data[i], value, `${id} sample ${i} ${name}`);
      }
    }
  }
});

Deno.test("the derived metadata recomputed from the stored theta agree exactly (simulate's meta)", async () => {
  const store = await dataset("float32", ["nk", "rbc", "zlb"]);
  for (const id of ["nk", "rbc", "zlb"] as const) {
    const world = getWorld(id);
    const loaded = await loadDataset(store, id);
    const nP = world.params.names.length, nK = world.shocks.names.length;
    for (let i = 0; i < N; i++) {
      const th = part(loaded.arrays.theta.data, i * nP, (i + 1) * nP);
      const eps = part(loaded.arrays.shocks.data, i * T * nK, (i + 1) * T * nK);
      const meta = world.simulate(th, eps, T).meta ?? {};
      const names = id === "rbc" ? ["capital_root", "unstable_root"] : ["omega", "taylor_margin"];
      for (const name of names) {
        assert.equal(loaded.metadata[name].data[i], meta[name], `${id} sample ${i} ${name}`);
      }
    }
  }
});

Deno.test("quantizeWithin rounds toward the interior when the nearest float32 crosses a bound", () => {
  // zlb's beta bound 0.995: its nearest float32 lies above it.
  const hi = 0.995;
  assert.ok(Math.fround(hi) > hi);
  for (const x of [hi, nextDown(hi), nextDown(nextDown(hi))]) {
    assert.ok(Math.fround(x) > hi, `${x}: the nearest float32 must cross the bound`);
    const v = quantizeWithin(x, 0.9, hi, "float32");
    assert.equal(v, Math.fround(v));
    assert.ok(v <= hi && v < Math.fround(x), `${x} -> ${v}`);
    // The neighbour toward the interior: no float32 between v and the bound.
    assert.ok(new Float32Array([v])[0] === v);
    const up = new Float32Array([v]);
    new Uint32Array(up.buffer)[0] += 1;
    assert.ok(up[0] > hi);
  }
  // A lower bound whose nearest float32 lies below it (0.1 and -0.3 do; positive and negative).
  for (const lo of [0.1, -0.3, 1e-3]) {
    if (!(Math.fround(lo) < lo)) continue;
    for (const x of [lo, nextUp(lo)]) {
      assert.ok(Math.fround(x) < lo);
      const v = quantizeWithin(x, lo, lo + 1, "float32");
      assert.equal(v, Math.fround(v));
      assert.ok(v >= lo, `${x} -> ${v}`);
    }
  }
  assert.ok(Math.fround(-0.3) < -0.3, "the negative case must be exercised");
  // float64 is stored as simulated.
  assert.equal(quantizeWithin(nextDown(hi), 0.9, hi, "float64"), nextDown(hi));
  // A value outside its bounds is an error; so are bounds no float32 lies in.
  assert.throws(() => quantizeWithin(1, 0, 0.5, "float32"), RangeError);
  assert.throws(() => quantizeWithin(0.1, 0.1, 0.1, "float32"), /no float32/);
});

Deno.test("every world's bounds: draws forced onto and next to each bound quantize inside it (float64 comparison)", () => {
  let crossed = 0;
  for (const id of WORLD_IDS) {
    const { bounds, names } = getWorld(id).params;
    for (let p = 0; p < bounds.length; p++) {
      const [lo, hi] = bounds[p];
      const forced = [lo, nextUp(lo), hi, nextDown(hi), (lo + hi) / 2];
      for (const x of forced) {
        if (!(x >= lo && x <= hi)) continue;
        if (Math.fround(x) < lo || Math.fround(x) > hi) crossed++;
        const theta = new Float64Array(bounds.length);
        bounds.forEach(([a, b], j) => (theta[j] = j === p ? x : (a + b) / 2));
        quantizeTheta(theta, bounds, "float32");
        const v = theta[p];
        assert.equal(v, Math.fround(v), `${id} ${names[p]}`);
        assert.ok(lo <= v && v <= hi, `${id} ${names[p]}: ${x} -> ${v} outside [${lo}, ${hi}]`);
      }
    }
  }
  // The property is only meaningful if some forced draw's nearest float32 crossed a bound.
  assert.ok(crossed > 10, `only ${crossed} forced draws crossed a bound`);
});

Deno.test("every world: a draw from the THETA stream is quantized before its validity check", () => {
  for (const id of WORLD_IDS) {
    const world = getWorld(id);
    for (let seed = 0; seed < 20; seed++) {
      const rng = () => keyedStream(seed, id, 0, STREAM.THETA);
      const f32 = world.sampleParameters(rng(), "float32").theta;
      f32.forEach((v, p) => {
        const [lo, hi] = world.params.bounds[p];
        assert.equal(v, Math.fround(v), `${id} seed ${seed} ${world.params.names[p]}`);
        assert.ok(lo <= v && v <= hi);
      });
      const f64 = world.sampleParameters(rng(), "float64").theta;
      assert.ok(f64.some((v) => v !== Math.fround(v)), `${id} seed ${seed}: float64 is rounded`);
    }
  }
  const eps = quantizeValues(Float64Array.of(0.1, -1 / 3), "float32");
  assert.deepEqual(Array.from(eps), [Math.fround(0.1), Math.fround(-1 / 3)]);
});

Deno.test("validate reports a stored theta that exceeds a bound only in float64", async () => {
  const store = await dataset("float32", ["zlb"], { n_samples: 4 });
  const manifest = (await readManifest(store))!;
  const layout = layoutForWorld({
    world: "zlb",
    seed: 42,
    nSamples: N,
    T,
    H,
    chunkSamples: 2,
    zarrFormat: 3,
  });
  const spec = layout.arrays.theta;
  const world = getWorld("zlb");
  const beta = world.params.names.indexOf("beta");
  const hi = world.params.bounds[beta][1];
  assert.ok(Math.fround(hi) > hi, "the bound must not be a float32");
  // Rewrite chunk 0 of theta with beta = fround(hi): equal to the bound in float32, above it in
  // float64; and its digest and size in the manifest, so the chunk's values are checked.
  const key = `${spec.path}/c/0/0`;
  const codec = new BloscCodec(bloscConfigFor(4));
  const nP = world.params.names.length;
  const raw = await codec.decode((await store.get(key))!, 2 * nP * 4);
  const values = new Float32Array(raw.buffer, raw.byteOffset, 2 * nP);
  values[beta] = Math.fround(hi);
  const encoded = await codec.encode(new Uint8Array(values.buffer));
  const theta = manifest.simulators.zlb.arrays.theta;
  theta.stored_bytes += encoded.length - (await store.get(key))!.length;
  theta.chunk_sha256["c/0/0"] = await sha256Hex(encoded);
  await store.set(key, encoded);
  await store.set(MANIFEST_KEY, serializeManifest(manifest));
  const report = await validateDataset(store, { resimulate: 0 });
  const bounds = report.problems.filter((p) => p.check === "theta-bounds");
  assert.equal(bounds.length, 1, JSON.stringify(report.problems, null, 1));
  assert.equal(bounds[0].location, key);
  assert.match(bounds[0].message, /beta = 0\.99500000\d* is outside \[[\d.]+, 0\.995\]/);
});

Deno.test("--dtype float64: recorded in the manifest and world config; validate passes; float32 chunks are half the size", async () => {
  const [f32, f64] = [await dataset("float32", ["nk"]), await dataset("float64", ["nk"])];
  const m32 = (await readManifest(f32))!, m64 = (await readManifest(f64))!;
  assert.equal(m32.simulators.nk.storage.dtype, "float32");
  assert.equal(m64.simulators.nk.storage.dtype, "float64");
  assert.equal(m64.simulators.nk.config.dtype, "float64");
  assert.equal(m32.simulators.nk.config.dtype, "float32");
  assert.equal(m64.simulators.nk.storage.codec.typesize, 8);
  assert.equal(m32.simulators.nk.storage.codec.typesize, 4);
  // float64 chunks are byte-shuffled with typesize 8 (float32: 4), as the headers say.
  for (const [store, size] of [[f32, 4], [f64, 8]] as const) {
    for (const name of ["trajectories", "theta"]) {
      const header = parseBloscHeader(
        (await store.get(`nk/${name}.zarr/c/0/0${name === "theta" ? "" : "/0"}`))!,
      );
      assert.equal(header.typesize, size, name);
      assert.equal(header.shuffle, "shuffle");
    }
  }
  for (const name of ["trajectories", "irfs", "shocks", "theta"]) {
    assert.equal(m64.simulators.nk.arrays[name].dtype, "float64");
    assert.equal(
      m64.simulators.nk.arrays[name].raw_bytes,
      2 * m32.simulators.nk.arrays[name].raw_bytes,
    );
  }
  for (const store of [f32, f64]) {
    const report = await validateDataset(store, {});
    assert.deepEqual(report.problems, []);
  }
  // Same draws: the float64 dataset's theta rounds to the float32 one... except where the
  // float32 quantizer moved a value inward; both stay inside the bounds.
  const a = await loadDataset(f32, "nk"), b = await loadDataset(f64, "nk");
  const theta32 = a.arrays.theta.data, theta64 = b.arrays.theta.data;
  for (let j = 0; j < theta32.length; j++) {
    assert.ok(Math.abs(theta32[j] - theta64[j]) <= 2 ** -23 * Math.abs(theta64[j]));
  }
  assert.ok(theta64.some((v) => v !== Math.fround(v)), "float64 theta must not be rounded");
});

Deno.test("--dtype float64 in the manifest must match the arrays' dtype (cross-field rule)", async () => {
  const store = await dataset("float64", ["rbc"]);
  const manifest = (await readManifest(store))!;
  const edited = structuredClone(manifest);
  edited.simulators.rbc.storage.dtype = "float32";
  const { validateManifest } = await import("../src/manifest/validate_manifest.ts");
  const violations = validateManifest(edited);
  assert.ok(
    violations.some((v) => v.path === "/simulators/rbc/arrays/theta/dtype"),
    JSON.stringify(violations),
  );
  assert.deepEqual(validateManifest(manifest), []);
});

Deno.test("--dtype is refused unless float32 or float64; resumes must agree on it", async () => {
  assert.throws(() => resolveConfig([{ dtype: "float16" }], 1), /Invalid --dtype "float16"/);
  assert.equal(resolveConfig([], 1).dtype, "float32");
  // The config file takes it too (schemas/generate_config.json); a flag overrides it.
  assert.deepEqual(checkConfigFile({ dtype: "float64" }, "c.json"), { dtype: "float64" });
  assert.throws(() => checkConfigFile({ dtype: "float16" }, "c.json"), /\/dtype/);
  assert.equal(resolveConfig([{ dtype: "float64" }, { dtype: "float32" }], 1).dtype, "float32");
  const store = await dataset("float32", ["nk"]);
  const config = resolveConfig(
    [{
      worlds: "nk",
      n_samples: N,
      T,
      H,
      workers: 1,
      dtype: "float64",
      chunk_samples: 2,
      resume: true,
    }],
    1,
  );
  await assert.rejects(
    () => generateDataset(config, { store, memoryBytes: 2 ** 34 }),
    /dtype: "float32" before, "float64" now/,
  );
});

Deno.test("the report reads a float64 dataset, names its dtype, and finds no theta outside the bounds", async () => {
  for (const dtype of ["float32", "float64"] as const) {
    const store = await dataset(dtype, ["zlb", "var"]);
    const data = await collectReport(store, { maxSamples: N });
    assert.equal(data.manifest.dtype, dtype);
    for (const world of data.worlds) {
      for (const column of world.theta) {
        assert.equal(column.outside, 0, `${world.id} ${column.name}`);
      }
    }
    assert.match(renderReportHtml(data), new RegExp(`Zarr v3, ${dtype}, blosc`));
  }
});

Deno.test("shards of one run must agree on --dtype", async () => {
  const store = new MemoryStore();
  const shard = (index: number, dtype: StoredDtype) =>
    resolveConfig([{
      worlds: "rbc",
      n_samples: N,
      T,
      H,
      workers: 1,
      dtype,
      chunk_samples: 2,
      shard: `${index}/2`,
    }], 1);
  await generateDataset(shard(0, "float32"), { store, memoryBytes: 2 ** 34 });
  await assert.rejects(
    () => generateDataset(shard(1, "float64"), { store, memoryBytes: 2 ** 34 }),
    /dtype: "float32" before, "float64" now/,
  );
  await generateDataset(shard(1, "float32"), { store, memoryBytes: 2 ** 34 });
});
