/**
 * Gather what the dataset report shows: the manifest summary and, per world,
 * IRF percentile bands, a few sample paths, theta values against the prior
 * bounds, split sizes and split statistics, ZLB binding and regime shares.
 *
 * Reads only what it needs: `manifest.json`, each world's `splits.json`, and
 * for a deterministic chunk-aligned subsample (see {@link chooseSubsample})
 * the `theta`, `irfs` and scalar metadata arrays; `trajectories` and `shocks`
 * only for the few samples drawn.
 *
 * @module
 */

import { loadDataset } from "../dataset/reader.ts";
import type { LoadedArray } from "../dataset/reader.ts";
import {
  type Manifest,
  type ManifestArray,
  type ManifestSimulator,
  splitDefinitions,
} from "../manifest/types.ts";
import { validateManifest } from "../manifest/validate_manifest.ts";
import { assertCurrentLayout } from "../manifest/layout.ts";
import { datasetFacts } from "../manifest/mapping.ts";
import { requireManifestBytes } from "../pipeline/dataset_manifest.ts";
import { UsageError } from "../usage_error.ts";
import { getWorld, isWorldId } from "../simulators/registry.ts";
import type { SliceRule } from "../simulators/types.ts";
import { parseSplitsJson } from "../splits.ts";
import type { ByteStore } from "../store/byte_store.ts";
import { StoreError } from "../store/store_error.ts";
import { chooseSubsample } from "./subsample.ts";

/** The percentiles of the IRF fan charts. */
export const FAN_PERCENTILES: readonly number[] = Object.freeze([5, 25, 50, 75, 95]);

/** Default upper bound on the samples read per world. */
export const DEFAULT_MAX_SAMPLES = 2000;

/** Default number of sample paths shown per world. */
export const DEFAULT_SAMPLE_PATHS = 3;

/** Options of {@link collectReport}. */
export interface CollectOptions {
  /** At most this many samples are read per world (default {@link DEFAULT_MAX_SAMPLES}). */
  maxSamples?: number;
  /** Number of sample paths (trajectories and shocks) per world (default {@link DEFAULT_SAMPLE_PATHS}). */
  samplePaths?: number;
  /** Only these worlds (default: every world of the manifest). */
  worlds?: readonly string[];
  /** Chunks fetched at once per array (default 8). */
  concurrency?: number;
}

/** The manifest fields the report shows. */
export interface ManifestSummary {
  /** Dataset version. */
  version: string;
  /** Creation time. */
  createdAt: string;
  /** Commit of the generating code. */
  gitHash: string;
  /** Generating program, e.g. `"ume-data 0.1.0 (deno 2.9.6)"`. */
  generator: string;
  /** Global seed. */
  globalSeed: number;
  /** Trajectory length. */
  T: number;
  /** IRF horizon. */
  H: number;
  /** Zarr format. */
  zarrFormat: number;
  /** Data type of the main arrays (`float32`, or `float64` from `--dtype float64`). */
  dtype: string;
  /** Codec, e.g. `"blosc zstd clevel 3, byte shuffle"`. */
  codec: string;
  /** Samples over all worlds. */
  totalSamples: number;
  /** Decoded bytes over all arrays of all worlds. */
  rawBytes: number;
  /** Stored (encoded) bytes over all arrays of all worlds. */
  storedBytes: number;
  /** `rawBytes / storedBytes`. */
  compressionRatio: number;
  /** Split definitions: name, algorithm, nominal fraction and what it is a share of. */
  splits: { name: string; algorithm: string; nominalFraction: number; fractionOf: string }[];
}

/** Percentile bands of one IRF (one shock, one observable) over the samples read. */
export interface FanBand {
  /** Shock name. */
  shock: string;
  /** Observable name. */
  observable: string;
  /** `bands[k][h]`: the {@link FAN_PERCENTILES}[k] percentile at horizon h. */
  bands: number[][];
  /** Non-finite values skipped. */
  nonFinite: number;
}

/** One sample path: observables and shocks of one sample. */
export interface SamplePath {
  /** Sample index in the world. */
  index: number;
  /** The split it belongs to. */
  split: string;
  /** `observables[o][t]`. */
  observables: number[][];
  /** `shocks[k][t]` in N(0, 1) units. */
  shocks: number[][];
}

/** Values of one parameter over the samples read, and its prior bounds. */
export interface ThetaColumn {
  /** Parameter name. */
  name: string;
  /** Prior bounds `[lo, hi]`. */
  bounds: [number, number];
  /** Values over the samples read. */
  values: number[];
  /** Values outside the bounds, compared in float64 (none in a valid dataset). */
  outside: number;
}

