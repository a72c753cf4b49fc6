import assert from "node:assert/strict";
import { canonicalJson } from "../src/manifest/canonical_json.ts";
import { gitHash } from "../src/manifest/git_hash.ts";
import { configHash, sha256Hex } from "../src/manifest/hashing.ts";
import { ManifestGenerator, type SimulatorEntry } from "../src/manifest/manifest_generator.ts";
import { readManifest, serializeManifest } from "../src/manifest/manifest_io.ts";
import { type ManifestArrayInput, splitInfoFromManifest } from "../src/manifest/mapping.ts";
import { type Manifest, type ManifestViolation, splitDefinition } from "../src/manifest/types.ts";
import {
  assertValidManifest,
  ManifestValidationError,
  validateManifest,
} from "../src/manifest/validate_manifest.ts";
import { keyedStream } from "../src/numeric/rng.ts";
import type { SliceRule, SplitStats } from "../src/simulators/types.ts";
import type { ByteStore } from "../src/store/byte_store.ts";
import { buildSplits, checkSplits } from "../src/splits.ts";

/** A tiny in-memory ByteStore for these tests. */
class MapStore implements ByteStore {
  readonly url = "memory://test";
  readonly map = new Map<string, Uint8Array>();
  get(key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.map.get(key));
  }
  set(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key, value.slice());
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.map.delete(key);
    return Promise.resolve();
  }
  list(prefix = ""): Promise<string[]> {
    return Promise.resolve([...this.map.keys()].filter((k) => k.startsWith(prefix)).sort());
  }
}

const T = 6;
const H = 3;
const CHUNK = 8;

/** An array summary with a full chunk grid along the sample axis. */
function summary(
  path: string,
  shape: number[],
  dimensionNames: string[] | undefined,
  zarrFormat: 2 | 3,
  dtype: ManifestArrayInput["dtype"] = "float32",
): ManifestArrayInput {
  const chunks = [CHUNK, ...shape.slice(1)];
  const nChunks = Math.ceil(shape[0] / CHUNK);
  const chunkDigests: Record<string, string> = {};
  const rest = shape.slice(1).map(() => 0);
  for (let c = 0; c < nChunks; c++) {
    const key = zarrFormat === 3 ? ["c", c, ...rest].join("/") : [c, ...rest].join(".");
    chunkDigests[key] = sha256Hex(`${path}/${key}`);
  }
  const size = dtype === "float64" ? 8 : dtype === "float32" || dtype === "int32" ? 4 : 1;
  return {
    path,
    shape,
    chunks,
    dtype,
    ...(dimensionNames === undefined ? {} : { dimensionNames }),
    nChunks,
    storedBytes: 100 * nChunks,
    rawBytes: shape.reduce((p, v) => p * v, size),
    chunkDigests,
  };
}

function statsFor(n: number, world: string): SplitStats[] {
  const rng = keyedStream(3, world, 0, 0);
  return Array.from({ length: n }, () => ({
    slice: 1 + 3 * rng.nextFloat64(),
    persistence: rng.nextFloat64(),
    volatility: rng.nextFloat64(),
  }));
}

const NK_RULE: SliceRule = {
  statistic: "phi_pi",
  op: ">",
  threshold: 3.7,
  description: "phi_pi > 3.7 (about 10% of the prior)",
};

