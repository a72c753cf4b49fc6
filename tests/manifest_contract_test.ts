/**
 * The spec's dataset contract (issue #11, items 1 and 6): `manifest.json` is
 * a valid instance of the spec's manifest schema, shape for shape; the five
 * split names round-trip; the zlb IRF direction is a sign, not a negative
 * size; and a manifest in the layout before 0.2.0 is explained in one line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv07 } from "./_deps.ts";
import { runTask } from "./_dataset_files.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { validateDataset } from "../src/pipeline/validate.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { readManifest, serializeManifest } from "../src/manifest/manifest_io.ts";
import { ManifestLayoutError, oldLayoutMessage } from "../src/manifest/layout.ts";
import { validateManifest } from "../src/manifest/validate_manifest.ts";
import {
  datasetFacts,
  shockManifestFromJson,
  splitInfoFromManifest,
} from "../src/manifest/mapping.ts";
import {
  type Manifest,
  MANIFEST_SPLIT_INDEX_LIMIT,
  splitDefinitions,
  worldSplitIndices,
} from "../src/manifest/types.ts";
import { assembleManifest } from "../src/pipeline/manifest_assembly.ts";
import { buildReport } from "../src/report/report.ts";
import { parseSplitsJson, splitsToJson } from "../src/splits.ts";
import { loadDataset } from "../src/dataset/reader.ts";
import { WORLD_IDS } from "../src/simulators/types.ts";
import { zlbWorld } from "../src/simulators/zlb.ts";

const SPLIT_NAMES = [
  "train",
  "val",
  "test_interpolation",
  "test_extrapolation_slice",
  "test_extrapolation_corner",
];

/**
 * The spec's manifest schema (section 4.2), written here from its rules as
 * an independent, minimal JSON Schema (draft-07): the top level closed,
 * the spec's required fields, patterns and ranges; the objects it leaves
 * open accept extra keys.
 */
const SPEC_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  additionalProperties: false,
  required: ["version", "created_at", "git_hash", "simulators", "splits", "rng_seeds"],
  properties: {
    version: { type: "string", pattern: "^\\d+\\.\\d+\\.\\d+$" },
    created_at: { type: "string", format: "date-time" },
    git_hash: { type: "string", pattern: "^([0-9a-f]{7,40}|unknown)$" },
    simulators: {
      type: "object",
      minProperties: 1,
      patternProperties: {
        "^[a-z_]+$": {
          type: "object",
          required: [
            "n_samples",
            "param_manifest",
            "shock_manifest",
            "obs_manifest",
            "config_hash",
          ],
          properties: {
            n_samples: { type: "integer", minimum: 0 },
            param_manifest: {
              type: "object",
              required: ["names", "units", "bounds", "defaults"],
              properties: {
                names: { type: "array", items: { type: "string" } },
                units: { type: "array", items: { type: "string" } },
                bounds: {
                  type: "array",
                  items: { type: "array", minItems: 2, maxItems: 2, items: { type: "number" } },
                },
                defaults: { type: "array", items: { type: "number" } },
                priors: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: { type: { type: "string" }, params: { type: "object" } },
                  },
                },
              },
            },
            shock_manifest: {
              type: "object",
              required: ["names", "n_shocks", "sigma"],
              properties: {
                names: { type: "array", items: { type: "string" } },
                n_shocks: { type: "integer", minimum: 1 },
                sigma: { type: "array", items: { type: "number", minimum: 0 } },
                default_size: { type: "number", minimum: 0 },
              },
            },
            obs_manifest: {
              type: "object",
              required: ["canonical_names", "extra_names", "n_canonical", "n_extra"],
              properties: {
                canonical_names: {
                  type: "array",
                  minItems: 3,
                  maxItems: 3,
                  items: { type: "string" },
                },
                extra_names: { type: "array", maxItems: 10, items: { type: "string" } },
                n_canonical: { type: "integer", const: 3 },
                n_extra: { type: "integer", minimum: 0, maximum: 10 },
              },
            },
            config_hash: { type: "string", pattern: "^[0-9a-f]{8,64}$" },
          },
        },
      },
    },
    splits: {
      type: "object",
      required: ["train", "val", "test_interpolation"],
      properties: Object.fromEntries(SPLIT_NAMES.map((name, i) => [name, {
        type: "object",
        ...(i < 3 ? { required: ["fraction", "seed"] } : {}),
        properties: {
          fraction: { type: "number", minimum: 0, maximum: 1 },
          seed: { type: "integer" },
          algorithm: { type: "string" },
        },
      }])),
    },
    rng_seeds: {
      type: "object",
      required: ["global", "per_sample"],
      properties: {
        global: { type: "integer" },
        per_sample: { type: "boolean" },
        derivation_algorithm: { type: "string" },
      },
    },
    T: { type: "integer", minimum: 1 },
    H: { type: "integer", minimum: 1 },
    notes: { type: "string" },
  },
};

