/**
 * `validate`: check every claim of a dataset's manifest against what is
 * stored, read-only.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { openLocation } from "./_open.ts";
import { keyedStream } from "../numeric/rng.ts";
import { getSimulator, isWorldId } from "../simulators/registry.ts";
import type { WorldAdapter, WorldId } from "../simulators/types.ts";
import { checkSplits, parseSplitsJson } from "../splits.ts";
import { MANIFEST_KEY } from "../manifest/manifest_io.ts";
import { requireManifestBytes } from "./dataset_manifest.ts";
import { splitInfoFromManifest } from "../manifest/mapping.ts";
import type { Manifest, ManifestArray } from "../manifest/types.ts";
import { validateManifest } from "../manifest/validate_manifest.ts";
import type { ArraySpec } from "../zarr/array_spec.ts";
import { chunkCount, chunkKey, decodeChunk, sampleSize } from "../zarr/chunk.ts";
import { dataTypeInfo, type NumericArray } from "../zarr/data_type.ts";
import { sha256Hex } from "../zarr/digest.ts";
import { joinKey, readArraySpec } from "../zarr/metadata.ts";
import { readSamples } from "../zarr/read_samples.ts";
import { layoutArrays, type WorldLayout } from "../zarr/world_layout.ts";
import { sampleValues } from "./chunk_task.ts";
import { UsageError } from "./config.ts";
import { LEDGER_PREFIX } from "./ledger.ts";
import type { ProgressListener } from "./progress.ts";
import { layoutForWorld, type WorldSettings } from "./world_plan.ts";
import { readSplitStats } from "./split_stats.ts";

/** One failed check. */
export interface ValidationProblem {
  /** Which check failed, e.g. `"chunk-digest"`. */
  check: string;
  /** Where: a store key, or `manifest.json#/json/pointer`. */
  location: string;
  /** What is wrong. */
  message: string;
  /** The world concerned, if any. */
  world?: string;
}

/** What {@link validateDataset} returns. */
export interface ValidationReport {
  /** The dataset validated. */
  path: string;
  /** True when no problem was found. */
  ok: boolean;
  /** Worlds checked. */
  worlds: string[];
  /** Number of checks run, by check name. */
  checks: Record<string, number>;
  /** Every problem found. */
  problems: ValidationProblem[];
  /** Chunks read and verified. */
  chunksVerified: number;
  /** Stored bytes read. */
  bytesRead: number;
  /** Samples re-simulated and compared byte for byte. */
  samplesResimulated: number;
  /** Wall seconds. */
  seconds: number;
}

/** Options of {@link validateDataset}. */
export interface ValidateOptions {
  /** Only these worlds (default: every world of the manifest). */
  worlds?: string[];
  /** Re-simulate this many random samples per world and compare bytes (default 0). */
  resimulate?: number;
  /** Progress events. */
  onProgress?: ProgressListener;
  /** Chunks read at once (default 8). */
  concurrency?: number;
}

const decoder = new TextDecoder();

class Collector {
  problems: ValidationProblem[] = [];
  checks: Record<string, number> = {};
  ran(check: string, n = 1): void {
    this.checks[check] = (this.checks[check] ?? 0) + n;
  }
  add(check: string, location: string, message: string, world?: string): void {
    this.problems.push(
      world === undefined ? { check, location, message } : { check, location, message, world },
    );
  }
}

