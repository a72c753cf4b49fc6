/**
 * What `manifest.json` says about a run: the one function that assembles it
 * from the run's configuration and the facts of its stored data (chunk
 * digests and sizes, rejections, realized splits). `generate` and
 * `finalize` write its result; `validate` rebuilds it from the recorded
 * configuration and the facts it measures itself, and compares.
 *
 * @module
 */

import { ManifestGenerator } from "../manifest/manifest_generator.ts";
import type { ManifestArrayInput } from "../manifest/mapping.ts";
import { getWorld } from "../simulators/registry.ts";
import { DEFAULT_STORED_DTYPE, type StoredDtype } from "../numeric/quantize.ts";
import type { SplitInfo } from "../splits.ts";
import type { ArraySpec } from "../zarr/array_spec.ts";
import { chunkCount, sampleSize } from "../zarr/chunk.ts";
import { dataTypeInfo } from "../zarr/data_type.ts";
import type { WorldLayout } from "../dataset/world_layout.ts";
import { layoutForWorld, type WorldSettings } from "./world_plan.ts";

/** The run-level settings recorded in the manifest. */
export interface ManifestRun {
  /** Dataset version (semver), `--version`. */
  version: string;
  /** Global seed. */
  seed: number;
  /** Seed of the random splits. */
  splitSeed: number;
  /** Trajectory length. */
  T: number;
  /** IRF horizon. */
  H: number;
  /** Zarr format. */
  zarrFormat: 2 | 3;
  /** Data type of the stored arrays (default float32). */
  dtype?: StoredDtype;
}

/** What was stored for one array. */
export interface ArrayFacts {
  /** SHA-256 of every stored chunk, by chunk key relative to the array (`c/0/0`). */
  chunkSha256: Readonly<Record<string, string>>;
  /** Stored bytes of all its chunks. */
  storedBytes: number;
}

/** One world of a run: its settings and the facts of its stored data. */
export interface WorldFacts {
  /** The world's settings. */
  settings: WorldSettings;
  /** Facts per array, by array path (`nk/theta.zarr`); every array of the layout. */
  arrays: ReadonlyMap<string, ArrayFacts>;
  /** Rejected draws, summed over the samples. */
  rejections: number;
  /** The realized splits (`buildSplits(...).info`); none leaves `splits` empty. */
  splits?: SplitInfo;
  /** The sorted sample indices of every split (`buildSplits(...).indices`, or `splits.json`). */
  splitIndices?: Readonly<Record<string, ArrayLike<number>>>;
}

/** Provenance recorded in the manifest (not determined by the configuration). */
export interface ManifestProvenance {
  /** Commit of the generating code (default `"unknown"`). */
  gitHash?: string;
  /** Creation time (default now). */
  createdAt?: string;
}

/** Where an array of a layout appears in the manifest. */
export interface LayoutEntry {
  /** The array. */
  spec: ArraySpec;
  /** `arrays` for the four main arrays, `metadata_arrays` for the metadata fields. */
  section: "arrays" | "metadata_arrays";
  /** Its name in that section (`theta`, `n_rejections`). */
  name: string;
}

/**
 * Every array of a layout with its place in the manifest.
 *
 * @param layout The world layout.
 * @returns The entries, main arrays first.
 *
 * @example
 * ```ts
 * import { layoutEntries } from "./manifest_assembly.ts";
 * import { layoutForWorld } from "./world_plan.ts";
 * import assert from "node:assert/strict";
 * const layout = layoutForWorld({ world: "nk", seed: 1, nSamples: 4, T: 3, H: 1, chunkSamples: 2, zarrFormat: 3 });
 * const e = layoutEntries(layout);
 * assert.deepEqual([e[0].section, e[0].name], ["arrays", "trajectories"]);
 * assert.ok(e.some((x) => x.section === "metadata_arrays" && x.name === "n_rejections"));
 * ```
 */
export function layoutEntries(layout: WorldLayout): LayoutEntry[] {
  return [
    ...Object.entries(layout.arrays).map(([name, spec]) => ({
      spec,
      section: "arrays" as const,
      name,
    })),
    ...Object.entries(layout.metadata).map(([name, spec]) => ({
      spec,
      section: "metadata_arrays" as const,
      name,
    })),
  ];
}