function nkEntry(n: number, zarrFormat: 2 | 3): SimulatorEntry {
  const names = ["beta", "sigma", "kappa", "phi_pi"];
  return {
    nSamples: n,
    version: "nk_v1",
    description: "Three-equation New Keynesian model",
    paramManifest: {
      names,
      units: ["-", "-", "-", "-"],
      bounds: [[0.985, 0.995], [0.5, 2.5], [0.01, 0.5], [1.05, 3.5]],
      defaults: [0.99, 1, 0.1, 1.5],
      priors: [
        { kind: "uniform", lo: 0.985, hi: 0.995 },
        { kind: "uniform", lo: 0.5, hi: 2.5 },
        { kind: "uniform", lo: 0.01, hi: 0.5 },
        { kind: "uniform", lo: 1.05, hi: 3.5 },
      ],
    },
    shockManifest: {
      names: ["monetary", "demand", "cost_push"],
      sigmaDefault: [0.0025, 0.005, 0.0025],
      irfShockSize: 1,
    },
    obsManifest: {
      canonical: ["output", "inflation", "rate"],
      units: ["%", "ann. pp", "ann. pp"],
      extra: ["real_rate_ann", "natural_rate_ann"],
    },
    config: { T, H, n_samples: n, seed: 42, chunk_samples: CHUNK, nested: { b: [1, 2], a: "x" } },
    // As DatasetWriter.finalize() returns them: no dimension names, metadata under "metadata/".
    arrays: {
      trajectories: summary("nk/trajectories.zarr", [n, T, 3], undefined, zarrFormat),
      irfs: summary("nk/irfs.zarr", [n, 3, H + 1, 3], undefined, zarrFormat),
      shocks: summary("nk/shocks.zarr", [n, T, 3], undefined, zarrFormat),
      theta: summary("nk/theta.zarr", [n, 4], undefined, zarrFormat),
      "metadata/omega": summary("nk/metadata.zarr/omega", [n], undefined, zarrFormat, "float64"),
      "metadata/irf_path": summary("nk/metadata.zarr/irf_path", [n, H + 1], undefined, zarrFormat),
    },
    metadataFields: [
      { name: "omega", dtype: "float64", shape: [], dims: [], description: "policy root" },
      { name: "irf_path", dtype: "float32", shape: [H + 1], dims: ["horizon"], description: "" },
    ],
    rejections: 0,
    sliceRule: NK_RULE,
    cornerRule: { persistence: "max(rho_u, rho_i)", volatility: "sigma_m + sigma_r + sigma_u" },
  };
}

function switchingEntry(n: number, zarrFormat: 2 | 3): SimulatorEntry {
  return {
    nSamples: n,
    version: "switching_v1",
    paramManifest: {
      names: ["p00", "p11"],
      units: ["-", "-"],
      bounds: [[0.5, 0.99], [0.5, 0.99]],
      defaults: [0.9, 0.9],
      priors: [{ kind: "uniform", lo: 0.5, hi: 0.99 }, { kind: "structured", algorithm: "sw_v1" }],
    },
    shockManifest: { names: ["shock_0", "shock_1"], sigmaDefault: [1, 1], irfShockSize: 1 },
    obsManifest: {
      canonical: ["output", "inflation", "rate"],
      units: ["%", "%", "%"],
      extra: [],
    },
    config: { T, H, n_samples: n },
    arrays: {
      trajectories: summary(
        "switching/trajectories.zarr",
        [n, T, 3],
        ["sample", "time", "observable"],
        zarrFormat,
      ),
      irfs: summary(
        "switching/irfs.zarr",
        [n, 2, H + 1, 3],
        ["sample", "shock", "horizon", "observable"],
        zarrFormat,
      ),
      shocks: summary("switching/shocks.zarr", [n, T, 2], ["sample", "time", "shock"], zarrFormat),
      theta: summary("switching/theta.zarr", [n, 2], ["sample", "param"], zarrFormat),
    },
    metadataArrays: {
      regime_seq: summary(
        "switching/metadata.zarr/regime_seq",
        [n, T],
        ["sample", "time"],
        zarrFormat,
        "int8",
      ),
    },
    rejections: 5,
    sliceRule: { statistic: "max_p", op: ">", threshold: 3.9, description: "max p > 0.975" },
    cornerRule: { persistence: "max(rho_0, rho_1)", volatility: "max(sig_0, sig_1)" },
  };
}

interface Built {
  gen: ManifestGenerator;
  stats: Record<string, SplitStats[]>;
  indices: Record<string, Record<string, Uint32Array>>;
}

function generator(zarrFormat: 2 | 3 = 3): Built {
  const gen = new ManifestGenerator({
    version: "1.2.0",
    globalSeed: 42,
    T,
    H,
    zarrFormat,
    createdAt: new Date("2025-06-01T12:00:00Z"),
    gitHash: "0123456789abcdef0123456789abcdef01234567",
    chunking: { chunkSamples: CHUNK },
  });
  const stats: Record<string, SplitStats[]> = {};
  const indices: Record<string, Record<string, Uint32Array>> = {};
  const entries: [string, SimulatorEntry][] = [
    ["nk", nkEntry(50, zarrFormat)],
    ["switching", switchingEntry(37, zarrFormat)],
  ];
  for (const [id, entry] of entries) {
    gen.addSimulator(id, entry);
    stats[id] = statsFor(entry.nSamples, id);
    const res = buildSplits(stats[id], entry.sliceRule, { seed: 42 });
    gen.setRealizedSplits(id, res.info);
    indices[id] = res.indices;
  }
  gen.addStandardSplits(42);
  return { gen, stats, indices };
}