function sameNumber(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

function settingsFromManifest(m: Manifest, world: WorldId): WorldSettings {
  const c = m.simulators[world].config as Record<string, unknown>;
  return {
    world,
    seed: Number(c.global_seed ?? m.rng.global_seed),
    nSamples: m.simulators[world].n_samples,
    T: m.T,
    H: m.H,
    chunkSamples: Number(c.chunk_samples),
    zarrFormat: m.storage.zarr_format as 2 | 3,
  };
}

/** Compare stored array metadata with the expected spec and the manifest entry. */
async function checkArrayMetadata(
  store: ByteStore,
  expected: ArraySpec,
  entry: ManifestArray | undefined,
  c: Collector,
  world: string,
): Promise<boolean> {
  c.ran("array-metadata");
  let stored: ArraySpec | undefined;
  try {
    stored = await readArraySpec(store, expected.path);
  } catch (e) {
    c.add(
      "array-metadata",
      expected.path,
      `Unreadable array metadata: ${(e as Error).message}`,
      world,
    );
    return false;
  }
  if (!stored) {
    c.add("array-metadata", expected.path, "Array metadata is missing", world);
    return false;
  }
  const diffs: string[] = [];
  const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!eq(stored.shape, expected.shape)) {
    diffs.push(`shape ${stored.shape} (expected ${expected.shape})`);
  }
  if (!eq(stored.chunks, expected.chunks)) {
    diffs.push(`chunks ${stored.chunks} (expected ${expected.chunks})`);
  }
  if (stored.dtype !== expected.dtype) {
    diffs.push(`dtype ${stored.dtype} (expected ${expected.dtype})`);
  }
  if (!sameNumber(stored.fillValue, expected.fillValue)) {
    diffs.push(`fill value ${stored.fillValue} (expected ${expected.fillValue})`);
  }
  if (!eq(stored.dimensionNames, expected.dimensionNames)) {
    diffs.push(`dimension names ${stored.dimensionNames} (expected ${expected.dimensionNames})`);
  }
  if (!eq(stored.codec, expected.codec)) {
    diffs.push(
      `codec ${JSON.stringify(stored.codec)} (expected ${JSON.stringify(expected.codec)})`,
    );
  }
  if (stored.separator !== expected.separator) {
    diffs.push(`chunk key separator "${stored.separator}"`);
  }
  if (stored.zarrFormat !== expected.zarrFormat) diffs.push(`zarr format ${stored.zarrFormat}`);
  if (entry) {
    if (!eq(entry.shape, expected.shape)) diffs.push(`manifest shape ${entry.shape}`);
    if (!eq(entry.chunks, expected.chunks)) diffs.push(`manifest chunks ${entry.chunks}`);
    if (entry.dtype !== expected.dtype) diffs.push(`manifest dtype ${entry.dtype}`);
    if (!eq(entry.dimension_names, expected.dimensionNames)) {
      diffs.push(`manifest dimension names ${entry.dimension_names}`);
    }
    if (entry.n_chunks !== chunkCount(expected)) diffs.push(`manifest n_chunks ${entry.n_chunks}`);
  }
  for (const d of diffs) {
    c.add("array-metadata", expected.path, `Array metadata differs: ${d}`, world);
  }
  return diffs.length === 0;
}

/** Keys a world folder may hold besides chunks. */
function metadataDocKeys(layout: WorldLayout): Set<string> {
  const keys = new Set<string>();
  const docs = layout.zarrFormat === 3 ? ["zarr.json"] : [".zarray", ".zattrs", ".zgroup"];
  for (
    const path of [
      layout.group.path,
      layout.metadataGroup.path,
      ...layoutArrays(layout).map((s) => s.path),
    ]
  ) {
    for (const d of docs) keys.add(joinKey(path, d));
  }
  keys.add(`${layout.worldId}/splits.json`);
  return keys;
}

interface WorldData {
  /** Sum of the stored n_rejections metadata (undefined if the world has none). */
  rejections?: number;
  /** Whether theta and every scalar metadata chunk decoded cleanly (split statistics readable). */
  statsReadable: boolean;
}

