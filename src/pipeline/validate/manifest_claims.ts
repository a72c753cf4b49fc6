/**
 * The stored `manifest.json` against the manifest this code would write
 * (`assembleManifest`) for the recorded configuration and the facts
 * measured from the stored data: every differing leaf, located by its JSON
 * pointer. Only the provenance fields are left out.
 *
 * @module
 */

import { MANIFEST_KEY } from "../../manifest/manifest_io.ts";
import { splitInfoFromManifest } from "../../manifest/mapping.ts";
import type { Manifest } from "../../manifest/types.ts";
import type { SplitInfo } from "../../splits.ts";
import type { WorldLayout } from "../../dataset/world_layout.ts";
import { type ArrayFacts, layoutEntries } from "../manifest_assembly.ts";
import { describeDifference, jsonDifferences } from "./json_diff.ts";
import type { DocumentProblem } from "./zarr_documents.ts";

/**
 * Fields that record when and from which commit a dataset was written, not
 * what it holds: their format is checked by the schema, their values by
 * nothing.
 */
export const PROVENANCE_POINTERS: readonly string[] = ["/created_at", "/git_hash"];

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Obj : {};
}

/** What a manifest claims about a world's stored data. */
export interface ClaimedFacts {
  /** Per array path: the recorded chunk digests and stored size. */
  arrays: Map<string, ArrayFacts>;
  /** The recorded rejection total (0 if absent). */
  rejections: number;
  /** The recorded realized splits, if they can be read. */
  splits?: SplitInfo;
  /** The recorded sample indices per split (`splits.<world_id>`), if the manifest holds them. */
  splitIndices?: Record<string, number[]>;
}

/**
 * What a manifest claims about a world's stored data, read defensively
 * (the manifest may be invalid).
 *
 * @param manifest The parsed manifest.
 * @param layout The world's layout (which arrays to look up).
 * @returns The claims.
 *
 * @example
 * ```ts
 * import { claimedFacts } from "./manifest_claims.ts";
 * import { layoutForWorld } from "../world_plan.ts";
 * import type { Manifest } from "../../manifest/types.ts";
 * import assert from "node:assert/strict";
 * const layout = layoutForWorld({ world: "nk", seed: 1, nSamples: 4, T: 3, H: 1, chunkSamples: 4, zarrFormat: 3 });
 * const m = { simulators: { nk: { arrays: { theta: { chunk_sha256: { "c/0/0": "ab" }, stored_bytes: 9 } } } } } as unknown as Manifest;
 * const c = claimedFacts(m, layout);
 * assert.deepEqual(c.arrays.get("nk/theta.zarr"), { chunkSha256: { "c/0/0": "ab" }, storedBytes: 9 });
 * assert.equal(c.rejections, 0);
 * ```
 */
export function claimedFacts(manifest: Manifest, layout: WorldLayout): ClaimedFacts {
  const w = obj(obj(manifest.simulators)[layout.worldId]);
  const arrays = new Map<string, ArrayFacts>();
  for (const { spec, section, name } of layoutEntries(layout)) {
    const entry = obj(obj(w[section])[name]);
    const chunkSha256: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(entry.chunk_sha256))) {
      if (typeof v === "string") chunkSha256[k] = v;
    }
    const storedBytes = typeof entry.stored_bytes === "number" ? entry.stored_bytes : 0;
    arrays.set(spec.path, { chunkSha256, storedBytes });
  }
  const total = obj(w.rejections).total;
  let splits: SplitInfo | undefined;
  try {
    splits = splitInfoFromManifest(manifest, layout.worldId);
  } catch {
    splits = undefined;
  }
  const lists = obj(obj(manifest.splits)[layout.worldId]);
  const splitIndices: Record<string, number[]> = {};
  for (const [name, v] of Object.entries(lists)) {
    if (Array.isArray(v)) splitIndices[name] = v as number[];
  }
  return {
    arrays,
    rejections: typeof total === "number" ? total : 0,
    splits,
    splitIndices: Object.keys(splitIndices).length > 0 ? splitIndices : undefined,
  };
}

/**
 * Compare the stored manifest with the expected one, leaf by leaf.
 *
 * @param stored The parsed stored manifest.
 * @param expected The manifest this code would write.
 * @param skip Pointers left out besides {@link PROVENANCE_POINTERS} (e.g. worlds not checked).
 * @returns Every differing leaf, at `manifest.json#<pointer>`.
 *
 * @example An edited unit
 * ```ts
 * import { manifestProblems } from "./manifest_claims.ts";
 * import type { Manifest } from "../../manifest/types.ts";
 * import assert from "node:assert/strict";
 * const expected = { T: 6, git_hash: "a" } as unknown as Manifest;
 * const [p, ...rest] = manifestProblems({ T: 7, git_hash: "b" }, expected);
 * assert.equal(p.location, "manifest.json#/T");
 * assert.equal(rest.length, 0);
 * ```
 */
export function manifestProblems(
  stored: unknown,
  expected: Manifest,
  skip: (pointer: string) => boolean = () => false,
): DocumentProblem[] {
  const leaveOut = (p: string): boolean => PROVENANCE_POINTERS.includes(p) || skip(p);
  return jsonDifferences(stored, expected, leaveOut).map((d) => ({
    location: `${MANIFEST_KEY}#${d.pointer}`,
    message: describeDifference(
      d,
      "Manifest says",
      "what this code writes for the recorded configuration and the stored data",
    ),
  }));
}
