/**
 * Our datasets serve the original Python project's consumers (issue 11): its
 * validator, its training `IRFDataset` and its evaluation loader
 * `load_dataset_split`. `tests/fixtures/consumers.py` makes the accesses they
 * make (see its docstring) and reports each one that would fail. It runs on a
 * format-2 dataset with Debian 12's zarr-python 2.13 and with zarr-python 3.0
 * (trixie), and on a format-3 dataset with zarr-python 3.0 and 3.4 (forky).
 * zarr-python 2.13 cannot index an array with an integer array, so the
 * loader's reads are made with zarr-python 3 only (the script reports that as
 * a limitation of the reader, not a problem of the dataset).
 *
 * The datasets have 200 samples per world, so that no split is empty (the
 * evaluation loader fails on an empty split: `np.array([])` is float64).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { generateSmallDataset, ROOT } from "./_dataset_files.ts";
import { BOOKWORM, copyTree, FORKY, type PythonReader, TRIXIE } from "./_python.ts";
import { skipUnless } from "./_requires.ts";

const SCRIPT = join(ROOT, "tests/fixtures/consumers.py");
const WORLDS = ["lss", "var", "nk", "rbc", "switching", "zlb"];

/** What consumers.py prints. */
interface Findings {
  zarr: string;
  worlds: string[];
  checks: number;
  problems: string[];
  limitations: string[];
}

/**
 * Run consumers.py with `reader` on a fresh dataset of `format`, after
 * `edit(dataset)` (a corruption, for the tests that must fail).
 */
async function consumers(
  reader: PythonReader,
  format: 2 | 3,
  edit?: (dataset: string) => Promise<void>,
): Promise<Findings> {
  const dir = await reader.tempDir("ume-consumers-");
  try {
    const host = await Deno.makeTempDir({ prefix: "ume-consumers-gen-" });
    try {
      await generateSmallDataset(join(host, "dataset"), format);
      await copyTree(join(host, "dataset"), join(dir, "dataset"));
    } finally {
      await Deno.remove(host, { recursive: true });
    }
    if (edit) await edit(join(dir, "dataset"));
    await Deno.copyFile(SCRIPT, join(dir, "consumers.py"));
    const r = await reader.run(["consumers.py", "dataset"], dir);
    assert.ok(r.stdout.trim() !== "", `consumers.py printed nothing:\n${r.stderr}`);
    const findings: Findings = JSON.parse(r.stdout);
    assert.equal(r.code, findings.problems.length > 0 ? 1 : 0, r.stderr);
    return findings;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const RUNS: { reader: PythonReader; format: 2 | 3; loader: boolean }[] = [
  { reader: BOOKWORM, format: 2, loader: false },
  { reader: TRIXIE, format: 2, loader: true },
  { reader: TRIXIE, format: 3, loader: true },
  { reader: FORKY, format: 3, loader: true },
];

for (const { reader, format, loader } of RUNS) {
  Deno.test({
    name: `the original project's consumers read a format-${format} dataset with ${reader.name}`,
    ignore: skipUnless(reader),
    async fn(): Promise<void> {
      assert.ok(reader.available, `${reader.what} is required: ${reader.install}`);
      const f = await consumers(reader, format);
      assert.deepEqual(f.problems, [], `zarr-python ${f.zarr}:\n${f.problems.join("\n")}`);
      assert.deepEqual(f.worlds, WORLDS);
      if (loader) {
        assert.deepEqual(f.limitations, []);
      } else {
        assert.deepEqual(
          f.limitations.map((l) => l.replace(/\(.*?\):.*/, "")),
          WORLDS.map(() => "load_dataset_split"),
        );
      }
      assert.ok(f.checks > 500, `only ${f.checks} checks`);
    },
  });
}

/** Read, change and write back a JSON file of a dataset. */
// deno-lint-ignore no-explicit-any -- a JSON document edited in place
async function editJson(path: string, change: (doc: Record<string, any>) => void): Promise<void> {
  const doc = JSON.parse(await Deno.readTextFile(path));
  change(doc);
  await Deno.writeTextFile(path, JSON.stringify(doc));
}

Deno.test({
  name:
    "consumers.py finds what the consumers would stumble on (missing split, bound, shape, overlap)",
  ignore: skipUnless(BOOKWORM),
  async fn(): Promise<void> {
    assert.ok(BOOKWORM.available, `${BOOKWORM.what} is required: ${BOOKWORM.install}`);
    const f = await consumers(BOOKWORM, 2, async (dataset) => {
      await editJson(join(dataset, "nk/splits.json"), (s) => {
        delete s.test_extrapolation_corner;
      });
      await editJson(join(dataset, "lss/splits.json"), (s) => {
        s.val.push(s.train[0]);
      });
      await editJson(join(dataset, "manifest.json"), (m) => {
        const bounds = m.simulators.rbc.param_manifest.bounds;
        bounds[0][1] = bounds[0][0]; // every sample above the upper bound
        m.simulators.zlb.shock_manifest.n_shocks += 1;
      });
    });
    const text = f.problems.join("\n");
    assert.match(text, /nk\/splits\.json: split 'test_extrapolation_corner' not found/);
    assert.match(text, /nk\/splits\.json: the splits do not cover samples 0\.\.199 exactly/);
    assert.match(text, /lss\/splits\.json: 'train' and 'val' share 1 samples/);
    assert.match(text, /rbc\/theta\.zarr: some parameters out of bounds/);
    assert.match(text, /zlb: n_shocks != len\(shock names\)/);
    assert.match(text, /zlb\/irfs\.zarr: shape \(200, 3, 9, 3\) != \(200, 4, 9, 3\)/);
  },
});