async function checkWorldChunks(
  store: ByteStore,
  layout: WorldLayout,
  manifestWorld: Manifest["simulators"][string],
  adapter: WorldAdapter | undefined,
  c: Collector,
  options: ValidateOptions,
  progress: { done: number; total: number; t0: number },
  counters: { chunks: number; bytes: number },
): Promise<WorldData> {
  const world = layout.worldId;
  const present = new Set(await store.list(`${world}/`));
  const allowed = metadataDocKeys(layout);
  const data: WorldData = { statsReadable: true };
  const bounds = adapter?.params.bounds.map(([lo, hi]) =>
    [Math.fround(lo), Math.fround(hi)] as const
  );
  let storedTotal = 0, manifestStored = 0;
  for (const spec of layoutArrays(layout)) {
    const rel = spec.path.slice(world.length + 1);
    const entry = rel.startsWith("metadata.zarr/")
      ? manifestWorld.metadata_arrays?.[rel.slice("metadata.zarr/".length)]
      : manifestWorld.arrays?.[rel.replace(/\.zarr$/, "")];
    if (!entry) c.add("manifest-arrays", spec.path, "Array is not listed in the manifest", world);
    else manifestStored += entry.stored_bytes;
    const metaOk = await checkArrayMetadata(store, spec, entry, c, world);
    const n = chunkCount(spec);
    const perSample = sampleSize(spec);
    const info = dataTypeInfo(spec.dtype);
    const isTheta = spec.path === layout.arrays.theta.path;
    const isScalar = spec.shape.length === 1 && spec.path.startsWith(`${world}/metadata.zarr/`);
    const isRejections = spec.path === layout.metadata.n_rejections?.path;
    if (isRejections) data.rejections = 0;
    const neededForStats = isTheta || isScalar;
    let next = 0;
    const run = async (): Promise<void> => {
      while (next < n) {
        const ci = next++;
        const key = joinKey(spec.path, chunkKey(spec, ci));
        allowed.add(key);
        const chunkRel = chunkKey(spec, ci);
        c.ran("chunk-present");
        const bytes = present.has(key) ? await store.get(key) : undefined;
        progress.done++;
        options.onProgress?.({
          phase: "validate",
          done: progress.done,
          total: progress.total,
          unit: "chunks",
          elapsedMs: performance.now() - progress.t0,
          note: world,
        });
        if (!bytes) {
          c.add("chunk-present", key, "Chunk is missing", world);
          if (neededForStats) data.statsReadable = false;
          continue;
        }
        counters.chunks++;
        counters.bytes += bytes.length;
        storedTotal += bytes.length;
        c.ran("chunk-digest");
        const want = entry?.chunk_sha256?.[chunkRel];
        const got = await sha256Hex(bytes);
        if (want === undefined) {
          c.add("chunk-digest", key, "Chunk has no digest in the manifest", world);
        } else if (want !== got) {
          c.add(
            "chunk-digest",
            key,
            `SHA-256 mismatch: stored bytes hash to ${got}, manifest says ${want}`,
            world,
          );
          if (neededForStats) data.statsReadable = false;
          continue;
        }
        if (!metaOk) {
          if (neededForStats) data.statsReadable = false;
          continue;
        }
        let values: NumericArray;
        try {
          c.ran("chunk-decode");
          values = await decodeChunk(spec, bytes);
        } catch (e) {
          c.add("chunk-decode", key, `Cannot decode chunk: ${(e as Error).message}`, world);
          if (neededForStats) data.statsReadable = false;
          continue;
        }
        const start = ci * spec.chunks[0];
        const count = Math.min(spec.chunks[0], spec.shape[0] - start);
        const used = count * perSample;
        if (info.isFloat) {
          c.ran("finite");
          for (let j = 0; j < used; j++) {
            const v = values[j];
            if (v - v !== 0) {
              c.add(
                "finite",
                key,
                `Sample ${start + Math.floor(j / perSample)} element ${j % perSample} is ${v}`,
                world,
              );
              break;
            }
          }
        }
        if (isRejections) {
          for (let j = 0; j < used; j++) data.rejections! += values[j];
        }
        if (isTheta && bounds) {
          c.ran("theta-bounds");
          for (let j = 0; j < used; j++) {
            const [lo, hi] = bounds[j % perSample];
            const v = values[j];
            if (!(v >= lo && v <= hi)) {
              const p = j % perSample;
              c.add(
                "theta-bounds",
                key,
                `Sample ${start + Math.floor(j / perSample)}: ${
                  adapter!.params.names[p]
                } = ${v} is outside [${lo}, ${hi}]`,
                world,
              );
            }
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, run));
  }
  c.ran("stored-bytes");
  if (storedTotal !== manifestStored) {
    c.add(
      "stored-bytes",
      `${world}/`,
      `Stored chunks total ${storedTotal} bytes, manifest says ${manifestStored}`,
      world,
    );
  }
  c.ran("stray-keys");
  for (const key of present) {
    if (!allowed.has(key)) {
      c.add("stray-keys", key, "Unexpected key: not a chunk or metadata of this dataset", world);
    }
  }
  return data;
}

async function checkSplitsOf(
  store: ByteStore,
  m: Manifest,
  layout: WorldLayout,
  adapter: WorldAdapter,
  data: WorldData,
  c: Collector,
): Promise<void> {
  const world = layout.worldId;
  const key = `${world}/splits.json`;
  c.ran("splits");
  const bytes = await store.get(key);
  if (bytes === undefined) {
    c.add("splits", key, "splits.json is missing", world);
    return;
  }
  // Damaged theta/metadata chunks are reported already; statistics need them intact.
  if (!data.statsReadable) return;
  let indices: Record<string, Uint32Array>;
  try {
    indices = parseSplitsJson(decoder.decode(bytes));
  } catch (e) {
    c.add("splits", key, (e as Error).message, world);
    return;
  }
  let info;
  try {
    info = splitInfoFromManifest(m, world);
  } catch (e) {
    c.add("splits", `manifest.json#/simulators/${world}/splits`, (e as Error).message, world);
    return;
  }
  const stats = await readSplitStats(store, layout);
  const sliceRule = m.simulators[world].slice_rule;
  const n = m.simulators[world].n_samples;
  for (const v of checkSplits(indices, { stats, sliceRule, info, n })) {
    c.add("splits", `${key}#${v.path}`, v.message, world);
  }
  c.ran("slice-rule");
  if (JSON.stringify(sliceRule) !== JSON.stringify(adapter.sliceRule)) {
    c.add(
      "slice-rule",
      `manifest.json#/simulators/${world}/slice_rule`,
      `Slice rule differs from this code's (${JSON.stringify(adapter.sliceRule)})`,
      world,
    );
  }
}

async function resimulate(
  store: ByteStore,
  layout: WorldLayout,
  settings: WorldSettings,
  k: number,
  c: Collector,
): Promise<number> {
  const world = layout.worldId;
  const n = settings.nSamples;
  const rng = keyedStream(settings.seed, "validate", 0, 3);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(k, n)) chosen.add(rng.integer(0, n - 1));
  const indices = [...chosen].sort((a, b) => a - b);
  const adapter = getSimulator(world);
  const stored = new Map<string, NumericArray>();
  for (const spec of layoutArrays(layout)) {
    stored.set(spec.path, await readSamples(store, spec, { indices }));
  }
  indices.forEach((index, slot) => {
    c.ran("resimulate");
    const sample = adapter.generateSample(settings.seed + index, settings.T, settings.H);
    for (const [spec, values] of sampleValues(layout, sample, index)) {
      const per = sampleSize(spec);
      const fresh = dataTypeInfo(spec.dtype).allocate(per);
      fresh.set(values); // the same conversion the writer applies
      const old = stored.get(spec.path)!.subarray(slot * per, (slot + 1) * per);
      const fb = new Uint8Array(fresh.buffer, fresh.byteOffset, fresh.byteLength);
      const ob = new Uint8Array(old.buffer, old.byteOffset, old.byteLength);
      let same = fb.length === ob.length;
      for (let j = 0; same && j < fb.length; j++) same = fb[j] === ob[j];
      if (!same) {
        c.add(
          "resimulate",
          spec.path,
          `Sample ${index} re-simulated with seed ${
            settings.seed + index
          } differs from the stored bytes`,
          world,
        );
      }
    }
  });
  return indices.length;
}

/**
 * Validate a dataset against its manifest: schema, array metadata, shapes,
 * dtypes, codec, every chunk present and matching its digest, no stray keys,
 * NaN/Inf, theta within bounds, splits (disjoint, covering, fractions, no
 * extrapolation leakage), rejection counts, and optionally re-simulated
 * samples compared byte for byte. Read-only (needs read access; network and
 * `AWS_*` env access for S3).
 *
 * @param storeOrPath The dataset (store, path or `s3://` URL).
 * @param options Worlds, re-simulation count, progress.
 * @returns The report; `ok` is true only if every check passed.
 * @throws {UsageError} For an unknown world in `options.worlds`, an unreadable location, or a
 *   location without `manifest.json` (the message says what it holds instead).
 *
 * @example Validate a freshly generated dataset
 * ```ts
 * import { validateDataset } from "./validate.ts";
 * import { generateDataset } from "./generate.ts";
 * import { resolveConfig } from "./config.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "var", n_samples: 30, T: 8, H: 3 }], 1), { store });
 * const report = await validateDataset(store, { resimulate: 3 });
 * assert.equal(report.ok, true, JSON.stringify(report.problems));
 * ```
 */
export async function validateDataset(
  storeOrPath: ByteStore | string,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const t0 = performance.now();
  const store = typeof storeOrPath === "string" ? await openLocation(storeOrPath) : storeOrPath;
  const c = new Collector();
  const report = (
    worlds: string[],
    counters = { chunks: 0, bytes: 0 },
    resim = 0,
  ): ValidationReport => ({
    path: store.url,
    ok: c.problems.length === 0,
    worlds,
    checks: c.checks,
    problems: c.problems,
    chunksVerified: counters.chunks,
    bytesRead: counters.bytes,
    samplesResimulated: resim,
    seconds: (performance.now() - t0) / 1000,
  });
  const raw = await requireManifestBytes(store, "validate");
  c.ran("manifest");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(decoder.decode(raw)) as Manifest;
  } catch (e) {
    c.add("manifest", MANIFEST_KEY, `manifest.json is not valid JSON: ${(e as Error).message}`);
    return report([]);
  }
  for (const v of validateManifest(manifest)) {
    c.add("manifest", `manifest.json#${v.path}`, v.message);
  }
  if (typeof manifest?.simulators !== "object" || manifest.simulators === null) return report([]);
  const all = Object.keys(manifest.simulators);
  if (options.worlds) {
    for (const w of options.worlds) {
      if (!all.includes(w)) {
        throw new UsageError(`World "${w}" is not in this dataset: it has ${all.join(", ")}`);
      }
    }
  }
  const worlds = options.worlds ?? all;
  if ((await store.list(LEDGER_PREFIX)).length > 0) {
    c.add(
      "stray-keys",
      LEDGER_PREFIX,
      "A run ledger (.ume/) is still present: the run did not finish cleanly",
    );
  }
  const layouts = new Map<WorldId, { layout: WorldLayout; settings: WorldSettings }>();
  let totalChunks = 0;
  for (const w of worlds) {
    if (!isWorldId(w)) {
      c.add("world", `manifest.json#/simulators/${w}`, `Unknown world "${w}"`);
      continue;
    }
    try {
      const settings = settingsFromManifest(manifest, w);
      const layout = layoutForWorld(settings);
      layouts.set(w, { layout, settings });
      for (const spec of layoutArrays(layout)) totalChunks += chunkCount(spec);
    } catch (e) {
      c.add(
        "world",
        `manifest.json#/simulators/${w}/config`,
        `Cannot derive the layout: ${(e as Error).message}`,
        w,
      );
    }
  }
  const counters = { chunks: 0, bytes: 0 };
  const progress = { done: 0, total: totalChunks, t0 };
  let resim = 0;
  for (const [w, { layout, settings }] of layouts) {
    const adapter = getSimulator(w);
    const mw = manifest.simulators[w];
    c.ran("world-version");
    if (mw.version !== adapter.version) {
      c.add(
        "world-version",
        `manifest.json#/simulators/${w}/version`,
        `Written by world version ${mw.version}; this code is ${adapter.version} (statistics and re-simulation may differ)`,
        w,
      );
    }
    const data = await checkWorldChunks(store, layout, mw, adapter, c, options, progress, counters);
    await checkSplitsOf(store, manifest, layout, adapter, data, c);
    if (data.rejections !== undefined && data.statsReadable) {
      c.ran("rejections");
      const total = data.rejections;
      if (total !== mw.rejections?.total) {
        c.add(
          "rejections",
          `manifest.json#/simulators/${w}/rejections/total`,
          `Manifest says ${mw.rejections?.total} rejections, metadata n_rejections sums to ${total}`,
          w,
        );
      }
    }
    if ((options.resimulate ?? 0) > 0 && mw.version === adapter.version) {
      try {
        resim += await resimulate(store, layout, settings, options.resimulate!, c);
      } catch (e) {
        c.add("resimulate", `${w}/`, `Cannot re-simulate: ${(e as Error).message}`, w);
      }
    }
  }
  return report(worlds, counters, resim);
}
