/**
 * Every ```python snippet of README.md runs as written, with the readers its
 * first line names, against a dataset at the path it uses: the snippet runs in
 * a temporary folder where `deno task generate` (200 samples per world, so
 * that no split is empty) wrote every `datasets/<name>` the snippet mentions,
 * in the snippet's format.
 *
 * First lines (the README's convention; a snippet without one fails):
 * - `# Zarr format 2, zarr-python 2.13 ...`: Debian 12's python3 (this machine);
 * - `# Zarr format 3, zarr-python 3 ...`: the trixie chroot (zarr-python 3.0,
 *   xarray 2025.03) and the forky chroot (zarr-python 3.4);
 * - `# params.parquet, pandas + pyarrow ...`: the forky chroot (trixie packages
 *   no Parquet engine).
 *
 * Every warning a user would see is an error (Python's default filters hide
 * ResourceWarning, ImportWarning, PendingDeprecationWarning and
 * DeprecationWarning outside `__main__`), except the notice zarr-python 3.0
 * prints for a codec that is not yet in the v3 spec (`vlen-utf8`, for string
 * coordinates; zarr-python 3.4 no longer prints it).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { generateSmallDataset, ROOT } from "./_dataset_files.ts";
import { BOOKWORM, copyTree, FORKY, type PythonReader, TRIXIE } from "./_python.ts";
import { skipUnless } from "./_requires.ts";

/** A ```python block of the README. */
interface Snippet {
  /** Line number of its first code line (1-based). */
  line: number;
  /** The code, as written. */
  code: string;
}

/** The ```python blocks of a Markdown text. */
export function pythonSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  let open: Snippet | undefined;
  markdown.split("\n").forEach((text, i) => {
    if (open === undefined && /^```python\s*$/.test(text)) {
      open = { line: i + 2, code: "" };
    } else if (open !== undefined && /^```\s*$/.test(text)) {
      snippets.push(open);
      open = undefined;
    } else if (open !== undefined) {
      open.code += `${text}\n`;
    }
  });
  return snippets;
}

/** How a snippet's first line says which readers run it, and on which Zarr format. */
const KINDS: { marker: RegExp; format: 2 | 3; readers: PythonReader[] }[] = [
  { marker: /^# Zarr format 2, zarr-python 2\b/, format: 2, readers: [BOOKWORM] },
  { marker: /^# Zarr format 3, zarr-python 3\b/, format: 3, readers: [TRIXIE, FORKY] },
  { marker: /^# params\.parquet, pandas \+ pyarrow\b/, format: 3, readers: [FORKY] },
];

/**
 * `python3 -W` options: the warnings a user sees by default are errors, but
 * zarr-python 3.0's notice for a codec not yet in the v3 spec is accepted.
 */
const WARNINGS = [
  "error",
  "ignore::DeprecationWarning",
  "error::DeprecationWarning:__main__",
  "ignore::PendingDeprecationWarning",
  "ignore::ImportWarning",
  "ignore::ResourceWarning",
  "ignore:The codec `vlen-utf8` is currently not part in the Zarr format 3",
].flatMap((w) => ["-W", w]);

/** The dataset folders a snippet reads (`datasets/<name>`, relative to where it runs). */
export function datasetRoots(code: string): string[] {
  return [...new Set([...code.matchAll(/\bdatasets\/[A-Za-z0-9._-]+/g)].map((m) => m[0]))];
}

const SNIPPETS = pythonSnippets(await Deno.readTextFile(join(ROOT, "README.md")));

Deno.test("README: the Python snippets are found and each names its readers", () => {
  assert.ok(SNIPPETS.length >= 3, `only ${SNIPPETS.length} python snippets in README.md`);
  for (const s of SNIPPETS) {
    const first = s.code.split("\n")[0];
    assert.ok(
      KINDS.some((k) => k.marker.test(first)),
      `README.md:${s.line}: the first line of a python snippet must name its readers (${
        KINDS.map((k) => k.marker.source).join(" | ")
      }), not: ${first}`,
    );
    assert.ok(datasetRoots(s.code).length > 0, `README.md:${s.line}: reads no datasets/<name>`);
  }
  for (const k of KINDS) {
    assert.ok(SNIPPETS.some((s) => k.marker.test(s.code)), `no snippet for ${k.marker.source}`);
  }
});

Deno.test("pythonSnippets() and datasetRoots() read fences and paths as written", () => {
  const md = "x\n```python\n# a\nopen('datasets/v1.0/nk')\n```\n```sh\nls\n```\n```python\n```\n";
  assert.deepEqual(pythonSnippets(md), [
    { line: 3, code: "# a\nopen('datasets/v1.0/nk')\n" },
    { line: 10, code: "" },
  ]);
  assert.deepEqual(
    datasetRoots("a('datasets/v1.0/nk'); b(\"datasets/v1.0-zarr2\") datasets/v1.0"),
    [
      "datasets/v1.0",
      "datasets/v1.0-zarr2",
    ],
  );
});

for (const reader of [BOOKWORM, TRIXIE, FORKY]) {
  const mine = SNIPPETS.flatMap((s) => {
    const kind = KINDS.find((k) => k.marker.test(s.code) && k.readers.includes(reader));
    return kind === undefined ? [] : [{ ...s, format: kind.format }];
  });
  if (mine.length === 0) continue;
  Deno.test({
    name: `README: the Python snippets run as written with ${reader.name}`,
    ignore: skipUnless(reader),
    async fn(t): Promise<void> {
      assert.ok(reader.available, `${reader.what} is required: ${reader.install}`);
      const datasets = await reader.tempDir("ume-readme-datasets-");
      try {
        for (const format of new Set(mine.map((s) => s.format))) {
          await generateSmallDataset(join(datasets, `v${format}`), format);
        }
        for (const s of mine) {
          await t.step(`README.md:${s.line}`, async () => {
            const dir = await reader.tempDir("ume-readme-");
            try {
              for (const root of datasetRoots(s.code)) {
                await copyTree(join(datasets, `v${s.format}`), join(dir, root));
              }
              await Deno.writeTextFile(join(dir, "snippet.py"), s.code);
              const r = await reader.run([...WARNINGS, "snippet.py"], dir);
              assert.equal(
                r.code,
                0,
                `README.md:${s.line} failed with ${reader.name}:\n${r.stderr}${r.stdout}`,
              );
            } finally {
              await Deno.remove(dir, { recursive: true });
            }
          });
        }
      } finally {
        await Deno.remove(datasets, { recursive: true });
      }
    },
  });
}
