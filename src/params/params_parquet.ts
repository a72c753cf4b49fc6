/**
 * `params.parquet` at the dataset root (spec 4.1): every sample's parameters
 * and per-sample scalars in one table, for filtering with pandas, polars or
 * DuckDB without opening the Zarr arrays. It is written from what the
 * dataset stores (see `params_table.ts`), so `generate` and `finalize` write
 * the same bytes, and `validate` rebuilds it the same way.
 *
 * Layout: one row group per world (per 100,000 rows of a larger world), in
 * the order of the worlds given; `world_id`, `sample_index` (int64) and
 * `split` are required; the parameter columns (float64) and scalar columns
 * (int32 or float64) are optional, null where the world has none. Parquet
 * 2 data pages, PLAIN encoding for numbers (dictionary for the strings and
 * where it halves a column), Snappy, statistics on every column chunk that
 * holds values. No timestamp is written and `created_by` is pinned, so the
 * bytes are a pure function of the stored data.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { PARAMS_PARQUET_KEY } from "../dataset/keys.ts";
import type { GroupSpec } from "../zarr/array_spec.ts";
import { sha256Hex } from "../zarr/digest.ts";
import {
  ByteWriter,
  type ColumnSource,
  PARQUET_CREATED_BY,
  ParquetWriter,
  schemaFromColumnData,
} from "./_deps.ts";
import { type ParamsTablePlan, planParamsTable, readRowGroup } from "./params_table.ts";

/** Rows per row group at most (a world's rows never share a row group with another's). */
export const ROW_GROUP_ROWS = 100_000;

/** The root group attribute that records {@link ParamsParquetFacts}. */
export const PARAMS_PARQUET_ATTRIBUTE = "params_parquet";

/** What the dataset records about its `params.parquet` (the root group's `params_parquet`). */
export interface ParamsParquetFacts {
  /** Its key, relative to the dataset root: `params.parquet`. */
  path: string;
  /** SHA-256 of the file's bytes, lowercase hex. */
  sha256: string;
  /** Size of the file in bytes. */
  size_bytes: number;
  /** Number of rows: the samples of every world. */
  n_rows: number;
}

/** The encoded table. */
export interface ParamsParquet {
  /** The file's bytes. */
  bytes: Uint8Array;
  /** Rows written. */
  nRows: number;
  /** Column names, in order. */
  columns: string[];
}

function schemaOf(plan: ParamsTablePlan): ReturnType<typeof schemaFromColumnData> {
  const none: number[] = [];
  const columnData: ColumnSource[] = [
    { name: "world_id", data: none, type: "STRING", nullable: false },
    { name: "sample_index", data: none, type: "INT64", nullable: false },
    { name: "split", data: none, type: "STRING", nullable: false },
    ...plan.params.map((name): ColumnSource => ({ name, data: none, type: "DOUBLE" })),
    ...plan.scalars.map((c): ColumnSource => ({ name: c.name, data: none, type: c.type })),
  ];
  return schemaFromColumnData({ columnData });
}

/**
 * Encode the table of a plan, reading each world's rows one row group at a
 * time (memory: one row group of input, plus the file).
 *
 * @param store The dataset store.
 * @param plan The plan (see `planParamsTable`).
 * @returns The file's bytes, rows and columns.
 */
export async function encodeParamsTable(
  store: ByteStore,
  plan: ParamsTablePlan,
): Promise<ParamsParquet> {
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({
    writer,
    schema: schemaOf(plan),
    codec: "SNAPPY",
    statistics: true,
    createdBy: PARQUET_CREATED_BY,
  });
  for (const world of plan.worlds) {
    for (let start = 0; start < world.nSamples; start += ROW_GROUP_ROWS) {
      const end = Math.min(world.nSamples, start + ROW_GROUP_ROWS);
      const rows = await readRowGroup(store, plan, world, [start, end]);
      const n = end - start;
      const nulls = new Array<null>(n).fill(null);
      // An all-null chunk gets no statistics (computing them is most of the write time).
      const numeric = (name: string, data: Float64Array | Int32Array | undefined): ColumnSource =>
        data === undefined
          ? { name, data: nulls, statistics: false, encoding: "PLAIN" }
          : { name, data, encoding: "PLAIN" };
      parquet.write({
        rowGroupSize: n,
        // One page per column chunk (at most 800 KB: 100,000 float64), without the writer's
        // per-value page-size pass.
        pageSize: 0,
        columnData: [
          { name: "world_id", data: new Array<string>(n).fill(world.worldId) },
          { name: "sample_index", data: rows.sampleIndex, encoding: "PLAIN" },
          { name: "split", data: rows.split },
          ...plan.params.map((name) => numeric(name, rows.params.get(name))),
          ...plan.scalars.map((c) => numeric(c.name, rows.scalars.get(c.name))),
        ],
      });
    }
  }
  parquet.finish();
  return {
    bytes: writer.getBytes(),
    nRows: plan.nRows,
    columns: [
      "world_id",
      "sample_index",
      "split",
      ...plan.params,
      ...plan.scalars.map((c) => c.name),
    ],
  };
}

