/**
 * `params.parquet` against what this code writes. When its inputs were
 * found intact (every world checked, with no problem in its documents,
 * chunks or `splits.json`), the table is rebuilt from them and must be
 * byte-identical; otherwise the file is checked against the SHA-256 and
 * size recorded in the root group's `params_parquet` attribute.
 *
 * @module
 */

import type { ByteStore } from "../../store/byte_store.ts";
import { PARAMS_PARQUET_KEY } from "../../dataset/keys.ts";
import {
  buildParamsParquet,
  PARAMS_PARQUET_ATTRIBUTE,
  type ParamsParquetFacts,
  paramsParquetFacts,
  withParamsParquet,
} from "../../params/params_parquet.ts";
import type { GroupSpec } from "../../zarr/array_spec.ts";
import { groupMetadataDocuments } from "../../zarr/metadata.ts";
import type { Problems } from "./problems.ts";
import { readDocuments } from "./zarr_documents.ts";

/** Inputs of {@link checkParamsParquet}. */
export interface ParamsParquetCheck {
  /** Every world of the dataset, in the manifest's order. */
  worlds: readonly string[];
  /** Rebuild the table from the stored data (only if those were found intact). */
  rebuild: boolean;
  /** The root group this code writes, without `params_parquet`. */
  root: GroupSpec;
  /** Rows of the table: the samples of every world, by the manifest. */
  nRows: number;
}

const CHECK = "params-parquet";

function isFacts(value: unknown): value is ParamsParquetFacts {
  const v = value as ParamsParquetFacts;
  return typeof v === "object" && v !== null && typeof v.sha256 === "string" &&
    typeof v.size_bytes === "number" && typeof v.n_rows === "number";
}

/** The `params_parquet` attribute of the stored root group, if it can be read. */
async function recordedFacts(store: ByteStore, root: GroupSpec): Promise<unknown> {
  const docs = await readDocuments(store, Object.keys(groupMetadataDocuments(root)));
  for (const [key, doc] of docs) {
    if (doc === undefined || "error" in doc) continue;
    const json = doc.json as Record<string, unknown> | null;
    const attributes = key.endsWith("zarr.json") ? json?.attributes : json;
    if (typeof attributes === "object" && attributes !== null) {
      const value = (attributes as Record<string, unknown>)[PARAMS_PARQUET_ATTRIBUTE];
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/**
 * Check `params.parquet` and work out the root group this code writes for
 * it (the caller compares the stored root documents with it).
 *
 * @param store The dataset store.
 * @param check The worlds, whether to rebuild, the root group.
 * @param problems Where problems go (check `"params-parquet"`, located at `params.parquet`).
 * @returns The expected root group: with the facts of the rebuilt table; without a rebuild,
 *   with the recorded facts (a mismatch is reported at the file), or the facts measured from
 *   the stored file if none are recorded.
 *
 * @example A flipped byte
 * ```ts
 * import { checkParamsParquet } from "./params_parquet.ts";
 * import { Problems } from "./problems.ts";
 * import { generateDataset } from "../generate.ts";
 * import { resolveConfig } from "../config.ts";
 * import { MemoryStore } from "../../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * await generateDataset(resolveConfig([{ worlds: "nk", n_samples: 5, T: 4, H: 1 }], 1), { store });
 * const root = { path: "", zarrFormat: 3 as const, attributes: {} };
 * const bytes = (await store.get("params.parquet"))!.slice();
 * bytes[100] ^= 1;
 * await store.set("params.parquet", bytes);
 * for (const rebuild of [true, false]) {
 *   const problems = new Problems();
 *   await checkParamsParquet(store, { worlds: ["nk"], rebuild, root, nRows: 5 }, problems);
 *   assert.deepEqual(problems.list.map((p) => p.location), ["params.parquet"]);
 * }
 * ```
 */
export async function checkParamsParquet(
  store: ByteStore,
  check: ParamsParquetCheck,
  problems: Problems,
): Promise<GroupSpec> {
  problems.ran(CHECK);
  const stored = await store.get(PARAMS_PARQUET_KEY);
  if (stored === undefined) problems.add(CHECK, PARAMS_PARQUET_KEY, "params.parquet is missing");
  const recorded = await recordedFacts(store, check.root);
  if (check.rebuild) {
    try {
      const rebuilt = await buildParamsParquet(store, check.worlds);
      const expected = await paramsParquetFacts(rebuilt.bytes, rebuilt.nRows);
      if (stored !== undefined) {
        const at = firstDifference(stored, rebuilt.bytes);
        if (at < stored.length || stored.length !== rebuilt.bytes.length) {
          const measured = await paramsParquetFacts(stored, rebuilt.nRows);
          problems.add(
            CHECK,
            PARAMS_PARQUET_KEY,
            `Differs from the params.parquet this code writes from the stored theta, metadata ` +
              `and splits.json, from byte ${at} on (${measured.size_bytes} bytes, SHA-256 ` +
              `${measured.sha256}; expected ${expected.size_bytes} bytes, SHA-256 ${expected.sha256})`,
          );
        }
      }
      return withParamsParquet(check.root, expected);
    } catch (e) {
      problems.add(
        CHECK,
        PARAMS_PARQUET_KEY,
        `Cannot rebuild params.parquet from the stored data: ${(e as Error).message}`,
      );
    }
  }
  if (isFacts(recorded)) {
    if (stored !== undefined) {
      const measured = await paramsParquetFacts(stored, recorded.n_rows);
      if (measured.sha256 !== recorded.sha256 || measured.size_bytes !== recorded.size_bytes) {
        problems.add(
          CHECK,
          PARAMS_PARQUET_KEY,
          `The stored file (${measured.size_bytes} bytes, SHA-256 ${measured.sha256}) is not ` +
            `the one recorded in the root group's ${PARAMS_PARQUET_ATTRIBUTE} ` +
            `(${recorded.size_bytes} bytes, SHA-256 ${recorded.sha256})`,
        );
      }
    }
    // Which of file and digest is wrong is unknown without a rebuild: the mismatch is reported
    // at the file; the recorded path and row count are checked at the attribute.
    return withParamsParquet(check.root, {
      path: PARAMS_PARQUET_KEY,
      sha256: recorded.sha256,
      size_bytes: recorded.size_bytes,
      n_rows: check.nRows,
    });
  }
  if (stored === undefined) return check.root;
  // Nothing usable is recorded: expect the facts of the stored file (the attribute is reported).
  return withParamsParquet(check.root, await paramsParquetFacts(stored, check.nRows));
}