/**
 * The configuration recorded for a world (`simulators.<world>.config`).
 *
 * @param settings The world's settings.
 * @param run The run.
 * @returns The config object (snake_case).
 *
 * @example
 * ```ts
 * import { worldConfig } from "./manifest_assembly.ts";
 * import assert from "node:assert/strict";
 * const run = { version: "1.0.0", seed: 7, splitSeed: 8, T: 10, H: 3, zarrFormat: 3 as const };
 * const c = worldConfig({ world: "zlb", seed: 7, nSamples: 20, T: 10, H: 3, chunkSamples: 5, zarrFormat: 3 }, run);
 * assert.equal(c.irf_shock_size, -1);
 * assert.equal(c.split_seed, 8);
 * assert.equal(c.dataset_version, "1.0.0");
 * ```
 */
export function worldConfig(settings: WorldSettings, run: ManifestRun): Record<string, unknown> {
  const world = getWorld(settings.world);
  return {
    world: settings.world,
    world_version: world.version,
    dataset_version: run.version,
    n_samples: settings.nSamples,
    global_seed: settings.seed,
    T: settings.T,
    H: settings.H,
    irf_shock_size: world.shocks.irfShockSize,
    chunk_samples: settings.chunkSamples,
    zarr_format: settings.zarrFormat,
    dtype: settings.dtype ?? DEFAULT_STORED_DTYPE,
    split_seed: run.splitSeed,
  };
}

function arrayInput(spec: ArraySpec, facts: ArrayFacts | undefined): ManifestArrayInput {
  return {
    path: spec.path,
    shape: spec.shape,
    chunks: spec.chunks,
    dtype: spec.dtype,
    dimensionNames: spec.dimensionNames,
    nChunks: chunkCount(spec),
    storedBytes: facts?.storedBytes ?? 0,
    rawBytes: spec.shape[0] * sampleSize(spec) * dataTypeInfo(spec.dtype).itemSize,
    chunkDigests: facts?.chunkSha256 ?? {},
  };
}

/**
 * The manifest of a run, ready to `build()` or `save()`: everything the code
 * determines (world descriptions, parameters, shocks, observables, rules,
 * storage, RNG, split definitions) plus the run's settings and the facts of
 * its stored data.
 *
 * @param run The run-level settings.
 * @param worlds Every world, in order.
 * @param provenance Git hash and creation time.
 * @returns The manifest generator, with every world and the standard splits added.
 *
 * @example A one-world manifest
 * ```ts
 * import { assembleManifest } from "./manifest_assembly.ts";
 * import assert from "node:assert/strict";
 * const run = { version: "1.0.0", seed: 42, splitSeed: 42, T: 4, H: 1, zarrFormat: 3 as const };
 * const settings = { world: "rbc" as const, seed: 42, nSamples: 3, T: 4, H: 1, chunkSamples: 3, zarrFormat: 3 as const };
 * const m = assembleManifest(run, [{ settings, arrays: new Map(), rejections: 0 }], {}).build({ validate: false });
 * assert.equal(m.simulators.rbc.config.global_seed, 42);
 * assert.deepEqual(m.simulators.rbc.arrays.theta.shape, [3, 9]);
 * assert.equal(m.splits.train.seed, 42);
 * assert.equal(m.simulators.rbc.storage.zarr_format, 3);
 * ```
 */
export function assembleManifest(
  run: ManifestRun,
  worlds: readonly WorldFacts[],
  provenance: ManifestProvenance,
): ManifestGenerator {
  const manifest = new ManifestGenerator({
    version: run.version,
    globalSeed: run.seed,
    T: run.T,
    H: run.H,
    zarrFormat: run.zarrFormat,
    dtype: run.dtype ?? DEFAULT_STORED_DTYPE,
    gitHash: provenance.gitHash,
    createdAt: provenance.createdAt,
  });
  for (const facts of worlds) {
    const s = facts.settings;
    const world = getWorld(s.world);
    const arrays: Record<string, ManifestArrayInput> = {};
    const metadataArrays: Record<string, ManifestArrayInput> = {};
    for (const { spec, section, name } of layoutEntries(layoutForWorld(s))) {
      const into = section === "arrays" ? arrays : metadataArrays;
      into[name] = arrayInput(spec, facts.arrays.get(spec.path));
    }
    manifest.addSimulator(s.world, {
      nSamples: s.nSamples,
      version: world.version,
      description: world.description,
      paramManifest: world.params,
      shockManifest: world.shocks,
      obsManifest: world.observables,
      config: worldConfig(s, run),
      arrays,
      metadataArrays,
      metadataFields: world.metadataFields(s.T, s.H),
      rejections: facts.rejections,
      sliceRule: world.sliceRule,
      cornerRule: world.cornerDescription,
      splits: facts.splits,
      splitIndices: facts.splitIndices,
    });
  }
  manifest.addStandardSplits(run.splitSeed);
  return manifest;
}