/** One split of a world. */
export interface SplitSize {
  /** Split name. */
  name: string;
  /** Number of samples (from `splits.json`). */
  n: number;
  /** `n / nSamples`. */
  fraction: number;
  /** Number the manifest records (undefined if it has no entry). */
  manifestN?: number;
}

/** Split statistics of the samples read, with their split. */
export interface SplitPoints {
  /** Slice statistic per sample. */
  slice: number[];
  /** Persistence statistic per sample. */
  persistence: number[];
  /** Volatility statistic per sample. */
  volatility: number[];
  /** Split name per sample. */
  split: string[];
}

/** Share of periods in a state (ZLB binding, or a regime) over the samples read. */
export interface StateShare {
  /** Field it comes from (`binding_flags`, `regime_seq`). */
  field: string;
  /** Share of all periods per state: `[binding]` for flags, `[regime 0, regime 1]` for regimes. */
  periodShares: number[];
  /** Labels of `periodShares`. */
  labels: string[];
  /** Share of samples with at least one period of value 1 (binding, or regime 1). */
  anyShare: number;
  /** Per sample: share of its periods with value 1 (binding, or regime 1). */
  perSample: number[];
}

/** Everything the report shows about one world. */
export interface WorldReport {
  /** World id. */
  id: string;
  /** One-line description (manifest). */
  description: string;
  /** Code version of the world. */
  version: string;
  /** Samples in the world. */
  nSamples: number;
  /** Indices of the samples read (sorted). */
  sampleIndices: number[];
  /** Rejected draws and rate. */
  rejections: { total: number; rate: number };
  /** Decoded bytes of the world's arrays. */
  rawBytes: number;
  /** Stored bytes of the world's arrays. */
  storedBytes: number;
  /** Observable names and units. */
  observables: { names: string[]; units: string[] };
  /** Shock names. */
  shocks: string[];
  /** Shock size of the stored IRFs, in s.d. units. */
  irfShockSize: number;
  /** IRF bands, shock-major: `irfBands[s * nObs + o]`. */
  irfBands: FanBand[];
  /** A few sample paths. */
  samplePaths: SamplePath[];
  /** Theta columns, in parameter order. */
  theta: ThetaColumn[];
  /** Split sizes, in `splits.json` order. */
  splits: SplitSize[];
  /** The slice rule. */
  sliceRule: SliceRule;
  /** Corner thresholds (persistence, volatility) from the manifest, or null. */
  cornerThresholds: { persistence: number | null; volatility: number | null };
  /** Definitions of the corner statistics. */
  cornerRule: { persistence: string; volatility: string };
  /** Split statistics of the samples read, or a reason why there are none. */
  splitPoints: SplitPoints | { unavailable: string };
  /** ZLB binding share (worlds with `binding_flags`). */
  binding?: StateShare;
  /** Regime shares (worlds with `regime_seq`). */
  regimes?: StateShare;
}

/** What {@link collectReport} returns. */
export interface ReportData {
  /** Store URL. */
  url: string;
  /** Manifest summary. */
  manifest: ManifestSummary;
  /** Worlds, in manifest order. */
  worlds: WorldReport[];
  /** The sample limit applied. */
  maxSamples: number;
}

const SPLITS_KEY = "splits.json";

/**
 * Read what the report needs from a dataset.
 *
 * @param store The dataset store (see `openStore`; read permission, plus
 *   network and `AWS_*` env for S3).
 * @param options Sample limit, sample paths, worlds, concurrency.
 * @returns The report data.
 * @throws {UsageError} If the store holds no (valid) `manifest.json`, or a
 *   requested world is not in it.
 * @throws {StoreError} If a needed array or `splits.json` is missing.
 *
 * @example Report data of a one-world dataset
 * ```ts
 * import { collectReport } from "./collect.ts";
 * import { generateDataset } from "../pipeline/generate.ts";
 * import { resolveConfig } from "../pipeline/config.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const config = resolveConfig([{ worlds: "rbc", n_samples: 40, output: "memory://doc", T: 8, H: 3 }], 1);
 * await generateDataset(config, { store });
 * const data = await collectReport(store, { maxSamples: 30 });
 * assert.equal(data.worlds[0].id, "rbc");
 * assert.equal(data.worlds[0].sampleIndices.length, 30);
 * assert.equal(data.worlds[0].splits.reduce((s, x) => s + x.n, 0), 40);
 * ```
 */