function valid(): Manifest {
  return generator().gen.build();
}

/** Untyped JSON, so tests can corrupt any field (that is their purpose). */
// deno-lint-ignore no-explicit-any
type AnyJson = any;

/** The violations of a mutated copy of a valid manifest. */
function violationsAfter(mutate: (m: AnyJson) => void): ManifestViolation[] {
  const m: AnyJson = structuredClone(valid());
  mutate(m);
  return validateManifest(m);
}

function assertViolation(
  violations: ManifestViolation[],
  path: string,
  message?: RegExp,
): void {
  const hit = violations.find((v) =>
    v.path === path && (message === undefined || message.test(v.message))
  );
  assert.ok(
    hit,
    `no violation at ${path} ${message ?? ""}; got ${JSON.stringify(violations, null, 1)}`,
  );
}

Deno.test("validateManifest() accepts a full manifest (v3 and v2)", () => {
  const m3 = valid();
  assert.deepEqual(validateManifest(m3), []);
  assert.deepEqual(validateManifest(JSON.parse(JSON.stringify(m3))), []);
  const m2 = generator(2).gen.build();
  assert.equal(m2.simulators.nk.storage.zarr_format, 2);
  assert.deepEqual(validateManifest(m2), []);
  assert.ok("0.0.0.0" in m2.simulators.nk.arrays.irfs.chunk_sha256);
  assert.ok("c/0/0/0/0" in m3.simulators.nk.arrays.irfs.chunk_sha256);
});

Deno.test("ManifestGenerator.build() records the seed README's fields in snake_case", () => {
  const m = valid();
  assert.equal(m.version, "1.2.0");
  assert.equal(m.created_at, "2025-06-01T12:00:00.000Z");
  assert.equal(m.T, T);
  assert.equal(m.rng_seeds.global, 42);
  assert.equal(m.rng_seeds.per_sample, true);
  assert.equal(m.rng_seeds.derivation_algorithm, "global_seed + sample_index");
  assert.deepEqual(m.rng_seeds.streams.ids, { THETA: 0, EPS: 1, REGIME: 2, SPARE: 3 });
  assert.deepEqual(m.simulators.nk.storage.codec, {
    id: "blosc",
    cname: "zstd",
    clevel: 3,
    shuffle: "byte",
    typesize: 4,
  });
  const nk = m.simulators.nk;
  assert.deepEqual(nk.shock_manifest.sigma, [0.0025, 0.005, 0.0025]);
  assert.equal(nk.shock_manifest.n_shocks, 3);
  assert.equal(nk.shock_manifest.default_size, 1);
  assert.equal(nk.shock_manifest.irf_sign, 1);
  assert.deepEqual(nk.obs_manifest.canonical_names, ["output", "inflation", "rate"]);
  assert.deepEqual(nk.obs_manifest.extra_names, ["real_rate_ann", "natural_rate_ann"]);
  assert.equal(nk.obs_manifest.n_canonical, 3);
  assert.equal(nk.obs_manifest.n_extra, 2);
  assert.deepEqual(nk.param_manifest.priors[0], {
    type: "uniform",
    params: { lo: 0.985, hi: 0.995 },
  });
  assert.deepEqual(m.simulators.switching.param_manifest.priors[1], {
    type: "structured",
    params: { algorithm: "sw_v1" },
  });
  assert.deepEqual(nk.generator, m.simulators.switching.generator);
  assert.equal(nk.generator.name, "ume-data");
  assert.deepEqual(nk.storage.chunking, { axis: "sample", chunk_samples: CHUNK });
  assert.deepEqual(nk.arrays.theta.dimension_names, ["sample", "param"]);
  assert.equal(nk.config_hash, configHash(nk.config));
  assert.deepEqual(Object.keys(nk.config), [
    "H",
    "T",
    "chunk_samples",
    "n_samples",
    "nested",
    "seed",
  ]);
  assert.deepEqual(Object.keys(m), [
    "version",
    "created_at",
    "git_hash",
    "simulators",
    "splits",
    "rng_seeds",
    "T",
    "H",
  ]);
  assert.deepEqual(Object.keys(m.splits), [
    "train",
    "val",
    "test_interpolation",
    "test_extrapolation_slice",
    "test_extrapolation_corner",
  ]);
  assert.deepEqual(
    Object.values(m.splits).map((s) => [s.algorithm, s.fraction]),
    [["random", 0.8], ["random", 0.1], ["random", 0.1], ["slice", 0.05], [
      "corner",
      0.0225,
    ]],
  );
  assert.match(splitDefinition(m, "train")!.fraction_of, /outside test_extrapolation_slice and/);
  const sw = m.simulators.switching;
  assert.deepEqual(sw.rejections, { total: 5, rate: 5 / 42 });
  const sizes = Object.values(sw.splits).reduce((s, v) => s + v.n, 0);
  assert.equal(sizes, 37);
  assert.equal(sw.splits.test_extrapolation_slice.threshold, 3.9);
  assert.equal(sw.splits.test_extrapolation_corner.quantile, 0.85);
  assert.equal(typeof sw.splits.test_extrapolation_corner.persistence_threshold, "number");
});

