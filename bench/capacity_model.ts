/**
 * The capacity model of `bench/capacity_plan.ts`: pure functions from the
 * per-sample figures of a measured run to the bytes, objects, requests and
 * wall time of a run of any size. Nothing here measures or times anything.
 *
 * Stored bytes, ledger bytes and params.parquet scale per sample; chunk
 * objects and ledger records per chunk (the chunk sizes of the run being
 * planned); Zarr documents and the coordinates other than `sample` are a
 * fixed count; JSON lists of sample indices grow with the digits of the
 * indices ({@link indexListBytes}).
 *
 * @module
 */

/** S3's documented request rate for PUT/COPY/POST/DELETE, per partitioned prefix. */
export const S3_PUT_PER_SECOND_PER_PREFIX = 3_500;

/** S3's largest single PUT; larger objects need a multipart upload. */
export const S3_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/** Keys per ListObjectsV2 page. */
export const LIST_PAGE_KEYS = 1_000;

/** One array of a world, per sample. */
export interface ArrayFigures {
  /** Path relative to the dataset root (`nk/theta.zarr`). */
  path: string;
  /** Encoded bytes per sample. */
  storedBytesPerSample: number;
  /** Decoded bytes per sample. */
  rawBytesPerSample: number;
  /** Whether finalize reads it: theta and the scalar (one-dimensional) metadata. */
  readByFinalize: boolean;
}

/** One world's figures. */
export interface WorldFigures {
  /** The world. */
  world: string;
  /** Its arrays (main and metadata). */
  arrays: ArrayFigures[];
  /** Bytes of one ledger record (one per chunk task), as measured. */
  ledgerRecordBytes: number;
}

/** What a measured run gives the model, apart from the worlds. */
export interface DatasetFigures {
  /** Per world. */
  worlds: WorldFigures[];
  /** Zarr documents (`zarr.json`, `.zarray`, ...), all worlds: a fixed count. */
  documents: { count: number; bytes: number };
  /** Coordinate chunks other than `sample`: a fixed count and size. */
  fixedCoordinates: { count: number; bytes: number };
  /** `sample` coordinate chunks: their count (one per world group), and bytes per sample. */
  sampleCoordinates: { count: number; bytesPerSample: number };
  /** `<world>/splits.json` beyond {@link indexListBytes} of its samples (names, brackets). */
  splitsJsonOverheadBytes: number;
  /** params.parquet bytes per row (one row per sample). */
  paramsParquetBytesPerRow: number;
  /** manifest.json without chunk digests and embedded split indices. */
  manifestFixedBytes: number;
  /** manifest.json bytes per chunk digest entry, beyond the digits of the chunk index. */
  manifestBytesPerChunkEntry: number;
  /** manifest.json bytes per embedded split index, beyond its digits. */
  manifestBytesPerIndex: number;
  /** Core-seconds of generate per sample (wall time of a one-worker run / its samples). */
  coreSecondsPerSample: number;
  /** Parallel efficiency: throughput on k cores = k x efficiency x one core. */
  efficiency: number;
  /** Seconds of one core per params.parquet row (read theta and scalars, encode). */
  paramsSecondsPerRow: number;
}

/** One world of a run to plan. */
export interface WorldRun {
  /** The world. */
  world: string;
  /** Samples. */
  nSamples: number;
  /** Samples per chunk. */
  chunkSamples: number;
}

/** Assumptions about the object store, for finalize and validate times. */
export interface StoreAssumptions {
  /** Seconds per request (first byte). */
  latencySeconds: number;
  /** Requests in flight in one process. */
  inFlight: number;
  /** Bytes per second one process reads. */
  bytesPerSecond: number;
  /** Objects per second validate sustains (reads and re-hashes). */
  validateObjectsPerSecond: number;
}

