/**
 * `validate`: check every claim of a dataset, read-only. The manifest this
 * code would write is rebuilt from the recorded configuration and the facts
 * measured from the stored data (`assembleManifest`, shared with
 * `generate`) and compared leaf by leaf; every Zarr metadata document is
 * compared with what this code writes for the layout; every key is
 * accounted for; every chunk is hashed and decoded; the splits are rebuilt;
 * a few samples per world are re-simulated.
 *
 * @module
 */

import type { StoreLocation } from "../store/location.ts";
import type { ByteStore } from "../store/byte_store.ts";
import { openLocation } from "./_open.ts";
import { getWorld, isWorldId } from "../simulators/registry.ts";
import type { WorldId } from "../simulators/types.ts";
import { MANIFEST_KEY } from "../manifest/manifest_io.ts";
import type { Manifest } from "../manifest/types.ts";
import { validateManifest } from "../manifest/validate_manifest.ts";
import { assertCurrentLayout } from "../manifest/layout.ts";
import { chunkCount } from "../zarr/chunk.ts";
import {
  layoutArrays,
  layoutCoordinateChunks,
  layoutMetadataDocuments,
  type WorldLayout,
} from "../dataset/world_layout.ts";
import { UsageError } from "./config.ts";
import { requireManifestBytes } from "./dataset_manifest.ts";
import { datasetKeys } from "../dataset/keys.ts";
import { assembleManifest, type WorldFacts } from "./manifest_assembly.ts";
import type { ProgressListener } from "./progress.ts";
import { layoutForWorld } from "./world_plan.ts";
import { checkChunks } from "./validate/chunks.ts";
import { checkParamsParquet } from "./validate/params_parquet.ts";
import { pointerToken } from "./validate/json_diff.ts";
import { claimedFacts, manifestProblems } from "./validate/manifest_claims.ts";
import { Problems, type ValidationProblem } from "./validate/problems.ts";
import {
  configIntact,
  type RecordedSettings,
  settingsFromConfig,
  settingsFromManifest,
} from "./validate/recorded_settings.ts";
import { pickSamples, type ResimulatedSamples, resimulateSamples } from "./validate/resimulate.ts";
import { checkWorldSplits } from "./validate/splits.ts";
import { strayKeyProblems } from "./validate/stray_keys.ts";
import { metadataProblems, readDocuments, type StoredDocument } from "./validate/zarr_documents.ts";
import { manifestFacts, rootAttributes, rootDocuments } from "../dataset/root_group.ts";

export type { ValidationProblem };

/** Samples re-simulated per world unless {@link ValidateOptions.resimulate} says otherwise. */
export const DEFAULT_RESIMULATE = 3;

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
  /**
   * Re-simulate this many random samples per world with the recorded seed
   * and compare their bytes (default {@link DEFAULT_RESIMULATE}; 0 skips).
   */
  resimulate?: number;
  /** Progress events. */
  onProgress?: ProgressListener;
  /**
   * Chunks read at once (default 16, the S3 store's requests in flight: reads
   * of a store far away are latency-bound).
   */
  concurrency?: number;
}

const decoder = new TextDecoder();