Deno.test("validateManifest() rejects bad version, hashes and dates at their paths", () => {
  assertViolation(violationsAfter((m) => m.version = "1.0"), "/version", /semantic version/);
  assertViolation(violationsAfter((m) => m.version = "01.0.0"), "/version");
  assertViolation(violationsAfter((m) => m.version = "1.0.0-rc.1"), "/version");
  assertViolation(
    violationsAfter((m) => m.simulators.nk.generator.version = "v1"),
    "/simulators/nk/generator/version",
  );
  assertViolation(violationsAfter((m) => m.git_hash = "xyz"), "/git_hash", /git commit hash/);
  assertViolation(violationsAfter((m) => m.git_hash = "A".repeat(40)), "/git_hash");
  assertViolation(violationsAfter((m) => m.git_hash = "a".repeat(64)), "/git_hash");
  assertViolation(
    violationsAfter((m) => m.simulators.nk.config_hash = "abc"),
    "/simulators/nk/config_hash",
    /SHA-256/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.theta.chunk_sha256["c/0/0"] = "0".repeat(63)),
    "/simulators/nk/arrays/theta/chunk_sha256/c~10~10",
  );
  assertViolation(violationsAfter((m) => m.created_at = "2025-13-01T00:00:00Z"), "/created_at");
  assertViolation(violationsAfter((m) => m.created_at = "yesterday"), "/created_at");
});

Deno.test("validateManifest() rejects out-of-range numbers and wrong types", () => {
  assertViolation(
    violationsAfter((m) => m.simulators.nk.splits.train.realized_fraction = 1.5),
    "/simulators/nk/splits/train/realized_fraction",
    /Must be <= 1: got 1.5/,
  );
  assertViolation(
    violationsAfter((m) => m.splits.train.fraction = 1.2),
    "/splits/train/fraction",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.rejections.total = -1),
    "/simulators/nk/rejections/total",
    /Must be >= 0: got -1/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.n_samples = -3),
    "/simulators/nk/n_samples",
  );
  assertViolation(violationsAfter((m) => m.T = 2.5), "/T", /integer/);
  assertViolation(violationsAfter((m) => m.H = 0), "/H");
  assertViolation(violationsAfter((m) => m.rng_seeds.global = -1), "/rng_seeds/global");
  assertViolation(
    violationsAfter((m) => m.simulators.nk.storage.codec.clevel = 5),
    "/simulators/nk/storage/codec/clevel",
    /Must be 3/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.storage.zarr_format = 4),
    "/simulators/nk/storage/zarr_format",
  );
  assertViolation(violationsAfter((m) => m.rng_seeds.per_sample = false), "/rng_seeds/per_sample");
  assertViolation(
    violationsAfter((m) => m.splits.train.algorithm = "stratified"),
    "/splits/train/algorithm",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.shock_manifest.default_size = 0),
    "/simulators/nk/shock_manifest/default_size",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.shock_manifest.default_size = -1),
    "/simulators/nk/shock_manifest/default_size",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.shock_manifest.irf_sign = 0),
    "/simulators/nk/shock_manifest/irf_sign",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.obs_manifest.n_canonical = 4),
    "/simulators/nk/obs_manifest/n_canonical",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.theta.dtype = "float64"),
    "/simulators/nk/arrays/theta/dtype",
  );
});