/** The capacity of a run. */
export interface CapacityPlan {
  /** Samples in all worlds. */
  samples: number;
  /** Encoded bytes of every array chunk. */
  storedBytes: number;
  /** Decoded bytes of every array. */
  rawBytes: number;
  /** Bytes of the finished dataset: chunks, coordinates, documents, splits, params.parquet, manifest. */
  datasetBytes: number;
  /** Objects, by kind. */
  objects: {
    /** Array chunks (main and metadata arrays). */
    chunks: number;
    /** Coordinate chunks. */
    coordinates: number;
    /** Zarr documents. */
    documents: number;
    /** `<world>/splits.json`. */
    splitsJson: number;
    /** params.parquet. */
    paramsParquet: number;
    /** manifest.json. */
    manifest: number;
    /** The finished dataset: every kind above. */
    dataset: number;
    /** Ledger records `.ume/done/...` (one per chunk task; deleted by finalize). */
    ledger: number;
  };
  /** Chunk tasks (one per world and sample chunk). */
  chunkTasks: number;
  /** Bytes of the ledger records. */
  ledgerBytes: number;
  /** Bytes of the `<world>/splits.json` files. */
  splitsJsonBytes: number;
  /** Bytes of params.parquet. */
  paramsParquetBytes: number;
  /** Bytes of manifest.json. */
  manifestBytes: number;
  /** Whether manifest.json embeds every world's split indices. */
  manifestEmbedsIndices: boolean;
  /** Bytes finalize reads: ledger records, theta and scalar metadata. */
  finalizeReadBytes: number;
  /** Chunks finalize reads (theta and scalar metadata). */
  finalizeReadChunks: number;
}

/**
 * The digits of every integer in `[0, n)`, summed.
 *
 * @param n Count.
 * @returns Sum of `String(i).length`.
 *
 * @example
 * ```ts
 * import { digitSum } from "./capacity_model.ts";
 * import assert from "node:assert/strict";
 * assert.equal(digitSum(12), 10 + 2 * 2);
 * ```
 */
export function digitSum(n: number): number {
  let sum = 0;
  for (let d = 1, lo = 0, hi = 10; lo < n; d++, lo = hi, hi *= 10) {
    sum += d * (Math.min(n, hi) - lo);
  }
  return sum;
}

/**
 * Bytes of the sample indices `0..n-1` written as compact JSON lists that
 * partition them (every index once, one separator each): the index lists
 * of `splits.json`.
 *
 * @param n Samples.
 * @returns `digitSum(n) + n`.
 *
 * @example
 * ```ts
 * import { indexListBytes } from "./capacity_model.ts";
 * import assert from "node:assert/strict";
 * assert.equal(indexListBytes(3), "[0,1,2]".length - 1);
 * ```
 */
export function indexListBytes(n: number): number {
  return digitSum(n) + n;
}

/**
 * How often finalize reads theta and the scalar metadata: once for the split
 * statistics, once more for params.parquet, whose split column needs the
 * splits first (measured by `tests/finalize_listing_test.ts`).
 */
export const FINALIZE_THETA_READS = 2;

/**
 * Plan a run: bytes and objects from the figures, per world.
 *
 * @param figures The measured figures.
 * @param run The worlds of the run (each must be in `figures`).
 * @param manifestIndexLimit Largest world whose split indices the manifest embeds.
 * @returns The plan.
 */
