/**
 * The bytes a fixed configuration writes, pinned: every key and the SHA-256
 * of its value (manifest.json without `created_at` and `git_hash`), in both
 * Zarr formats. A refactor must not change a byte; a change of the format
 * changes this digest on purpose, and the commit says why.
 *
 * To print the digests of the current code: `UME_PRINT_GOLDEN=1 deno test -A tests/golden_test.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { canonicalJson } from "../src/manifest/canonical_json.ts";
import { sha256Hex } from "../src/manifest/hashing.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { MemoryStore } from "../src/store/memory_store.ts";

const GOLDEN: Record<string, string> = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/golden_digests.json", import.meta.url)),
);

async function treeDigest(zarrFormat: 2 | 3): Promise<string> {
  const store = new MemoryStore();
  const config = resolveConfig([{
    worlds: "all",
    n_samples: 23,
    T: 12,
    H: 5,
    chunk_samples: 7,
    seed: 2026,
    zarr_format: zarrFormat,
    workers: 1,
  }], 1);
  await generateDataset(config, { store, createdAt: "2026-01-01T00:00:00.000Z" });
  const lines: string[] = [];
  for (const key of await store.list("")) {
    const bytes = (await store.get(key))!;
    if (key === "manifest.json") {
      const m = JSON.parse(new TextDecoder().decode(bytes));
      delete m.created_at;
      delete m.git_hash;
      lines.push(`${key} ${sha256Hex(canonicalJson(m))}`);
    } else {
      lines.push(`${key} ${sha256Hex(bytes)}`);
    }
  }
  return sha256Hex(lines.join("\n"));
}

for (const format of [3, 2] as const) {
  Deno.test(`a fixed configuration writes the pinned bytes (zarr format ${format})`, async () => {
    const digest = await treeDigest(format);
    // UME_PRINT_GOLDEN=1 prints the digests to re-pin after an intended format change.
    // deno-lint-ignore no-console
    if (Deno.env.get("UME_PRINT_GOLDEN")) console.error(`zarr_format_${format}: ${digest}`);
    assert.equal(digest, GOLDEN[`zarr_format_${format}`]);
  });
}