Deno.test("validateManifest() reports missing and unknown fields at their paths", () => {
  assertViolation(violationsAfter((m) => delete m.T), "/T", /missing/);
  assertViolation(
    violationsAfter((m) => delete m.simulators.nk.param_manifest.units),
    "/simulators/nk/param_manifest/units",
    /missing/,
  );
  assertViolation(
    violationsAfter((m) => delete m.simulators.nk.arrays.irfs),
    "/simulators/nk/arrays/irfs",
    /missing/,
  );
  assertViolation(violationsAfter((m) => m.simulatorz = {}), "/simulatorz", /Unknown field/);
  assertViolation(violationsAfter((m) => m.generator = {}), "/generator", /Unknown field/);
  assertViolation(violationsAfter((m) => m.notes = 3), "/notes");
  assert.deepEqual(violationsAfter((m) => m.notes = "a note"), []);
  assertViolation(
    violationsAfter((m) => m.simulators.NK = m.simulators.nk),
    "/simulators/NK",
    /Invalid key/,
  );
  assertViolation(
    violationsAfter((m) => delete m.splits.test_extrapolation_corner.quantile),
    "/splits/test_extrapolation_corner/quantile",
    /missing/,
  );
  assertViolation(violationsAfter((m) => m.splits = []), "/splits");
  assertViolation(violationsAfter((m) => delete m.splits.val), "/splits/val", /missing/);
  assertViolation(
    violationsAfter((m) => delete m.simulators.nk.storage),
    "/simulators/nk/storage",
    /missing/,
  );
  assertViolation(violationsAfter((m) => m.simulators = {}), "/simulators");
});

Deno.test("validateManifest() checks lengths, bounds and defaults in code", () => {
  const p = "/simulators/nk/param_manifest";
  assertViolation(
    violationsAfter((m) => m.simulators.nk.param_manifest.units.pop()),
    `${p}/units`,
    /Has 3 entries, expected 4/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.param_manifest.defaults.push(1)),
    `${p}/defaults`,
    /Has 5 entries/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.param_manifest.bounds[3] = [3.5, 1.05]),
    `${p}/bounds/3`,
    /Lower bound 3.5 exceeds upper bound 1.05/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.param_manifest.defaults[3] = 4),
    `${p}/defaults/3`,
    /outside the bounds/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.param_manifest.priors[1].params.hi = 3),
    `${p}/priors/1`,
    /exceeds the bounds/,
  );
  assertViolation(
    violationsAfter((m) => delete m.simulators.nk.param_manifest.priors[1].params.lo),
    `${p}/priors/1/params/lo`,
    /missing/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.param_manifest.names[2] = "beta"),
    `${p}/names/2`,
    /Duplicate/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.param_manifest.bounds[0] = [1]),
    `${p}/bounds/0`,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.shock_manifest.sigma.pop()),
    "/simulators/nk/shock_manifest/sigma",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.shock_manifest.n_shocks = 2),
    "/simulators/nk/shock_manifest/n_shocks",
    /number of shock names 3/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.obs_manifest.n_extra = 0),
    "/simulators/nk/obs_manifest/n_extra",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.switching.storage.zarr_format = 2),
    "/simulators/switching/storage",
    /Dataset-wide/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.obs_manifest.units.pop()),
    "/simulators/nk/obs_manifest/units",
  );
});

Deno.test("validateManifest() checks split fractions and sizes in code", () => {
  assertViolation(
    violationsAfter((m) => m.splits.train.fraction = 0.7),
    "/splits",
    /sum to 0\.(9|8999)/,
  );
  assertViolation(
    violationsAfter((m) => {
      m.simulators.nk.splits.train.n += 1;
      m.simulators.nk.splits.train.realized_fraction = m.simulators.nk.splits.train.n / 50;
    }),
    "/simulators/nk/splits",
    /sum to 51, expected n_samples = 50/,
  );
  const v = violationsAfter((m) => m.simulators.nk.splits.val.realized_fraction += 0.1);
  assertViolation(v, "/simulators/nk/splits/val/realized_fraction", /n \/ n_samples/);
  assertViolation(v, "/simulators/nk/splits", /Realized fractions sum to/);
  assertViolation(
    violationsAfter((m) => m.splits.val.seed = 7),
    "/splits",
    /one seed/,
  );
  assertViolation(
    violationsAfter((m) => m.splits.val.algorithm = "slice"),
    "/splits/val/algorithm",
    /Only the split "test_extrapolation_slice"/,
  );
  assertViolation(
    violationsAfter((m) => m.splits.test_extrapolation_corner.algorithm = "random"),
    "/splits/test_extrapolation_corner/algorithm",
  );
  assertViolation(
    violationsAfter((m) => delete m.simulators.nk.splits.val),
    "/simulators/nk/splits/val",
    /not realized/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.splits.test_extrapolation_slice.threshold = 2),
    "/simulators/nk/splits/test_extrapolation_slice/threshold",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.rejections.rate = 0.5),
    "/simulators/nk/rejections/rate",
  );
});