export function planCapacity(
  figures: DatasetFigures,
  run: readonly WorldRun[],
  manifestIndexLimit: number,
): CapacityPlan {
  let samples = 0, storedBytes = 0, rawBytes = 0, chunks = 0, chunkTasks = 0, ledgerBytes = 0;
  let splitsJsonBytes = 0, finalizeReadBytes = 0, finalizeReadChunks = 0;
  let manifestBytes = figures.manifestFixedBytes;
  let embeds = true;
  for (const r of run) {
    const w = figures.worlds.find((f) => f.world === r.world);
    if (!w) throw new Error(`No figures for world ${r.world}`);
    const nChunks = Math.ceil(r.nSamples / r.chunkSamples);
    samples += r.nSamples;
    chunkTasks += nChunks;
    chunks += nChunks * w.arrays.length;
    ledgerBytes += nChunks * w.ledgerRecordBytes;
    splitsJsonBytes += indexListBytes(r.nSamples) + figures.splitsJsonOverheadBytes;
    // Every array has a digest entry per chunk; the key holds the chunk index once.
    manifestBytes += w.arrays.length *
      (nChunks * figures.manifestBytesPerChunkEntry + digitSum(nChunks));
    if (r.nSamples <= manifestIndexLimit) {
      manifestBytes += r.nSamples * figures.manifestBytesPerIndex + digitSum(r.nSamples);
    } else {
      embeds = false;
    }
    for (const a of w.arrays) {
      storedBytes += a.storedBytesPerSample * r.nSamples;
      rawBytes += a.rawBytesPerSample * r.nSamples;
      if (a.readByFinalize) {
        finalizeReadBytes += FINALIZE_THETA_READS * a.storedBytesPerSample * r.nSamples;
        finalizeReadChunks += FINALIZE_THETA_READS * nChunks;
      }
    }
  }
  finalizeReadBytes += ledgerBytes;
  const coordinateBytes = figures.fixedCoordinates.bytes +
    figures.sampleCoordinates.bytesPerSample * samples;
  const paramsParquetBytes = figures.paramsParquetBytesPerRow * samples;
  const objects = {
    chunks,
    coordinates: figures.fixedCoordinates.count + figures.sampleCoordinates.count,
    documents: figures.documents.count,
    splitsJson: run.length,
    paramsParquet: 1,
    manifest: 1,
    dataset: 0,
    ledger: chunkTasks,
  };
  objects.dataset = objects.chunks + objects.coordinates + objects.documents + objects.splitsJson +
    objects.paramsParquet + objects.manifest;
  return {
    samples,
    storedBytes,
    rawBytes,
    datasetBytes: storedBytes + coordinateBytes + figures.documents.bytes + splitsJsonBytes +
      paramsParquetBytes + manifestBytes,
    objects,
    chunkTasks,
    ledgerBytes,
    splitsJsonBytes,
    paramsParquetBytes,
    manifestBytes,
    manifestEmbedsIndices: embeds,
    finalizeReadBytes,
    finalizeReadChunks,
  };
}

/**
 * Wall time of the shards: every sample's core-seconds spread over
 * `machines x cores` at the measured parallel efficiency.
 *
 * @param figures The figures (core-seconds per sample, efficiency).
 * @param samples Samples of the run.
 * @param machines Machines (one shard each, `--workers` = its cores).
 * @param cores Cores per machine.
 * @returns Seconds.
 *
 * @example 1,000 samples at 1 ms per sample on 2 x 2 cores at 100%: 0.25 s
 * ```ts
 * import { shardWallSeconds } from "./capacity_model.ts";
 * import assert from "node:assert/strict";
 * const f = { coreSecondsPerSample: 0.001, efficiency: 1 };
 * assert.equal(shardWallSeconds(f, 1000, 2, 2), 0.25);
 * ```
 */
export function shardWallSeconds(
  figures: Pick<DatasetFigures, "coreSecondsPerSample" | "efficiency">,
  samples: number,
  machines: number,
  cores: number,
): number {
  return samples * figures.coreSecondsPerSample / (machines * cores * figures.efficiency);
}

/** Requests of a run, by who sends them. */
export interface RequestPlan {
  /** PUTs by the shards: chunks, ledger records, and each shard's documents, coordinates and run record. */
  shardPuts: number;
  /** ListObjectsV2 pages finalize reads (every object under the prefix, 1,000 per page). */
  finalizeLists: number;
  /** GETs by finalize: run record, ledger records, theta and scalar metadata chunks. */
  finalizeGets: number;
  /** PUTs by finalize: splits.json per world, params.parquet, manifest.json, the root group's document (Zarr 3). */
  finalizePuts: number;
  /** DELETEs by finalize: the ledger records and the run record. */
  finalizeDeletes: number;
  /** GETs by validate: every object of the dataset. */
  validateGets: number;
  /** ListObjectsV2 pages validate reads. */
  validateLists: number;
}