export async function collectReport(
  store: ByteStore,
  options: CollectOptions = {},
): Promise<ReportData> {
  const maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  if (!Number.isSafeInteger(maxSamples) || maxSamples < 1) {
    throw new RangeError(`Invalid sample limit: expected an integer >= 1, got ${maxSamples}`);
  }
  const samplePaths = options.samplePaths ?? DEFAULT_SAMPLE_PATHS;
  if (!Number.isSafeInteger(samplePaths) || samplePaths < 0) {
    throw new RangeError(
      `Invalid number of sample paths: expected an integer >= 0, got ${samplePaths}`,
    );
  }
  const manifest = await readReportManifest(store);
  const ids = Object.keys(manifest.simulators);
  const wanted = options.worlds ?? ids;
  for (const id of wanted) {
    if (!ids.includes(id)) {
      throw new UsageError(
        `Cannot report on world "${id}": the dataset at ${store.url} has ${ids.join(", ")}`,
      );
    }
  }
  const worlds: WorldReport[] = [];
  for (const id of ids.filter((w) => wanted.includes(w))) {
    worlds.push(
      await collectWorld(store, id, manifest.simulators[id], {
        maxSamples,
        samplePaths,
        concurrency: options.concurrency,
      }),
    );
  }
  return { url: store.url, manifest: summarizeManifest(manifest), worlds, maxSamples };
}

async function readReportManifest(store: ByteStore): Promise<Manifest> {
  const bytes = await requireManifestBytes(store, "report on");
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new UsageError(
      `Cannot report on ${store.url}: manifest.json is not valid JSON (run deno task validate for details)`,
      { cause: e },
    );
  }
  assertCurrentLayout(doc, `Cannot report on ${store.url}: `);
  if (validateManifest(doc).length > 0) {
    throw new UsageError(
      `Cannot report on ${store.url}: manifest.json is invalid (run deno task validate for details)`,
    );
  }
  return doc as Manifest;
}

function arrayBytes(sim: ManifestSimulator): { raw: number; stored: number } {
  let raw = 0;
  let stored = 0;
  const all: ManifestArray[] = [
    ...Object.values(sim.arrays),
    ...Object.values(sim.metadata_arrays ?? {}),
  ];
  for (const a of all) {
    raw += a.raw_bytes;
    stored += a.stored_bytes;
  }
  return { raw, stored };
}

function summarizeManifest(m: Manifest): ManifestSummary {
  let rawBytes = 0;
  let storedBytes = 0;
  let totalSamples = 0;
  for (const sim of Object.values(m.simulators)) {
    const bytes = arrayBytes(sim);
    rawBytes += bytes.raw;
    storedBytes += bytes.stored;
    totalSamples += sim.n_samples;
  }
  const { generator, storage } = datasetFacts(m);
  const c = storage.codec;
  return {
    version: m.version,
    createdAt: m.created_at,
    gitHash: m.git_hash,
    generator: `${generator.name} ${generator.version} (${generator.runtime})`,
    globalSeed: m.rng_seeds.global,
    T: m.T,
    H: m.H,
    zarrFormat: storage.zarr_format,
    dtype: storage.dtype,
    codec: `${c.id} ${c.cname} clevel ${c.clevel}, ${c.shuffle} shuffle`,
    totalSamples,
    rawBytes,
    storedBytes,
    compressionRatio: storedBytes > 0 ? rawBytes / storedBytes : NaN,
    splits: splitDefinitions(m).map(([name, s]) => ({
      name,
      algorithm: s.algorithm,
      nominalFraction: s.fraction,
      fractionOf: s.fraction_of,
    })),
  };
}

interface WorldOptions {
  maxSamples: number;
  samplePaths: number;
  concurrency?: number;
}

async function readSplits(store: ByteStore, id: string): Promise<Record<string, Uint32Array>> {
  const key = `${id}/${SPLITS_KEY}`;
  const bytes = await store.get(key);
  if (bytes === undefined) {
    throw new StoreError("NOT_FOUND", `Cannot read "${key}" from ${store.url}: it is missing`);
  }
  return parseSplitsJson(new TextDecoder().decode(bytes));
}