const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

type SpecValidator = ((data: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string; params: unknown }[] | null;
};

function specValidator(): SpecValidator {
  const ajv = new Ajv07({ allErrors: true, strict: true });
  ajv.addFormat("date-time", (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)));
  return ajv.compile(SPEC_SCHEMA) as unknown as SpecValidator;
}

function specErrors(doc: unknown): string[] {
  const validate = specValidator();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) =>
    `${e.instancePath || "/"}: ${e.message} ${JSON.stringify(e.params)}`
  );
}

/** One tiny dataset of all six worlds, generated once. */
let generated: Promise<{ store: MemoryStore; manifest: Manifest }> | undefined;
function allWorlds(): Promise<{ store: MemoryStore; manifest: Manifest }> {
  generated ??= (async () => {
    const store = new MemoryStore();
    const config = resolveConfig([{ worlds: WORLD_IDS.join(","), n_samples: 40, T: 8, H: 3 }], 1);
    await generateDataset(config, { store });
    const manifest = await readManifest(store);
    assert.ok(manifest !== undefined);
    return { store, manifest };
  })();
  return generated;
}

Deno.test("the manifest of every world is a valid instance of the spec's schema and of ours", async () => {
  const { manifest } = await allWorlds();
  assert.deepEqual(specErrors(manifest), []);
  assert.deepEqual(validateManifest(manifest), []);
  assert.deepEqual(Object.keys(manifest.simulators).sort(), [...WORLD_IDS].sort());
  // The spec's schema is not vacuous: what the old layout had is refused.
  const corrupt = (f: (m: Record<string, unknown>) => void): string[] => {
    const m = structuredClone(manifest) as unknown as Record<string, unknown>;
    f(m);
    return specErrors(m);
  };
  assert.ok(corrupt((m) => m.generator = datasetFacts(manifest).generator).length > 0);
  assert.ok(corrupt((m) => m.splits = Object.values(manifest.splits)).length > 0);
  assert.ok(corrupt((m) => delete m.rng_seeds).length > 0);
  assert.ok(
    corrupt((m) => {
      const zlb = (m.simulators as Manifest["simulators"]).zlb;
      (zlb.shock_manifest as unknown as Record<string, unknown>).default_size = -1;
    }).length > 0,
  );
  assert.ok(corrupt((m) => m.git_hash = "a".repeat(64)).length > 0);
  assert.ok(corrupt((m) => m.created_at = "2025-13-01T00:00:00Z").length > 0);
});

Deno.test("the dataset-wide facts are in every world and come back from datasetFacts()", async () => {
  const { manifest } = await allWorlds();
  const facts = datasetFacts(manifest);
  assert.equal(facts.generator.name, "ume-data");
  assert.equal(facts.generator.version, "0.2.0");
  assert.deepEqual(facts.storage.codec, {
    id: "blosc",
    cname: "zstd",
    clevel: 3,
    shuffle: "byte",
    typesize: 4,
  });
  assert.equal(facts.storage.dtype, "float32");
  assert.equal(facts.storage.zarr_format, 3);
  for (const w of Object.values(manifest.simulators)) {
    assert.deepEqual(w.generator, facts.generator);
    assert.deepEqual(w.storage, facts.storage);
  }
  assert.equal(manifest.rng_seeds.global, 42);
  assert.equal(manifest.rng_seeds.derivation_algorithm, "global_seed + sample_index");
  assert.equal(manifest.rng_seeds.streams.algorithm, "xoshiro128**");
});

