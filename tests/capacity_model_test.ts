/**
 * The capacity model (`bench/capacity_model.ts`) on a tiny synthetic
 * dataset whose every count and byte is worked out by hand here.
 */

import assert from "node:assert/strict";
import {
  type DatasetFigures,
  digitSum,
  finalizeSeconds,
  indexListBytes,
  planCapacity,
  planRequests,
  shardWallSeconds,
  validateSeconds,
} from "../bench/capacity_model.ts";

Deno.test("digitSum and indexListBytes count the characters of the index lists", () => {
  for (const n of [0, 1, 9, 10, 11, 99, 100, 101, 12_345]) {
    const indices = Array.from({ length: n }, (_, i) => i);
    assert.equal(digitSum(n), indices.join("").length, `digitSum(${n})`);
    // Split into three compact JSON lists: "[" + joined + "]" each; n - 3 commas + 6 brackets.
    if (n >= 3) {
      const lists = [indices.slice(0, 1), indices.slice(1, n - 1), indices.slice(n - 1)];
      const json = lists.map((l) => JSON.stringify(l)).join("");
      assert.equal(indexListBytes(n), json.length - 6 + 3, `indexListBytes(${n})`);
    }
  }
});

/** Two worlds: "a" with a main array and a scalar read by finalize, "b" with one main array. */
const FIGURES: DatasetFigures = {
  worlds: [
    {
      world: "a",
      arrays: [
        {
          path: "a/x.zarr",
          storedBytesPerSample: 100,
          rawBytesPerSample: 120,
          readByFinalize: false,
        },
        {
          path: "a/theta.zarr",
          storedBytesPerSample: 10,
          rawBytesPerSample: 16,
          readByFinalize: true,
        },
      ],
      ledgerRecordBytes: 500,
    },
    {
      world: "b",
      arrays: [
        {
          path: "b/x.zarr",
          storedBytesPerSample: 50,
          rawBytesPerSample: 60,
          readByFinalize: false,
        },
      ],
      ledgerRecordBytes: 300,
    },
  ],
  documents: { count: 20, bytes: 4_000 },
  fixedCoordinates: { count: 6, bytes: 600 },
  sampleCoordinates: { count: 2, bytesPerSample: 4 },
  splitsJsonOverheadBytes: 40,
  paramsParquetBytesPerRow: 140,
  manifestFixedBytes: 10_000,
  manifestBytesPerChunkEntry: 80,
  manifestBytesPerIndex: 10,
  coreSecondsPerSample: 0.001,
  efficiency: 0.5,
  paramsSecondsPerRow: 0.0001,
};

const RUN = [
  { world: "a", nSamples: 1000, chunkSamples: 300 }, // 4 chunks (the last one partial)
  { world: "b", nSamples: 500, chunkSamples: 500 }, // 1 chunk
];

Deno.test("planCapacity: bytes, objects and ledger of a synthetic run", () => {
  const plan = planCapacity(FIGURES, RUN, 1_000);
  assert.equal(plan.samples, 1500);
  assert.equal(plan.storedBytes, 1000 * 110 + 500 * 50);
  assert.equal(plan.rawBytes, 1000 * 136 + 500 * 60);
  assert.equal(plan.chunkTasks, 4 + 1);
  assert.deepEqual(plan.objects, {
    chunks: 4 * 2 + 1 * 1,
    coordinates: 6 + 2,
    documents: 20,
    splitsJson: 2,
    paramsParquet: 1,
    manifest: 1,
    dataset: 9 + 8 + 20 + 2 + 1 + 1,
    ledger: 5,
  });
  assert.equal(plan.ledgerBytes, 4 * 500 + 1 * 300);
  // Indices 0..999: 10 + 180 + 2700 digits and 1000 separators; 0..499: 10 + 180 + 1200 and 500.
  assert.equal(plan.splitsJsonBytes, (2890 + 1000 + 40) + (1390 + 500 + 40));
  assert.equal(plan.paramsParquetBytes, 1500 * 140);
  // Digest entries: a has 2 arrays x 4 chunks (keys 0..3: 4 digits each), b 1 x 1 (1 digit);
  // both worlds are within the limit: 10 bytes per index plus its digits.
  const manifest = 10_000 + 2 * (4 * 80 + 4) + (1 * 80 + 1) + (1000 * 10 + 2890) +
    (500 * 10 + 1390);
  assert.equal(plan.manifestBytes, manifest);
  assert.equal(plan.manifestEmbedsIndices, true);
  // Finalize reads a's theta chunks (4 of them) and the ledger.
  // theta and scalars are read twice (split statistics, then params.parquet).
  assert.equal(plan.finalizeReadChunks, 2 * 4);
  assert.equal(plan.finalizeReadBytes, 2 * 1000 * 10 + 2300);
  assert.equal(
    plan.datasetBytes,
    plan.storedBytes + (600 + 4 * 1500) + 4_000 + plan.splitsJsonBytes + 1500 * 140 + manifest,
  );
});

Deno.test("planCapacity: a world above the limit leaves its indices out of the manifest", () => {
  const within = planCapacity(FIGURES, RUN, 1_000);
  const above = planCapacity(FIGURES, RUN, 999);
  assert.equal(above.manifestEmbedsIndices, false);
  assert.equal(within.manifestBytes - above.manifestBytes, 1000 * 10 + 2890);
  assert.throws(() => planCapacity(FIGURES, [{ world: "c", nSamples: 1, chunkSamples: 1 }], 1));
});

Deno.test("planRequests: PUTs by the shards, LISTs and GETs by finalize and validate", () => {
  const plan = planCapacity(FIGURES, RUN, 1_000);
  const r = planRequests(plan, 3);
  assert.deepEqual(r, {
    shardPuts: 9 + 5 + 3 * (20 + 8 + 1), // chunks, ledger; each shard its documents, coordinates, run record
    finalizeLists: 1, // 9 + 8 + 20 + 5 + 1 = 43 keys: one page
    finalizeGets: 1 + 5 + 2 * 4, // run record, ledger, theta and scalars twice
    finalizePuts: 2 + 1 + 1 + 1, // splits.json per world, params.parquet, manifest, root zarr.json
    finalizeDeletes: 5 + 1,
    validateGets: 41,
    validateLists: 1,
  });
  const big = planRequests({ ...plan, objects: { ...plan.objects, chunks: 2_000 } }, 1);
  assert.equal(big.finalizeLists, Math.ceil((2_000 + 8 + 20 + 5 + 1) / 1000));
});

Deno.test("wall times: shards, finalize and validate from their assumptions", () => {
  // 1500 samples x 1 ms of CPU on 2 machines x 3 cores at 50%: 1.5 / 3 = 0.5 s.
  assert.equal(shardWallSeconds(FIGURES, 1500, 2, 3), 0.5);
  assert.equal(shardWallSeconds(FIGURES, 1500, 4, 3), 0.25);
  const plan = planCapacity(FIGURES, RUN, 1_000);
  const store = {
    latencySeconds: 0.02,
    inFlight: 4,
    bytesPerSecond: 1e6,
    validateObjectsPerSecond: 10,
  };
  const r = planRequests(plan, 3);
  const expected = 1 * 0.02 + (14 + 6) * 0.02 / 4 + (22_300 + 210_000) / 1e6 + 2 * 1500 * 0.0001;
  assert.ok(Math.abs(finalizeSeconds(plan, r, FIGURES, store) - expected) < 1e-12);
  // 41 objects at 10/s against the bytes at 1 MB/s: the slower counts.
  assert.equal(validateSeconds(plan, store), Math.max(4.1, plan.datasetBytes / 1e6));
});
