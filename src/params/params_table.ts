/**
 * The rows of `params.parquet`, read back from what a dataset stores: one row
 * per (world, sample) with `world_id`, `sample_index`, `split` (from
 * `splits.json`), every parameter by name (from `theta.zarr` and its `params`
 * attribute, as float64) and every per-sample scalar of `metadata.zarr`
 * (`n_rejections`, `spectral_radius`, ...). A world without a parameter or a
 * scalar has nulls there.
 *
 * The columns are the union over the worlds, in a fixed order: the three key
 * columns, then the parameters in order of first appearance (worlds in the
 * order given, each world's parameters in its `theta.zarr` order), then the
 * scalars the same way (each world's in name order, as the store lists them). A scalar whose name is already a column (var stores
 * its lag order `p` both as a parameter and as metadata) is named
 * `meta_<name>`.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import { splitsKey } from "../dataset/keys.ts";
import { openDataset } from "../dataset/reader.ts";
import { readSamples } from "../dataset/read_samples.ts";
import { parseSplitsJson } from "../splits.ts";
import type { ArraySpec } from "../zarr/array_spec.ts";

/** The three columns every row has, first. */
export const KEY_COLUMNS: readonly string[] = ["world_id", "sample_index", "split"];

/** Prefix of a scalar's column when its name is already taken. */
export const RENAMED_SCALAR_PREFIX = "meta_";

/** A per-sample scalar column: the metadata field it holds and its Parquet type. */
export interface ScalarColumn {
  /** The column name (the field name, or `meta_<field>` if that is taken). */
  readonly name: string;
  /** The metadata field (`<world>/metadata.zarr/<field>`). */
  readonly field: string;
  /** `INT32` if every world stores an integer type, else `DOUBLE`. */
  readonly type: "INT32" | "DOUBLE";
}

/** What one world contributes, read from its stored documents and `splits.json`. */
export interface WorldSource {
  /** The world id. */
  readonly worldId: string;
  /** Number of samples (rows). */
  readonly nSamples: number;
  /** `theta.zarr`. */
  readonly theta: ArraySpec;
  /** Parameter names, in `theta.zarr` order. */
  readonly paramNames: readonly string[];
  /** The world's per-sample scalar arrays, by field name. */
  readonly scalars: ReadonlyMap<string, ArraySpec>;
  /** The split names, in `splits.json` order. */
  readonly splitNames: readonly string[];
  /** Per sample, the index of its split in {@link splitNames}. */
  readonly splitOf: Uint8Array;
}

/** The table's columns and sources. */
export interface ParamsTablePlan {
  /** The worlds, in row order. */
  readonly worlds: readonly WorldSource[];
  /** Parameter columns (float64), in column order. */
  readonly params: readonly string[];
  /** Scalar columns, in column order. */
  readonly scalars: readonly ScalarColumn[];
  /** Total rows. */
  readonly nRows: number;
}

/** The values of one row group: columns by name; `undefined` where the world has none. */
export interface RowGroup {
  /** The world of every row. */
  readonly worldId: string;
  /** Rows `[start, end)` of the world. */
  readonly range: readonly [number, number];
  /** `sample_index`. */
  readonly sampleIndex: BigInt64Array;
  /** `split`. */
  readonly split: string[];
  /** Parameter columns the world has, by name (float64 of the stored values). */
  readonly params: ReadonlyMap<string, Float64Array>;
  /** Scalar columns the world has, by column name. */
  readonly scalars: ReadonlyMap<string, Float64Array | Int32Array>;
}

const decoder = new TextDecoder();

/** Whether an array is a per-sample scalar: 1-D along `sample`, not the `sample` coordinate. */
function isSampleScalar(name: string, spec: ArraySpec): boolean {
  return spec.shape.length === 1 && spec.dimensionNames[0] === "sample" && name !== "sample";
}

async function splitMembership(
  store: ByteStore,
  worldId: string,
  nSamples: number,
): Promise<{ names: string[]; of: Uint8Array }> {
  const key = splitsKey(worldId);
  const bytes = await store.get(key);
  if (bytes === undefined) throw new Error(`${key} is missing`);
  const splits = parseSplitsJson(decoder.decode(bytes));
  const names = Object.keys(splits);
  if (names.length > 255) throw new Error(`${key} has ${names.length} splits, at most 255 allowed`);
  const none = 255;
  const of = new Uint8Array(nSamples).fill(none);
  names.forEach((name, s) => {
    for (const i of splits[name]) {
      if (i >= nSamples) {
        throw new Error(`${key}: sample ${i} of split "${name}" is out of range (n = ${nSamples})`);
      }
      if (of[i] !== none) {
        throw new Error(`${key}: sample ${i} is in split "${names[of[i]]}" and in "${name}"`);
      }
      of[i] = s;
    }
  });
  const missing = of.indexOf(none);
  if (missing >= 0) throw new Error(`${key}: sample ${missing} is in no split`);
  return { names, of };
}

/**
 * Plan the table of these worlds from what the store holds: the array
 * documents (through `openDataset`) and every `splits.json` (every sample
 * must be in exactly one split).
 *
 * @param store The dataset store.
 * @param worlds The world ids, in row order.
 * @returns The columns and, per world, where its values are.
 * @throws {Error} If a world, its `theta.zarr` or its `params` attribute is missing, or a
 *   `splits.json` is missing or does not assign every sample to exactly one split.
 *
 * @example Two worlds with different parameters
 * ```ts
 * import { planParamsTable } from "./params_table.ts";
 * import { generateDataset } from "../pipeline/generate.ts";
 * import { resolveConfig } from "../pipeline/config.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "nk,var", n_samples: 6, T: 4, H: 1 }], 1), { store });
 * const plan = await planParamsTable(store, ["nk", "var"]);
 * assert.equal(plan.nRows, 12);
 * assert.equal(plan.params[0], "sigma"); // nk's first parameter
 * assert.ok(plan.params.includes("p") && plan.scalars.some((s) => s.name === "meta_p"));
 * assert.equal(plan.scalars.find((s) => s.field === "spectral_radius")?.type, "DOUBLE");
 * ```
 */
