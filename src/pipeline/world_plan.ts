/**
 * The per-world settings of a run and the Zarr layout they imply. The
 * coordinator and every worker build the layout from the same settings, so
 * they agree on every array, chunk and key.
 *
 * @module
 */

import { getWorld } from "../simulators/registry.ts";
import type { WorldId } from "../simulators/types.ts";
import { DEFAULT_STORED_DTYPE, type StoredDtype } from "../numeric/quantize.ts";
import { type WorldLayout, worldLayout, type WorldLayoutOptions } from "../dataset/world_layout.ts";

/** Everything that determines the bytes written for one world. */
export interface WorldSettings {
  /** The world. */
  world: WorldId;
  /** Global seed; sample i uses `seed + i`. */
  seed: number;
  /** Samples. */
  nSamples: number;
  /** Trajectory length. */
  T: number;
  /** IRF horizon. */
  H: number;
  /** Samples per chunk (resolved, never undefined). */
  chunkSamples: number;
  /** Zarr format. */
  zarrFormat: 2 | 3;
  /** Data type of the stored arrays (default float32; `--dtype`). */
  dtype?: StoredDtype;
}

/**
 * The Zarr layout of one world under the given settings.
 *
 * @param s The settings.
 * @returns The layout (arrays, groups, attributes).
 *
 * @example The nk layout
 * ```ts
 * import { layoutForWorld } from "./world_plan.ts";
 * import assert from "node:assert/strict";
 * const l = layoutForWorld({ world: "nk", seed: 1, nSamples: 10, T: 20, H: 4, chunkSamples: 4, zarrFormat: 3 });
 * assert.deepEqual(l.arrays.irfs.shape, [10, 3, 5, 3]);
 * ```
 */
export function layoutForWorld(s: WorldSettings): WorldLayout {
  return worldLayout(s.world, worldLayoutOptions(s));
}

/**
 * The layout options of a world under the given settings: sizes, metadata
 * fields, chunking, labels and attributes, exactly as `generate` writes
 * them. A `DatasetWriter` created with these options writes the same bytes.
 *
 * @param s The settings.
 * @returns The options of `worldLayout` (and of `DatasetWriter.create`).
 *
 * @example
 * ```ts
 * import { worldLayoutOptions } from "./world_plan.ts";
 * import assert from "node:assert/strict";
 * const o = worldLayoutOptions({ world: "rbc", seed: 1, nSamples: 10, T: 20, H: 4, chunkSamples: 4, zarrFormat: 2 });
 * assert.equal(o.nParams, 9);
 * assert.equal(o.attributes?.global_seed, 1);
 * ```
 */
export function worldLayoutOptions(s: WorldSettings): WorldLayoutOptions & { nSamples: number } {
  const w = getWorld(s.world);
  return {
    nSamples: s.nSamples,
    T: s.T,
    H: s.H,
    nShocks: w.shocks.names.length,
    nParams: w.params.names.length,
    metadataFields: w.metadataFields(s.T, s.H),
    chunkSamples: s.chunkSamples,
    zarrFormat: s.zarrFormat,
    dtype: s.dtype ?? DEFAULT_STORED_DTYPE,
    labels: {
      observables: w.observables.canonical,
      shocks: w.shocks.names,
      params: w.params.names,
    },
    attributes: {
      world_version: w.version,
      description: w.description,
      observable_units: [...w.observables.units],
      param_units: [...w.params.units],
      irf_shock_size: w.shocks.irfShockSize,
      global_seed: s.seed,
      seed_derivation: "global_seed + sample_index",
    },
  };
}

/**
 * Resolve the chunk size of a world: the given one (at most the number of
 * samples), or about 1 MiB chunks of its largest per-sample array.
 *
 * @param s The settings without `chunkSamples`.
 * @param chunkSamples The requested chunk size, if any.
 * @returns The settings with `chunkSamples` resolved.
 *
 * @example Default chunking
 * ```ts
 * import { resolveWorldSettings } from "./world_plan.ts";
 * import assert from "node:assert/strict";
 * const s = resolveWorldSettings({ world: "nk", seed: 1, nSamples: 100000, T: 200, H: 40, zarrFormat: 3 });
 * assert.equal(s.chunkSamples, 436);
 * ```
 */
export function resolveWorldSettings(
  s: Omit<WorldSettings, "chunkSamples">,
  chunkSamples?: number,
): WorldSettings {
  // A chunk never holds more samples than the world has: no buffers for samples that do not exist.
  if (chunkSamples !== undefined) return { ...s, chunkSamples: Math.min(chunkSamples, s.nSamples) };
  const { chunkSamples: _, ...automatic } = worldLayoutOptions({ ...s, chunkSamples: 0 });
  return { ...s, chunkSamples: worldLayout(s.world, automatic).chunkSamples };
}