Deno.test("validateManifest() checks shapes, chunks and digests against n_samples, T and H", () => {
  const a = "/simulators/nk/arrays";
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.trajectories.shape = [50, T + 1, 3]),
    `${a}/trajectories/shape`,
    /Must be \[50, 6, 3\]/,
  );
  assertViolation(violationsAfter((m) => m.H = H + 1), `${a}/irfs/shape`);
  assertViolation(violationsAfter((m) => m.simulators.nk.n_samples = 51), `${a}/theta/shape`);
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.irfs.chunks = [8, 3, 2, 3]),
    `${a}/irfs/chunks/2`,
  );
  assertViolation(
    violationsAfter((m) => delete m.simulators.nk.arrays.shocks.chunk_sha256["c/6/0/0"]),
    `${a}/shocks/chunk_sha256`,
    /Missing digests of 1 chunks: c\/6\/0\/0/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.shocks.chunk_sha256["c/7/0/0"] = "0".repeat(64)),
    `${a}/shocks/chunk_sha256`,
    /outside the chunk grid/,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.shocks.n_chunks = 6),
    `${a}/shocks/n_chunks`,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.theta.raw_bytes = 1),
    `${a}/theta/raw_bytes`,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.theta.dimension_names = ["sample", "parameter"]),
    `${a}/theta/dimension_names`,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.arrays.theta.path = "nk/theta"),
    `${a}/theta/path`,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.switching.metadata_arrays.regime_seq.shape = [36, T]),
    "/simulators/switching/metadata_arrays/regime_seq/shape/0",
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.storage.zarr_format = 2),
    `${a}/theta/chunk_sha256`,
  );
  assertViolation(
    violationsAfter((m) => m.simulators.nk.config.seed = 43),
    "/simulators/nk/config_hash",
    /Does not match/,
  );
});

Deno.test("validateManifest() returns every violation at once", () => {
  const v = violationsAfter((m) => {
    m.version = "x";
    m.simulators.nk.param_manifest.bounds[1] = [3, 2];
    m.splits.test_interpolation.fraction = 0.2;
    delete m.simulators.switching.corner_rule;
  });
  assertViolation(v, "/version");
  assertViolation(v, "/simulators/nk/param_manifest/bounds/1");
  assertViolation(v, "/splits");
  assertViolation(v, "/simulators/switching/corner_rule");
  assert.deepEqual(validateManifest(42), [{ path: "", message: "Must be object: got 42" }]);
});

Deno.test("canonicalJson() is stable under key order and strict about non-JSON values", () => {
  const a = { z: 1, a: { y: [3, { k: 2, b: 1 }], x: "é\n" }, m: null, n: true, f: 0.1, e: 1e21 };
  const b = { f: 0.1, n: true, m: null, e: 1e21, a: { x: "é\n", y: [3, { b: 1, k: 2 }] }, z: 1 };
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(
    canonicalJson(a),
    '{"a":{"x":"é\\n","y":[3,{"b":1,"k":2}]},"e":1e+21,"f":0.1,"m":null,"n":true,"z":1}',
  );
  assert.deepEqual(JSON.parse(canonicalJson(a)), a);
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assert.equal(canonicalJson([1, "2"]), '[1,"2"]');
  assert.equal(canonicalJson(new Date(0)), '"1970-01-01T00:00:00.000Z"');
  assert.throws(() => canonicalJson({ a: Number.NaN }), /"\/a" is not finite/);
  assert.throws(() => canonicalJson([1, undefined]), /undefined at "\/1"/);
  assert.throws(() => canonicalJson({ t: new Float64Array(2) }), /typed array/);
  assert.throws(() => canonicalJson({ n: 1n }), /bigint/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => canonicalJson(cyclic), /cycle/);
  // Shared (non-cyclic) references are fine.
  const shared = { k: 1 };
  assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"k":1},"b":{"k":1}}');
});