export async function planParamsTable(
  store: ByteStore,
  worlds: readonly string[],
): Promise<ParamsTablePlan> {
  const info = await openDataset(store);
  const sources: WorldSource[] = [];
  const params: string[] = [];
  const paramSet = new Set<string>();
  const scalarTypes = new Map<string, "INT32" | "DOUBLE">();
  for (const worldId of worlds) {
    const world = info.worlds[worldId];
    if (world === undefined) throw new Error(`World "${worldId}" is not in the store`);
    const theta = world.arrays.theta;
    if (theta === undefined || theta.shape.length !== 2) {
      throw new Error(`${worldId}/theta.zarr is missing or not 2-D`);
    }
    const names = theta.attributes.params;
    if (
      !Array.isArray(names) || names.length !== theta.shape[1] ||
      names.some((n) => typeof n !== "string")
    ) {
      throw new Error(
        `${worldId}/theta.zarr has no "params" attribute naming its ${theta.shape[1]} parameters`,
      );
    }
    const nSamples = theta.shape[0];
    for (const name of names as string[]) {
      if (!paramSet.has(name)) {
        paramSet.add(name);
        params.push(name);
      }
    }
    const scalars = new Map<string, ArraySpec>();
    const fields = Object.keys(world.metadata).sort();
    for (const [field, spec] of fields.map((f) => [f, world.metadata[f]] as const)) {
      if (!isSampleScalar(field, spec)) continue;
      if (spec.shape[0] !== nSamples) {
        throw new Error(
          `${spec.path} has ${spec.shape[0]} samples, ${worldId}/theta.zarr has ${nSamples}`,
        );
      }
      scalars.set(field, spec);
      const type = spec.dtype.startsWith("float") ? "DOUBLE" : "INT32";
      scalarTypes.set(field, scalarTypes.get(field) === "DOUBLE" ? "DOUBLE" : type);
    }
    const splits = await splitMembership(store, worldId, nSamples);
    sources.push({
      worldId,
      nSamples,
      theta,
      paramNames: names as string[],
      scalars,
      splitNames: splits.names,
      splitOf: splits.of,
    });
  }
  const taken = new Set([...KEY_COLUMNS, ...params]);
  const scalars: ScalarColumn[] = [];
  for (const [field, type] of scalarTypes) {
    const name = taken.has(field) ? `${RENAMED_SCALAR_PREFIX}${field}` : field;
    if (taken.has(name)) throw new Error(`Column name "${name}" is taken twice`);
    taken.add(name);
    scalars.push({ name, field, type });
  }
  return {
    worlds: sources,
    params,
    scalars,
    nRows: sources.reduce((a, w) => a + w.nSamples, 0),
  };
}

/**
 * Read rows `[start, end)` of one world of a plan: theta and the scalar
 * metadata through the dataset reader (`readSamples`), cast to the columns'
 * types (float64 parameters are the exact values stored, float32 or float64).
 *
 * @param store The dataset store.
 * @param plan The plan.
 * @param world A world of the plan.
 * @param range The rows of the world.
 * @returns The row group's values.
 *
 * @example The first two rows of nk
 * ```ts
 * import { planParamsTable, readRowGroup } from "./params_table.ts";
 * import { generateDataset } from "../pipeline/generate.ts";
 * import { resolveConfig } from "../pipeline/config.ts";
 * import { loadDataset } from "../dataset/reader.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "nk", n_samples: 5, T: 4, H: 1 }], 1), { store });
 * const plan = await planParamsTable(store, ["nk"]);
 * const rows = await readRowGroup(store, plan, plan.worlds[0], [0, 2]);
 * const theta = (await loadDataset(store, "nk", { range: [0, 2] })).arrays.theta.data;
 * assert.equal(rows.params.get("sigma")![1], theta[12]); // sample 1, parameter 0 of 12
 * assert.deepEqual([...rows.sampleIndex], [0n, 1n]);
 * ```
 */
export async function readRowGroup(
  store: ByteStore,
  plan: ParamsTablePlan,
  world: WorldSource,
  range: readonly [number, number],
): Promise<RowGroup> {
  const [start, end] = range;
  const n = end - start;
  const fields = [...world.scalars.keys()];
  const [theta, ...scalarData] = await Promise.all([
    readSamples(store, world.theta, { range }),
    ...fields.map((f) => readSamples(store, world.scalars.get(f)!, { range })),
  ]);
  const nParams = world.paramNames.length;
  const params = new Map<string, Float64Array>();
  world.paramNames.forEach((name, p) => {
    const column = new Float64Array(n);
    for (let i = 0; i < n; i++) column[i] = theta[i * nParams + p];
    params.set(name, column);
  });
  const byField = new Map(plan.scalars.map((c) => [c.field, c]));
  const scalars = new Map<string, Float64Array | Int32Array>();
  fields.forEach((field, k) => {
    const column = byField.get(field)!;
    scalars.set(
      column.name,
      column.type === "DOUBLE" ? Float64Array.from(scalarData[k]) : Int32Array.from(scalarData[k]),
    );
  });
  const sampleIndex = new BigInt64Array(n);
  const split = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    sampleIndex[i] = BigInt(start + i);
    split[i] = world.splitNames[world.splitOf[start + i]];
  }
  return { worldId: world.worldId, range: [start, end], sampleIndex, split, params, scalars };
}
