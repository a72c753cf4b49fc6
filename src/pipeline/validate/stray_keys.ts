/**
 * Keys of a dataset that `datasetKeys` does not list: stray files at the
 * root, unknown folders, stray keys inside a world, a leftover run ledger.
 *
 * @module
 */

import { countOf } from "../../plural.ts";
import { LEDGER_PREFIX } from "../ledger.ts";
import type { DocumentProblem } from "./zarr_documents.ts";

/** Inputs of {@link strayKeyProblems}. */
export interface StrayKeyOptions {
  /** Every key the dataset may hold (see `datasetKeys`). */
  allowed: ReadonlySet<string>;
  /** Top-level folders that are worlds of this dataset. */
  worlds: ReadonlySet<string>;
  /** Worlds whose keys are not checked (not selected, or without a usable layout). */
  unchecked: ReadonlySet<string>;
  /** The dataset location, for the clean-up command. */
  url: string;
}

/**
 * Every key that is not part of the dataset. A leftover ledger is one
 * problem at `.ume/`, an unknown top-level folder one problem at
 * `<folder>/`; any other stray key is reported at its key.
 *
 * @param keys Every key of the store.
 * @param options Allowed keys, world folders, unchecked worlds, location.
 * @returns The problems.
 *
 * @example A stray file, an unknown folder and a leftover ledger
 * ```ts
 * import { strayKeyProblems } from "./stray_keys.ts";
 * import assert from "node:assert/strict";
 * const problems = strayKeyProblems(
 *   ["manifest.json", "notes.txt", "old/a", "old/b", ".ume/run.json", "nk/zarr.json", "nk/x"],
 *   { allowed: new Set(["manifest.json", "nk/zarr.json"]), worlds: new Set(["nk"]), unchecked: new Set(), url: "d" },
 * );
 * assert.deepEqual(problems.map((p) => p.location), [".ume/", "notes.txt", "old/", "nk/x"]);
 * assert.match(problems[0].message, /deno task finalize --output d/);
 * ```
 */
export function strayKeyProblems(
  keys: readonly string[],
  options: StrayKeyOptions,
): DocumentProblem[] {
  const ledger = keys.filter((k) => k.startsWith(LEDGER_PREFIX));
  const out: DocumentProblem[] = [];
  if (ledger.length > 0) {
    out.push({
      location: LEDGER_PREFIX,
      message:
        `A run ledger is still present (${
          countOf(ledger.length, "key")
        }): the run's clean-up did ` +
        `not finish; finish it with "deno task finalize --output ${options.url}" (or generate ` +
        `--resume with the run's options)`,
    });
  }
  const folders = new Map<string, { problem: DocumentProblem; keys: number }>();
  for (const key of keys) {
    if (key.startsWith(LEDGER_PREFIX) || options.allowed.has(key)) continue;
    const cut = key.indexOf("/");
    const top = cut < 0 ? undefined : key.slice(0, cut);
    if (top === undefined) {
      out.push({ location: key, message: "Unexpected file at the dataset root" });
    } else if (options.unchecked.has(top)) {
      continue;
    } else if (options.worlds.has(top)) {
      out.push({
        location: key,
        message: "Unexpected key: not a metadata document, chunk or splits.json of this world",
      });
    } else {
      const folder = folders.get(top) ?? { problem: { location: `${top}/`, message: "" }, keys: 0 };
      if (folder.keys++ === 0) {
        folders.set(top, folder);
        out.push(folder.problem);
      }
    }
  }
  for (const { problem, keys } of folders.values()) {
    problem.message = `Unknown folder: not a world of this dataset (${countOf(keys, "key")})`;
  }
  return out;
}