Deno.test("configHash() is the SHA-256 of the canonical JSON (known answers)", async () => {
  const text = '{"a":1,"b":[true,null,"x"]}';
  const web = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const webHex = Array.from(web, (x) => x.toString(16).padStart(2, "0")).join("");
  assert.equal(configHash({ b: [true, null, "x"], a: 1 }), webHex);
  assert.equal(sha256Hex(text), webHex);
  // FIPS 180-2 test vectors.
  assert.equal(
    sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const bytes = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
  const webBytes = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  assert.equal(
    sha256Hex(bytes),
    Array.from(webBytes, (x) => x.toString(16).padStart(2, "0")).join(""),
  );
});

async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { GIT_CONFIG_NOSYSTEM: "1", HOME: cwd },
  }).output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("gitHash() reads HEAD, loose refs and packed-refs like git rev-parse", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await gitHash(dir), "unknown");
    await git(dir, "init", "-q", "-b", "main");
    assert.equal(await gitHash(dir), "unknown", "unborn branch");
    await Deno.writeTextFile(`${dir}/a.txt`, "one\n");
    await git(dir, "add", "a.txt");
    await git(dir, "commit", "-q", "-m", "first");
    const first = await git(dir, "rev-parse", "HEAD");
    assert.match(first, /^[0-9a-f]{40}$/);
    assert.equal(await gitHash(dir), first);
    await Deno.mkdir(`${dir}/sub/deeper`, { recursive: true });
    assert.equal(await gitHash(`${dir}/sub/deeper`), first, "walks up to the repository");

    await git(dir, "pack-refs", "--all");
    await assert.rejects(Deno.stat(`${dir}/.git/refs/heads/main`), Deno.errors.NotFound);
    assert.equal(await gitHash(dir), first, "packed ref");

    await Deno.writeTextFile(`${dir}/a.txt`, "two\n");
    await git(dir, "commit", "-q", "-am", "second");
    const second = await git(dir, "rev-parse", "HEAD");
    assert.notEqual(second, first);
    assert.equal(await gitHash(dir), second, "loose ref newer than packed-refs");

    await git(dir, "checkout", "-q", "--detach", first);
    assert.equal(await gitHash(dir), first, "detached HEAD");
    await git(dir, "checkout", "-q", "main");

    await git(dir, "worktree", "add", "-q", "-b", "side", `${dir}/wt`, first);
    assert.equal(await gitHash(`${dir}/wt`), await git(`${dir}/wt`, "rev-parse", "HEAD"));
    assert.equal(await gitHash(`${dir}/wt`), first, "linked worktree");
    assert.equal(await gitHash(dir), second);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ManifestGenerator.save() writes a valid manifest that reads back equal", async () => {
  const store = new MapStore();
  const written = await generator().gen.save(store);
  assert.deepEqual(await store.list(), ["manifest.json"]);
  const text = new TextDecoder().decode(store.map.get("manifest.json"));
  assert.ok(text.endsWith("}\n"));
  assert.deepEqual(JSON.parse(text), written);
  assert.deepEqual(await readManifest(store), written);
  assert.deepEqual(serializeManifest(written), store.map.get("manifest.json"));
});

Deno.test("ManifestGenerator.save() writes nothing when the manifest is invalid", async () => {
  const { gen } = generator();
  gen.addSplit({
    name: "extra",
    algorithm: "random",
    fraction: 0.5,
    fractionOf: "all samples",
    seed: 42,
    description: "",
  });
  const store = new MapStore();
  const err = await assert.rejects(gen.save(store), ManifestValidationError);
  assert.deepEqual(await store.list(), []);
  await assert.rejects(gen.save(store), /Nominal fractions of the random splits sum to 1\.5/);
  assert.throws(() => gen.build(), ManifestValidationError);
  // Explicitly unvalidated saves still write (for debugging).
  await gen.save(store, { validate: false });
  assert.deepEqual(await store.list(), ["manifest.json"]);
  await assert.rejects(readManifest(store), ManifestValidationError);
  const raw = await readManifest(store, { validate: false });
  assert.ok(validateManifest(raw).length > 0);
  void err;
});

Deno.test("ManifestValidationError lists the violations", () => {
  try {
    assertValidManifest({ version: "1" });
    assert.fail("expected a throw");
  } catch (e) {
    assert.ok(e instanceof ManifestValidationError);
    assert.equal(e.code, "MANIFEST_INVALID");
    assert.equal(e.violations.length, 8);
    assert.match(
      e.message,
      /^Invalid manifest: 8 violation\(s\)\n(.|\n)*\n {2}\/version: Must be a semantic version/,
    );
  }
});