async function collectWorld(
  store: ByteStore,
  id: string,
  sim: ManifestSimulator,
  options: WorldOptions,
): Promise<WorldReport> {
  const n = sim.n_samples;
  const splitIndices = await readSplits(store, id);
  const splitNames = Object.keys(splitIndices);
  const owner = new Int16Array(n).fill(-1);
  splitNames.forEach((name, k) => {
    for (const i of splitIndices[name]) if (i < n) owner[i] = k;
  });
  const splitOf = (i: number): string => (owner[i] >= 0 ? splitNames[owner[i]] : "none");

  const metaSpecs = sim.metadata_arrays ?? {};
  const scalarFields = Object.keys(metaSpecs).filter((f) => metaSpecs[f].shape.length === 1);
  const stateFields = ["binding_flags", "regime_seq"].filter((f) =>
    metaSpecs[f]?.shape.length === 2
  );
  const chunkSamples = Math.max(
    1,
    ...["theta", "irfs"].map((a) => sim.arrays[a]?.chunks[0] ?? 1),
    ...[...scalarFields, ...stateFields].map((f) => metaSpecs[f].chunks[0]),
  );
  const indices = chooseSubsample(n, chunkSamples, options.maxSamples);
  const loaded = await loadDataset(store, id, {
    indices,
    arrays: ["theta", "irfs"],
    metadata: [...scalarFields, ...stateFields],
    concurrency: options.concurrency,
  });

  const obsNames = [...sim.obs_manifest.canonical_names];
  const shockNames = [...sim.shock_manifest.names];
  const irfBands = fanBands(loaded.arrays.irfs, shockNames, obsNames);
  const theta = thetaColumns(loaded.arrays.theta, sim);

  const pathIndices = pickSamplePaths(indices, splitOf, options.samplePaths);
  const samplePaths: SamplePath[] = [];
  if (pathIndices.length > 0) {
    const paths = await loadDataset(store, id, {
      indices: pathIndices,
      arrays: ["trajectories", "shocks"],
      metadata: false,
      concurrency: options.concurrency,
    });
    pathIndices.forEach((index, k) => {
      samplePaths.push({
        index,
        split: splitOf(index),
        observables: columns(paths.arrays.trajectories, k),
        shocks: columns(paths.arrays.shocks, k),
      });
    });
  }

  const splits: SplitSize[] = splitNames.map((name) => ({
    name,
    n: splitIndices[name].length,
    fraction: n > 0 ? splitIndices[name].length / n : 0,
    manifestN: sim.splits?.[name]?.n,
  }));
  const corner = sim.splits?.test_extrapolation_corner;
  const bytes = arrayBytes(sim);
  const report: WorldReport = {
    id,
    description: sim.description ?? "",
    version: sim.version,
    nSamples: n,
    sampleIndices: indices,
    rejections: { ...sim.rejections },
    rawBytes: bytes.raw,
    storedBytes: bytes.stored,
    observables: { names: obsNames, units: [...sim.obs_manifest.units] },
    shocks: shockNames,
    irfShockSize: sim.shock_manifest.irf_sign * sim.shock_manifest.default_size,
    irfBands,
    samplePaths,
    theta,
    splits,
    sliceRule: { ...sim.slice_rule },
    cornerThresholds: {
      persistence: corner?.persistence_threshold ?? null,
      volatility: corner?.volatility_threshold ?? null,
    },
    cornerRule: { ...sim.corner_rule },
    splitPoints: splitPoints(
      id,
      loaded.arrays.theta,
      loaded.metadata,
      scalarFields,
      indices,
      splitOf,
    ),
  };
  if (loaded.metadata.binding_flags !== undefined) {
    report.binding = stateShare(loaded.metadata.binding_flags, "binding_flags", ["binding"]);
  }
  if (loaded.metadata.regime_seq !== undefined) {
    report.regimes = stateShare(loaded.metadata.regime_seq, "regime_seq", ["regime 0", "regime 1"]);
  }
  return report;
}

/** One sample's `(T, k)` block as k columns of length T. */
function columns(array: LoadedArray, sample: number): number[][] {
  const [, T, k] = array.shape;
  const out = Array.from({ length: k }, () => new Array<number>(T));
  const base = sample * T * k;
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < k; j++) out[j][t] = array.data[base + t * k + j];
  }
  return out;
}

function fanBands(irfs: LoadedArray, shocks: string[], observables: string[]): FanBand[] {
  const [count, nShocks, nH, nObs] = irfs.shape;
  const out: FanBand[] = [];
  const values = new Float64Array(count);
  for (let s = 0; s < nShocks; s++) {
    for (let o = 0; o < nObs; o++) {
      const bands = FAN_PERCENTILES.map(() => new Array<number>(nH).fill(NaN));
      let nonFinite = 0;
      for (let h = 0; h < nH; h++) {
        let m = 0;
        for (let i = 0; i < count; i++) {
          const v = irfs.data[((i * nShocks + s) * nH + h) * nObs + o];
          if (Number.isFinite(v)) values[m++] = v;
          else nonFinite++;
        }
        if (m === 0) continue;
        const sorted = values.subarray(0, m).sort();
        FAN_PERCENTILES.forEach((p, k) => (bands[k][h] = quantileOfSorted(sorted, p / 100)));
      }
      out.push({
        shock: shocks[s] ?? `shock_${s}`,
        observable: observables[o] ?? `obs_${o}`,
        bands,
        nonFinite,
      });
    }
  }
  return out;
}