/**
 * Build `params.parquet` for these worlds from what the store holds:
 * `theta.zarr` (its `params` attribute names the columns), the per-sample
 * scalar arrays of `metadata.zarr`, and `splits.json`.
 *
 * @param store The dataset store.
 * @param worlds The world ids, in row order (the manifest's order).
 * @returns The encoded table.
 * @throws {Error} If a world's stored data is missing or inconsistent (see `planParamsTable`),
 *   or a chunk cannot be read.
 *
 * @example One row per sample
 * ```ts
 * import { buildParamsParquet } from "./params_parquet.ts";
 * import { generateDataset } from "../pipeline/generate.ts";
 * import { resolveConfig } from "../pipeline/config.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "rbc", n_samples: 7, T: 4, H: 1 }], 1), { store });
 * const table = await buildParamsParquet(store, ["rbc"]);
 * assert.equal(table.nRows, 7);
 * assert.deepEqual(table.columns.slice(0, 4), ["world_id", "sample_index", "split", "beta"]);
 * assert.equal(new TextDecoder().decode(table.bytes.subarray(0, 4)), "PAR1");
 * ```
 */
export async function buildParamsParquet(
  store: ByteStore,
  worlds: readonly string[],
): Promise<ParamsParquet> {
  return await encodeParamsTable(store, await planParamsTable(store, worlds));
}

/**
 * The facts a dataset records about its `params.parquet`.
 *
 * @param bytes The file's bytes.
 * @param nRows Its number of rows.
 * @returns `{path, sha256, size_bytes, n_rows}`.
 *
 * @example
 * ```ts
 * import { paramsParquetFacts } from "./params_parquet.ts";
 * import assert from "node:assert/strict";
 * const facts = await paramsParquetFacts(new TextEncoder().encode("abc"), 0);
 * assert.deepEqual(facts, {
 *   path: "params.parquet",
 *   sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 *   size_bytes: 3,
 *   n_rows: 0,
 * });
 * ```
 */
export async function paramsParquetFacts(
  bytes: Uint8Array,
  nRows: number,
): Promise<ParamsParquetFacts> {
  return {
    path: PARAMS_PARQUET_KEY,
    sha256: await sha256Hex(bytes),
    size_bytes: bytes.byteLength,
    n_rows: nRows,
  };
}

/**
 * Build `params.parquet` from what the store holds and store it.
 *
 * @param store The dataset store.
 * @param worlds The world ids, in row order (the manifest's order).
 * @returns Its facts, to record in the root group's attributes.
 *
 * @example Write it and check its digest
 * ```ts
 * import { writeParamsParquet } from "./params_parquet.ts";
 * import { generateDataset } from "../pipeline/generate.ts";
 * import { resolveConfig } from "../pipeline/config.ts";
 * import { sha256Hex } from "../zarr/digest.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "nk,rbc", n_samples: 5, T: 4, H: 1 }], 1), { store });
 * const facts = await writeParamsParquet(store, ["nk", "rbc"]);
 * assert.equal(facts.n_rows, 10);
 * assert.equal(facts.sha256, await sha256Hex((await store.get("params.parquet"))!));
 * ```
 */
export async function writeParamsParquet(
  store: ByteStore,
  worlds: readonly string[],
): Promise<ParamsParquetFacts> {
  const table = await buildParamsParquet(store, worlds);
  await store.set(PARAMS_PARQUET_KEY, table.bytes);
  return await paramsParquetFacts(table.bytes, table.nRows);
}

/**
 * A group (the dataset root) with `params_parquet` among its attributes.
 *
 * @param group The group as written before.
 * @param facts The facts of `params.parquet`.
 * @returns The group to write.
 *
 * @example
 * ```ts
 * import { withParamsParquet } from "./params_parquet.ts";
 * import assert from "node:assert/strict";
 * const facts = { path: "params.parquet", sha256: "0".repeat(64), size_bytes: 1, n_rows: 1 };
 * const root = withParamsParquet({ path: "", zarrFormat: 3, attributes: {} }, facts);
 * assert.deepEqual(root.attributes, { params_parquet: facts });
 * ```
 */
export function withParamsParquet(group: GroupSpec, facts: ParamsParquetFacts): GroupSpec {
  return { ...group, attributes: { ...group.attributes, [PARAMS_PARQUET_ATTRIBUTE]: facts } };
}