/** The settings chosen for a world, its layout, and its metadata documents: expected and stored. */
interface WorldChoice {
  recorded: RecordedSettings;
  layout: WorldLayout;
  expected: Record<string, Uint8Array>;
  documents: Map<string, StoredDocument>;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function worldPointer(world: string): string {
  return `/simulators/${pointerToken(world)}`;
}

/** The manifest's subtrees of one world: its section and its split indices. */
function worldPointers(world: string): string[] {
  return [worldPointer(world), `/splits/${pointerToken(world)}`];
}

/** Leave out every world subtree of the manifest but these. */
function otherWorlds(all: readonly string[], keep: readonly string[]): (p: string) => boolean {
  const skipped = all.filter((w) => !keep.includes(w)).flatMap(worldPointers);
  return (p) => skipped.includes(p);
}

/**
 * How many differences a reading of the recorded settings leaves between
 * the stored world (documents and manifest claims) and what this code
 * writes for it.
 */
function differencesUnder(
  manifest: Manifest,
  choice: WorldChoice,
  all: readonly string[],
): number {
  const { recorded, layout, documents } = choice;
  const docs = metadataProblems(documents, choice.expected).length;
  const claimed = claimedFacts(manifest, layout);
  const expected = assembleManifest(recorded.run, [{ settings: recorded.settings, ...claimed }], {})
    .build({ validate: false });
  const skip = otherWorlds(all, [layout.worldId]);
  return docs + manifestProblems(manifest, expected, skip).length;
}

/** The distinct readings of a world's recorded settings, with their layouts, and why others failed. */
function readings(
  manifest: Manifest,
  world: WorldId,
): { choices: Omit<WorldChoice, "documents">[]; errors: string[] } {
  const choices: Omit<WorldChoice, "documents">[] = [];
  const errors: string[] = [];
  for (const read of [settingsFromConfig, settingsFromManifest]) {
    try {
      const recorded = read(manifest, world);
      const key = JSON.stringify([recorded.run, recorded.settings]);
      if (choices.some((c) => JSON.stringify([c.recorded.run, c.recorded.settings]) === key)) {
        continue;
      }
      const layout = layoutForWorld(recorded.settings);
      choices.push({ recorded, layout, expected: layoutMetadataDocuments(layout) });
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { choices, errors };
}

/**
 * Read a world's recorded settings from its config and from the rest of
 * the manifest; when they disagree, keep the reading under which the
 * stored world differs least from what this code writes (so an edited
 * field is reported where it was edited, not as a cascade elsewhere); on a
 * tie, the config if its hash holds.
 */
async function chooseSettings(
  store: ByteStore,
  manifest: Manifest,
  world: WorldId,
  all: readonly string[],
  problems: Problems,
): Promise<WorldChoice | undefined> {
  const { choices, errors } = readings(manifest, world);
  problems.ran("world");
  if (choices.length === 0) {
    problems.add(
      "world",
      `${MANIFEST_KEY}#${worldPointer(world)}/config`,
      `Cannot derive the layout: ${errors.join("; ")}`,
      world,
    );
    return undefined;
  }
  const keys = new Set(choices.flatMap((c) => Object.keys(c.expected)));
  const documents = await readDocuments(store, keys);
  if (choices.length === 1) return { ...choices[0], documents };
  const preferred = configIntact(manifest, world) ? "config" : "manifest";
  const scored = choices.map((c) => {
    const choice = { ...c, documents };
    const rank = differencesUnder(manifest, choice, all) * 2 +
      (choice.recorded.source === preferred ? 0 : 1);
    return { choice, rank };
  });
  scored.sort((a, b) => a.rank - b.rank);
  return scored[0].choice;
}

/**
 * The root group: its attributes (the manifest's dataset-wide facts) and
 * its consolidated metadata over every world (also those not validated:
 * their documents are read, and their layouts derived from the manifest).
 */
async function checkRootDocuments(
  store: ByteStore,
  manifest: Manifest,
  all: readonly string[],
  choices: ReadonlyMap<WorldId, WorldChoice>,
  attributes: Readonly<Record<string, unknown>> | undefined,
  problems: Problems,
): Promise<void> {
  if (attributes === undefined) return; // no dataset-wide facts: reported by the manifest checks
  const layouts: WorldLayout[] = [];
  for (const w of all) {
    const layout = choices.get(w as WorldId)?.layout ??
      (isWorldId(w) ? readings(manifest, w).choices[0]?.layout : undefined);
    // A world whose layout cannot be derived is reported by its own checks.
    if (layout === undefined) return;
    layouts.push(layout);
  }
  const expected = rootDocuments(layouts, attributes);
  const keys = new Set(Object.keys(expected));
  for (const layout of layouts) {
    for (const key of Object.keys(layoutMetadataDocuments(layout))) keys.add(key);
  }
  const stored = await readDocuments(store, keys);
  problems.ran("zarr-metadata");
  for (const p of metadataProblems(stored, expected)) {
    problems.add("zarr-metadata", p.location, p.message);
  }
}

function resimulated(
  choice: WorldChoice,
  manifest: Manifest,
  k: number,
  problems: Problems,
): { samples: ResimulatedSamples; count: number } {
  const { settings } = choice.recorded;
  const world = settings.world;
  const none = { samples: new Map(), count: 0 };
  if (k <= 0 || manifest.simulators[world]?.version !== getWorld(world).version) return none;
  const indices = pickSamples(settings, k);
  try {
    const samples = resimulateSamples(choice.layout, settings, indices);
    problems.ran("resimulate", indices.length);
    return { samples, count: indices.length };
  } catch (e) {
    problems.add("resimulate", `${world}/`, `Cannot re-simulate: ${(e as Error).message}`, world);
    return none;
  }
}

/** Progress and totals of the chunk checks. */
interface Counters {
  chunks: number;
  bytes: number;
  resimulated: number;
  done: number;
  total: number;
}

async function checkWorld(
  store: ByteStore,
  manifest: Manifest,
  choice: WorldChoice,
  present: ReadonlySet<string>,
  problems: Problems,
  options: ValidateOptions & { t0: number; counters: Counters },
): Promise<WorldFacts> {
  const { layout, recorded } = choice;
  const world = layout.worldId;
  problems.ran("zarr-metadata");
  for (const p of metadataProblems(choice.documents, choice.expected)) {
    problems.add("zarr-metadata", p.location, p.message, world);
  }
  for (const [key, bytes] of Object.entries(layoutCoordinateChunks(layout))) {
    const stored = await store.get(key);
    if (stored === undefined || !sameBytes(stored, bytes)) {
      problems.add(
        "zarr-metadata",
        key,
        stored === undefined
          ? "Coordinate chunk is missing"
          : "Coordinate chunk differs from what this code writes for the recorded configuration",
        world,
      );
    }
  }
  const claimed = claimedFacts(manifest, layout);
  const resim = resimulated(choice, manifest, options.resimulate ?? DEFAULT_RESIMULATE, problems);
  const counters = options.counters;
  counters.resimulated += resim.count;
  const measured = await checkChunks(store, layout, problems, {
    present,
    claimed: claimed.arrays,
    resimulated: resim.samples,
    seed: recorded.settings.seed,
    concurrency: options.concurrency ?? 16,
    onChunk: () => {
      options.onProgress?.({
        phase: "validate",
        done: ++counters.done,
        total: counters.total,
        unit: "chunks",
        elapsedMs: performance.now() - options.t0,
        note: world,
      });
    },
  });
  counters.chunks += measured.chunks;
  counters.bytes += measured.bytes;
  const splits = await checkWorldSplits(
    store,
    layout,
    recorded.run.splitSeed,
    measured.statsReadable,
    problems,
  );
  return {
    settings: recorded.settings,
    arrays: measured.facts,
    rejections: measured.rejections ?? claimed.rejections,
    splits: splits?.info ?? claimed.splits,
    splitIndices: splits?.indices ?? claimed.splitIndices,
  };
}

/**
 * Validate a dataset: every claim it makes, read-only.
 *
 * - `manifest.json`: its JSON Schema and cross-field rules, then every leaf
 *   against the manifest this code would write for the recorded
 *   configuration and the facts measured from the stored data (chunk
 *   digests and sizes, rejections, realized splits); only `created_at` and
 *   `git_hash` (provenance) are exempt. When a world's `config` and the rest
 *   of the manifest disagree, the reading that explains the stored data
 *   best is used, so the edited field is the one reported.
 * - Every Zarr metadata document (fields and attributes) against what this
 *   code writes for the layout.
 * - Every key: anything not part of the dataset is reported, including a
 *   leftover run ledger.
 * - `params.parquet`: rebuilt from the stored theta, scalar metadata and
 *   `splits.json` (when every world was checked and found intact) and
 *   compared byte for byte; otherwise checked against the SHA-256 and size
 *   recorded in the root group's `params_parquet` attribute.
 * - Every chunk present, matching its SHA-256, decodable, finite; theta
 *   within the prior bounds.
 * - `splits.json` identical to the splits rebuilt from the stored
 *   statistics with the recorded split seed.
 * - A few samples per world (`options.resimulate`) re-simulated with the
 *   recorded seed and compared byte for byte.
 *
 * Needs read access (network and `AWS_*` env access for S3).
 *
 * @param location The dataset (store, path or `s3://` URL).
 * @param options Worlds, re-simulation count, progress, concurrency.
 * @returns The report; `ok` is true only if every check passed.
 * @throws {UsageError} For an unknown world in `options.worlds`, an unreadable location, a
 *   location without `manifest.json` (the message says what it holds instead), or a manifest in
 *   the layout before 0.2.0 (`ManifestLayoutError`, one line: which version wrote it, what changed).
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
 * const report = await validateDataset(store);
 * assert.equal(report.ok, true, JSON.stringify(report.problems));
 * assert.equal(report.samplesResimulated, 3);
 * await store.set("notes.txt", new TextEncoder().encode("hi"));
 * assert.equal((await validateDataset(store)).problems[0].check, "stray-keys");
 * ```
 */
export async function validateDataset(
  location: StoreLocation,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const t0 = performance.now();
  const store = typeof location === "string" ? await openLocation(location) : location;
  const problems = new Problems();
  const counters: Counters = { chunks: 0, bytes: 0, resimulated: 0, done: 0, total: 0 };
  const report = (worlds: string[]): ValidationReport => ({
    path: store.url,
    ok: problems.list.length === 0,
    worlds,
    checks: problems.checks,
    problems: problems.list,
    chunksVerified: counters.chunks,
    bytesRead: counters.bytes,
    samplesResimulated: counters.resimulated,
    seconds: (performance.now() - t0) / 1000,
  });
  const raw = await requireManifestBytes(store, "validate");
  problems.ran("manifest");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(decoder.decode(raw)) as Manifest;
  } catch (e) {
    problems.add(
      "manifest",
      MANIFEST_KEY,
      `manifest.json is not valid JSON: ${(e as Error).message}`,
    );
    return report([]);
  }
  assertCurrentLayout(manifest, `Cannot validate ${store.url}: `);
  for (const v of validateManifest(manifest)) {
    problems.add("manifest", `${MANIFEST_KEY}#${v.path}`, v.message);
  }
  if (typeof manifest?.simulators !== "object" || manifest.simulators === null) return report([]);
  const all = Object.keys(manifest.simulators);
  for (const w of options.worlds ?? []) {
    if (!all.includes(w)) {
      throw new UsageError(`World "${w}" is not in this dataset: it has ${all.join(", ")}`);
    }
  }
  const worlds = options.worlds ?? all;
  const keys = await store.list("");
  // Links are reported, never followed: their keys are neither listed nor read.
  problems.ran("symlinks");
  for (const link of await store.links?.("") ?? []) {
    problems.add(
      "symlinks",
      link,
      "A symbolic link inside the dataset: validate does not read through it (the dataset must be real files and folders)",
    );
  }
  const choices = new Map<WorldId, WorldChoice>();
  for (const w of worlds) {
    if (!isWorldId(w)) {
      problems.add("world", `${MANIFEST_KEY}#${worldPointer(w)}`, `Unknown world "${w}"`);
      continue;
    }
    const choice = await chooseSettings(store, manifest, w, all, problems);
    if (choice !== undefined) choices.set(w, choice);
  }
  const layouts = [...choices.values()].map((c) => c.layout);
  if (layouts.length === 0) return report(worlds);
  problems.ran("stray-keys");
  const strays = strayKeyProblems(keys, {
    allowed: datasetKeys(layouts),
    worlds: new Set(all),
    unchecked: new Set(all.filter((w) => !choices.has(w as WorldId))),
    url: store.url,
  });
  for (const p of strays) problems.add("stray-keys", p.location, p.message);
  for (const layout of layouts) {
    for (const spec of layoutArrays(layout)) counters.total += chunkCount(spec);
  }
  const present = new Set(keys);
  const facts: WorldFacts[] = [];
  // params.parquet is rebuilt only from inputs found intact: every world checked, no problem.
  let inputsIntact = all.every((w) => choices.has(w as WorldId));
  for (const choice of choices.values()) {
    const before = problems.list.length;
    facts.push(
      await checkWorld(store, manifest, choice, present, problems, { ...options, t0, counters }),
    );
    if (problems.list.length > before) inputsIntact = false;
  }
  let rootAttrs: Record<string, unknown> | undefined;
  try {
    rootAttrs = rootAttributes(manifestFacts(manifest));
  } catch {
    rootAttrs = undefined; // a manifest without the dataset-wide facts: reported by its checks
  }
  const root = await checkParamsParquet(store, {
    worlds: all,
    rebuild: inputsIntact,
    root: { ...layouts[0].root, attributes: rootAttrs ?? {} },
    nRows: all.reduce((a, w) => a + (Number(manifest.simulators[w]?.n_samples) || 0), 0),
  }, problems);
  await checkRootDocuments(
    store,
    manifest,
    all,
    choices,
    rootAttrs === undefined ? undefined : root.attributes,
    problems,
  );
  problems.ran("manifest-claims");
  const run = choices.values().next().value!.recorded.run;
  const expected = assembleManifest(run, facts, {}).build({ validate: false });
  const skip = otherWorlds(all, [...choices.keys()]);
  for (const p of manifestProblems(manifest, expected, skip)) {
    const world = all.find((w) =>
      worldPointers(w).some((at) => p.location.startsWith(`${MANIFEST_KEY}#${at}/`))
    );
    problems.add("manifest-claims", p.location, p.message, world);
  }
  return report(worlds);
}