/** numpy's "linear" quantile of sorted values, computed as `empiricalQuantile` does. */
function quantileOfSorted(x: Float64Array, p: number): number {
  const virtualIndex = (x.length - 1) * p;
  const lo = Math.floor(virtualIndex);
  const hi = Math.min(lo + 1, x.length - 1);
  const t = virtualIndex - lo;
  const diff = x[hi] - x[lo];
  return t >= 0.5 ? x[hi] - diff * (1 - t) : x[lo] + diff * t;
}

function thetaColumns(theta: LoadedArray, sim: ManifestSimulator): ThetaColumn[] {
  const [count, nParams] = theta.shape;
  const pm = sim.param_manifest;
  const out: ThetaColumn[] = [];
  for (let j = 0; j < nParams; j++) {
    const [lo, hi] = pm.bounds[j] ?? [NaN, NaN];
    const values = new Array<number>(count);
    let outside = 0;
    // Stored theta is quantized inside the bounds: compared in float64, as numpy does.
    for (let i = 0; i < count; i++) {
      const v = theta.data[i * nParams + j];
      values[i] = v;
      if (!(v >= lo && v <= hi)) outside++;
    }
    out.push({ name: pm.names[j] ?? `theta_${j}`, bounds: [lo, hi], values, outside });
  }
  return out;
}

/** Up to `k` samples: the first read of each split in turn, then the first others. */
function pickSamplePaths(
  indices: readonly number[],
  splitOf: (i: number) => string,
  k: number,
): number[] {
  const firstBySplit = new Map<string, number>();
  for (const i of indices) {
    const s = splitOf(i);
    if (!firstBySplit.has(s)) firstBySplit.set(s, i);
  }
  const preferred = ["train", "test_extrapolation_slice", "test_extrapolation_corner"];
  const picked: number[] = [];
  for (const s of [...preferred, ...firstBySplit.keys()]) {
    const i = firstBySplit.get(s);
    if (picked.length < k && i !== undefined && !picked.includes(i)) picked.push(i);
  }
  for (const i of indices) {
    if (picked.length >= k) break;
    if (!picked.includes(i)) picked.push(i);
  }
  return picked.sort((a, b) => a - b);
}

function splitPoints(
  id: string,
  theta: LoadedArray,
  metadata: Record<string, LoadedArray>,
  scalarFields: readonly string[],
  indices: readonly number[],
  splitOf: (i: number) => string,
): SplitPoints | { unavailable: string } {
  if (!isWorldId(id)) return { unavailable: `unknown world "${id}": no split statistics` };
  const world = getWorld(id);
  const [count, nParams] = theta.shape;
  const out: SplitPoints = { slice: [], persistence: [], volatility: [], split: [] };
  try {
    for (let i = 0; i < count; i++) {
      const meta: Record<string, number> = {};
      for (const f of scalarFields) meta[f] = metadata[f].data[i];
      const stats = world.splitStats(theta.data.subarray(i * nParams, (i + 1) * nParams), meta);
      out.slice.push(stats.slice);
      out.persistence.push(stats.persistence);
      out.volatility.push(stats.volatility);
      out.split.push(splitOf(indices[i]));
    }
  } catch (e) {
    return { unavailable: `split statistics failed: ${(e as Error).message}` };
  }
  return out;
}

function stateShare(array: LoadedArray, field: string, labels: readonly string[]): StateShare {
  const [count, T] = array.shape;
  const counts = new Array<number>(2).fill(0);
  const perSample = new Array<number>(count);
  let any = 0;
  for (let i = 0; i < count; i++) {
    let ones = 0;
    for (let t = 0; t < T; t++) {
      const v = array.data[i * T + t];
      if (v === 0) counts[0]++;
      else if (v === 1) ones++;
    }
    counts[1] += ones;
    perSample[i] = T > 0 ? ones / T : 0;
    if (ones > 0) any++;
  }
  const total = count * T;
  const shares = counts.map((c) => (total > 0 ? c / total : NaN));
  return {
    field,
    periodShares: labels.length === 1 ? [shares[1]] : shares,
    labels: [...labels],
    anyShare: count > 0 ? any / count : NaN,
    perSample,
  };
}
