/**
 * validate and the split statistics keep several reads in flight (what a
 * latency-bound store such as S3 needs), counted with a store whose reads
 * wait until released.
 */

import assert from "node:assert/strict";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { validateDataset } from "../src/pipeline/validate.ts";
import { readSplitStats } from "../src/pipeline/split_stats.ts";
import { layoutForWorld } from "../src/pipeline/world_plan.ts";
import type { ByteStore } from "../src/store/byte_store.ts";
import { MemoryStore } from "../src/store/memory_store.ts";

/** A store whose reads of chunks are held for a few event-loop turns, counting those in flight. */
class SlowStore implements ByteStore {
  readonly url: string;
  inFlight = 0;
  peak = 0;
  constructor(readonly inner: MemoryStore) {
    this.url = inner.url;
  }
  async #held<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (!key.includes("/c/")) return await read();
    this.peak = Math.max(this.peak, ++this.inFlight);
    try {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      return await read();
    } finally {
      this.inFlight--;
    }
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.#held(key, () => this.inner.get(key));
  }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    return this.#held(key, () => this.inner.getRange(key, offset, length));
  }
  set(key: string, value: Uint8Array): Promise<void> {
    return this.inner.set(key, value);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  list(prefix?: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
}

// Few chunks per array (3) and many arrays: only reads across arrays can fill 16 slots.
const CONFIG = { worlds: "rbc", n_samples: 30, T: 8, H: 2, chunk_samples: 10 };

Deno.test("validate keeps its concurrency in flight across arrays", async () => {
  const inner = new MemoryStore();
  await generateDataset(resolveConfig([CONFIG], 1), { store: inner });
  const store = new SlowStore(inner);
  const report = await validateDataset(store, { resimulate: 0 });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.ok(report.chunksVerified > 16);
  assert.equal(store.peak, 16);
});

Deno.test("the split statistics read several theta chunks ahead", async () => {
  const inner = new MemoryStore();
  await generateDataset(resolveConfig([CONFIG], 1), { store: inner });
  const store = new SlowStore(inner);
  const layout = layoutForWorld({
    world: "rbc",
    seed: 42,
    nSamples: 30,
    T: 8,
    H: 2,
    chunkSamples: 10,
    zarrFormat: 3,
  });
  const stats = await readSplitStats(store, layout);
  const direct = await readSplitStats(inner, layout);
  assert.deepEqual(stats, direct);
  const scalars = Object.values(layout.metadata).filter((s) => s.shape.length === 1).length;
  // Three chunks of theta, each with its scalar metadata, all at once.
  assert.equal(store.peak, 3 * (1 + scalars));
});