Deno.test("all five split names round-trip: splits.json, manifest, the reader, validate", async () => {
  const { store, manifest } = await allWorlds();
  // Definitions by split name, then every world's indices (what load_dataset_split reads).
  assert.deepEqual(splitDefinitions(manifest).map(([name]) => name), SPLIT_NAMES);
  assert.deepEqual(Object.keys(manifest.splits), [...SPLIT_NAMES, ...WORLD_IDS]);
  const decoder = new TextDecoder();
  for (const id of WORLD_IDS) {
    const world = manifest.simulators[id];
    assert.deepEqual(Object.keys(world.splits), SPLIT_NAMES, id);
    const stored = parseSplitsJson(decoder.decode(await store.get(`${id}/splits.json`)));
    assert.deepEqual(Object.keys(stored), SPLIT_NAMES, id);
    const lists = worldSplitIndices(manifest, id)!;
    assert.deepEqual(Object.keys(lists), SPLIT_NAMES, id);
    let total = 0;
    for (const name of SPLIT_NAMES) {
      assert.equal(world.splits[name].n, stored[name].length, `${id} ${name}`);
      assert.deepEqual(lists[name], Array.from(stored[name]), `${id} ${name}`);
      total += stored[name].length;
    }
    assert.equal(total, world.n_samples, id);
    // The manifest carries everything needed to rebuild the splits exactly.
    const info = splitInfoFromManifest(manifest, id);
    assert.deepEqual(Object.keys(info.sizes), SPLIT_NAMES);
    const theta = await loadDataset(store, id, { arrays: ["theta"], metadata: false });
    assert.equal(theta.nSamples, world.n_samples);
  }
  const report = await validateDataset(store, { resimulate: 0 });
  assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 5)));
  // A sample moved from one split to another is caught against the manifest's record.
  const copy = new MemoryStore();
  for (const key of await store.list("")) await copy.set(key, (await store.get(key))!);
  const stored = parseSplitsJson(decoder.decode(await copy.get("nk/splits.json")));
  const [moved, ...rest] = stored.test_interpolation;
  stored.test_interpolation = Uint32Array.from(rest);
  stored.val = Uint32Array.from([...stored.val, moved].sort((a, b) => a - b));
  await copy.set("nk/splits.json", new TextEncoder().encode(splitsToJson(stored)));
  const bad = await validateDataset(copy, { resimulate: 0, worlds: ["nk"] });
  assert.ok(bad.problems.some((p) => p.location.startsWith("nk/splits.json")), JSON.stringify(bad));
  // So is one moved in the manifest's index lists (splits.json intact).
  const copy2 = new MemoryStore();
  for (const key of await store.list("")) await copy2.set(key, (await store.get(key))!);
  const edited = structuredClone(manifest);
  const nk = worldSplitIndices(edited, "nk")!;
  nk.val = [...nk.val, nk.test_interpolation.shift()!].sort((a, b) => a - b);
  await copy2.set("manifest.json", serializeManifest(edited));
  const bad2 = await validateDataset(copy2, { resimulate: 0, worlds: ["nk"] });
  assert.ok(
    bad2.problems.some((p) => p.location.startsWith("manifest.json#/splits/nk/")),
    JSON.stringify(bad2.problems),
  );
});

Deno.test("worlds over the index limit keep their split indices in splits.json only", () => {
  const run = { version: "1.0.0", seed: 1, splitSeed: 1, T: 4, H: 1, zarrFormat: 3 as const };
  const at = (n: number) =>
    assembleManifest(run, [{
      settings: { world: "rbc", seed: 1, nSamples: n, T: 4, H: 1, chunkSamples: n, zarrFormat: 3 },
      arrays: new Map(),
      rejections: 0,
      splitIndices: { train: [0] },
    }], {}).build({ validate: false });
  assert.deepEqual(worldSplitIndices(at(MANIFEST_SPLIT_INDEX_LIMIT), "rbc"), { train: [0] });
  assert.equal(worldSplitIndices(at(MANIFEST_SPLIT_INDEX_LIMIT + 1), "rbc"), undefined);
});

