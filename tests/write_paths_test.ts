/**
 * One write path: the pipeline (`generate`) and the library's
 * `DatasetWriter` store every chunk through the same chunk writer, so the
 * same samples under the same layout give the same bytes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DatasetWriter } from "../src/dataset/dataset_writer.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { worldLayoutOptions } from "../src/pipeline/world_plan.ts";
import { getWorld, listWorlds } from "../src/simulators/registry.ts";
import { MemoryStore } from "../src/store/memory_store.ts";

for (const zarrFormat of [3, 2] as const) {
  Deno.test(`generate and DatasetWriter write identical bytes for every world (zarr format ${zarrFormat})`, async () => {
    const settings = { seed: 7, nSamples: 11, T: 6, H: 2, chunkSamples: 4, zarrFormat };
    const viaPipeline = new MemoryStore();
    await generateDataset(
      resolveConfig([{
        worlds: "all",
        n_samples: settings.nSamples,
        seed: settings.seed,
        T: settings.T,
        H: settings.H,
        chunk_samples: settings.chunkSamples,
        zarr_format: zarrFormat,
      }], 1),
      { store: viaPipeline },
    );
    for (const world of listWorlds()) {
      const viaWriter = new MemoryStore();
      const writer = await DatasetWriter.create({
        location: viaWriter,
        worldId: world,
        ...worldLayoutOptions({ world, ...settings }),
      });
      const adapter = getWorld(world);
      // Out of order on purpose: the writer buffers until a chunk is complete.
      for (const i of [...Array(settings.nSamples).keys()].reverse()) {
        await writer.writeSample(
          i,
          adapter.generateSample(settings.seed + i, settings.T, settings.H),
        );
      }
      await writer.finalize();
      const keys = await viaWriter.list(`${world}/`);
      assert.deepEqual(
        keys,
        (await viaPipeline.list(`${world}/`)).filter((k) => !k.endsWith("splits.json")),
      );
      for (const key of keys) {
        assert.deepEqual(await viaWriter.get(key), await viaPipeline.get(key), key);
      }
    }
  });
}