/**
 * The requests of a run with `shards` shards, finalize as the
 * finalize-listing design does it (presence, size and ETag by listing; only
 * ledger records, theta and scalar metadata read), validate re-reading
 * every object.
 *
 * @param plan The capacity plan.
 * @param shards Shards (each writes the documents, coordinates and run record once).
 * @returns The requests.
 *
 * @example
 * ```ts
 * import { planRequests } from "./capacity_model.ts";
 * import assert from "node:assert/strict";
 * const plan = {
 *   objects: { chunks: 2000, coordinates: 10, documents: 90, splitsJson: 1, paramsParquet: 1, manifest: 1, dataset: 2103, ledger: 500 },
 *   chunkTasks: 500, finalizeReadChunks: 1000,
 * };
 * const r = planRequests(plan, 4);
 * assert.equal(r.shardPuts, 2000 + 500 + 4 * (10 + 90 + 1));
 * assert.equal(r.finalizeLists, Math.ceil((2000 + 10 + 90 + 500 + 1) / 1000));
 * assert.equal(r.finalizeGets, 1 + 500 + 1000);
 * ```
 */
export function planRequests(
  plan: Pick<CapacityPlan, "objects" | "chunkTasks" | "finalizeReadChunks">,
  shards: number,
): RequestPlan {
  const o = plan.objects;
  const written = o.chunks + o.coordinates + o.documents + o.ledger + 1;
  return {
    shardPuts: o.chunks + o.ledger + shards * (o.documents + o.coordinates + 1),
    finalizeLists: Math.ceil(written / LIST_PAGE_KEYS),
    finalizeGets: 1 + o.ledger + plan.finalizeReadChunks,
    finalizePuts: o.splitsJson + o.paramsParquet + o.manifest + 1,
    finalizeDeletes: o.ledger + 1,
    validateGets: o.dataset,
    validateLists: Math.ceil(o.dataset / LIST_PAGE_KEYS),
  };
}

/**
 * Finalize's wall time in the finalize-listing design: its LISTs and GETs
 * `inFlight` at a time, its bytes at one process's bandwidth, params.parquet
 * (and the split statistics, which decode the same theta and scalar
 * chunks: counted once more) at the measured seconds per row.
 *
 * @param plan The plan.
 * @param requests Its requests.
 * @param figures Seconds per params.parquet row.
 * @param store Store assumptions.
 * @returns Seconds.
 */
export function finalizeSeconds(
  plan: Pick<CapacityPlan, "samples" | "finalizeReadBytes" | "paramsParquetBytes">,
  requests: RequestPlan,
  figures: Pick<DatasetFigures, "paramsSecondsPerRow">,
  store: StoreAssumptions,
): number {
  const lists = requests.finalizeLists * store.latencySeconds; // pages follow one another
  const gets = (requests.finalizeGets + requests.finalizeDeletes) * store.latencySeconds /
    store.inFlight;
  const bytes = (plan.finalizeReadBytes + plan.paramsParquetBytes) / store.bytesPerSecond;
  return lists + gets + bytes + 2 * plan.samples * figures.paramsSecondsPerRow;
}

/**
 * Validate's wall time: every object re-read and re-hashed at the slower
 * of the object rate and the byte rate.
 *
 * @param plan The plan.
 * @param store Store assumptions.
 * @returns Seconds.
 */
export function validateSeconds(
  plan: Pick<CapacityPlan, "objects" | "datasetBytes">,
  store: StoreAssumptions,
): number {
  return Math.max(
    plan.objects.dataset / store.validateObjectsPerSecond,
    plan.datasetBytes / store.bytesPerSecond,
  );
}

/**
 * Ratio of predicted to measured, for the reduced-scale check.
 *
 * @param predicted Predicted value.
 * @param measured Measured value.
 * @returns `predicted / measured` (NaN when nothing was measured).
 */
export function ratio(predicted: number, measured: number): number {
  return measured === 0 ? NaN : predicted / measured;
}