Deno.test("zlb IRFs stay rates down: a sign field, never a negative default_size", async () => {
  const { manifest } = await allWorlds();
  for (const [id, w] of Object.entries(manifest.simulators)) {
    const s = w.shock_manifest;
    assert.ok(s.default_size > 0, id);
    assert.equal(s.n_shocks, s.names.length, id);
    assert.equal(s.sigma.length, s.names.length, id);
    assert.equal(s.irf_sign, id === "zlb" ? -1 : 1, id);
    assert.equal(w.config.irf_shock_size, s.irf_sign * s.default_size, id);
  }
  const zlb = manifest.simulators.zlb.shock_manifest;
  assert.equal(zlb.default_size, 1);
  assert.match(zlb.irf_convention, /^Rates down: .* -1 s\.d\./);
  assert.match(manifest.simulators.nk.shock_manifest.irf_convention, / 1 s\.d\. /);
  assert.equal(shockManifestFromJson(zlb).irfShockSize, zlbWorld.shocks.irfShockSize);
  // A negative size is refused by our schema too.
  const bad = structuredClone(manifest);
  bad.simulators.zlb.shock_manifest.default_size = -1;
  assert.ok(
    validateManifest(bad).some((v) => v.path === "/simulators/zlb/shock_manifest/default_size"),
  );
});

const OLD_FIXTURE = new URL("./fixtures/manifest_0.1.0.json", import.meta.url);

/** A store holding only the manifest written by ume-data 0.1.0 (at f81d7e2). */
async function oldStore(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.set("manifest.json", await Deno.readFile(OLD_FIXTURE));
  return store;
}

const MIGRATION_LINE =
  /^Cannot (validate|report on|read) memory:\/\/[^:]*: manifest\.json was written by ume-data 0\.1\.0 in the old layout; from 0\.2\.0 the manifest is the spec's .*: regenerate the dataset with this version, or keep reading it with ume-data 0\.1\.x$/;

Deno.test("a manifest in the old layout is one clear line in validate, report and readManifest", async () => {
  const old = JSON.parse(await Deno.readTextFile(OLD_FIXTURE));
  assert.equal(old.generator.version, "0.1.0");
  assert.ok(validateManifest(old).length > 10, "as a schema check it is a long list");
  for (
    const run of [
      async (s: MemoryStore) => await validateDataset(s),
      async (s: MemoryStore) => await buildReport(s),
      async (s: MemoryStore) => await readManifest(s),
      async (s: MemoryStore) => await readManifest(s, { validate: false }),
    ]
  ) {
    const e = await assert.rejects(run(await oldStore()), ManifestLayoutError) as unknown;
    void e;
  }
  try {
    await validateDataset(await oldStore());
  } catch (e) {
    assert.ok(e instanceof ManifestLayoutError);
    assert.equal(e.code, "USAGE");
    assert.equal(e.writtenBy, "0.1.0");
    assert.match(e.message, MIGRATION_LINE);
    assert.doesNotMatch(e.message, /\n/);
  }
  // Each mark of the old layout is recognized alone; the new layout is not flagged.
  const { manifest } = await allWorlds();
  assert.equal(oldLayoutMessage(manifest), undefined);
  for (const mark of ["generator", "storage", "rng"]) {
    assert.match(
      oldLayoutMessage({ ...manifest, [mark]: {} })!,
      /before 0\.2\.0 in the old layout/,
    );
  }
  assert.match(oldLayoutMessage({ ...manifest, splits: [] })!, /old layout/);
});

Deno.test("deno task validate on an old dataset prints one line and exits 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ume_old_" });
  try {
    await Deno.copyFile(OLD_FIXTURE, join(dir, "manifest.json"));
    for (const task of ["validate", "report"] as const) {
      const args = task === "report"
        ? ["--path", dir, "--out", `${dir}.report.html`] // beside the dataset, never inside
        : ["--path", dir, "--quiet"];
      const r = await runTask(task, args);
      assert.equal(r.code, 2, `${task}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `${task}: ${r.stderr}`);
      assert.match(
        lines[0],
        /^error: Cannot (validate|report on) .*: manifest\.json was written by ume-data 0\.1\.0 in the old layout; from 0\.2\.0 .*keep reading it with ume-data 0\.1\.x$/,
      );
      assert.equal(r.stdout, "");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