Deno.test("readManifest() reports unparsable JSON as a SyntaxError", async () => {
  const store = new MapStore();
  await store.set("manifest.json", new TextEncoder().encode("{ not json"));
  await assert.rejects(readManifest(store), SyntaxError);
  assert.equal(await readManifest(new MapStore()), undefined);
});

Deno.test("ManifestGenerator rejects duplicates, unknown worlds and non-JSON configs", () => {
  const { gen } = generator();
  assert.throws(() => gen.addSimulator("nk", nkEntry(50, 3)), /already added/);
  assert.throws(
    () =>
      gen.addSplit({
        name: "val",
        algorithm: "random",
        fraction: 0.1,
        fractionOf: "all samples",
        seed: 1,
        description: "",
      }),
    /already added/,
  );
  assert.throws(() => gen.addStandardSplits(1), /already added/);
  const info = buildSplits(statsFor(5, "x"), NK_RULE, { seed: 1 }).info;
  assert.throws(() => gen.setRealizedSplits("rbc", info), /add the world first/);
  const bad = nkEntry(50, 3);
  bad.config = { x: Number.POSITIVE_INFINITY };
  assert.throws(() => gen.addSimulator("zlb", bad), TypeError);
  assert.deepEqual(gen.worldIds, ["nk", "switching"]);
});

Deno.test("ManifestGenerator takes DatasetWriter summaries and derives dimension names", () => {
  const m = valid();
  assert.deepEqual(m.simulators.nk.arrays.irfs.dimension_names, [
    "sample",
    "shock",
    "horizon",
    "observable",
  ]);
  assert.deepEqual(Object.keys(m.simulators.nk.arrays), [
    "trajectories",
    "irfs",
    "shocks",
    "theta",
  ]);
  assert.deepEqual(m.simulators.nk.metadata_arrays.omega.dimension_names, ["sample"]);
  assert.deepEqual(m.simulators.nk.metadata_arrays.irf_path.dimension_names, ["sample", "horizon"]);
  assert.equal(m.simulators.nk.metadata_arrays.irf_path.path, "nk/metadata.zarr/irf_path");
  assert.deepEqual(m.simulators.switching.metadata_arrays.regime_seq.dimension_names, [
    "sample",
    "time",
  ]);
  const { gen } = generator();
  const entry = nkEntry(50, 3);
  entry.metadataFields = [];
  assert.throws(
    () => gen.addSimulator("zlb", entry),
    /Cannot add world "zlb": array "metadata\/omega" has no dimension names/,
  );
});

Deno.test("ManifestGenerator copies the config when the world is added", () => {
  const { gen } = generator();
  const entry = nkEntry(50, 3);
  const config = { seed: 1 };
  entry.config = config;
  entry.paramManifest = { ...entry.paramManifest };
  const stats = statsFor(50, "zlb");
  gen.addSimulator("zlb", {
    ...entry,
    arrays: Object.fromEntries(
      Object.entries(entry.arrays).map((
        [k, a],
      ) => [k, { ...a, path: a.path.replace("nk/", "zlb/") }]),
    ),
    metadataArrays: {},
    splits: buildSplits(stats, NK_RULE, { seed: 42 }).info,
  });
  config.seed = 2;
  const m = gen.build();
  assert.deepEqual(m.simulators.zlb.config, { seed: 1 });
  assert.equal(m.simulators.zlb.config_hash, sha256Hex('{"seed":1}'));
});

Deno.test("splitInfoFromManifest() lets checkSplits verify the stored splits", () => {
  const { gen, stats, indices } = generator();
  const m = JSON.parse(new TextDecoder().decode(serializeManifest(gen.build()))) as Manifest;
  for (const id of ["nk", "switching"]) {
    const info = splitInfoFromManifest(m, id);
    const sliceRule = m.simulators[id].slice_rule;
    assert.deepEqual(checkSplits(indices[id], { stats: stats[id], sliceRule, info }), []);
  }
  // A corrupted recorded threshold is caught.
  m.simulators.nk.splits.test_extrapolation_corner.volatility_threshold! += 0.01;
  const info = splitInfoFromManifest(m, "nk");
  const v = checkSplits(indices.nk, { stats: stats.nk, sliceRule: NK_RULE, info });
  assert.ok(v.some((x) => x.path === "/info/volatility_threshold"));
  assert.throws(() => splitInfoFromManifest(m, "rbc"), RangeError);
});
