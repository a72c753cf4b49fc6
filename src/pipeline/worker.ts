/**
 * Web Worker entry of the generation pool. It opens its own store from the
 * output URL, builds the world layouts from the same settings as the
 * coordinator, and runs chunk tasks strictly one after another (an async
 * message handler that overlapped tasks could reuse buffers mid-flight).
 *
 * Messages in: `{ type: "init", storeUrl, worlds }`, `{ type: "task", id, task }`.
 * Messages out: `{ type: "result", id, result }`, `{ type: "error", id, message, stack }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { openStore } from "../store/open_store.ts";
import type { ByteStore } from "../store/byte_store.ts";
import type { WorldLayout } from "../dataset/world_layout.ts";
import { runChunkTask } from "./chunk_task.ts";
import type { ChunkTask } from "./plan.ts";
import { layoutForWorld, type WorldSettings } from "./world_plan.ts";

/** A message sent to a worker. */
export type WorkerRequest =
  | { type: "init"; storeUrl: string; worlds: WorldSettings[] }
  | { type: "task"; id: number; task: ChunkTask };

/** A message sent by a worker. */
export type WorkerResponse =
  | { type: "result"; id: number; result: import("./chunk_task.ts").ChunkTaskResult }
  | { type: "error"; id: number; message: string; stack?: string };

let store: Promise<ByteStore> | undefined;
const settings = new Map<string, WorldSettings>();
const layouts = new Map<string, WorldLayout>();
let queue: Promise<void> = Promise.resolve();

async function handle(id: number, task: ChunkTask): Promise<void> {
  try {
    if (!store) throw new Error("Worker received a task before init");
    const s = settings.get(task.world);
    const layout = layouts.get(task.world);
    if (!s || !layout) throw new Error(`Worker has no settings for world "${task.world}"`);
    const result = await runChunkTask(await store, layout, s, task);
    self.postMessage({ type: "result", id, result } satisfies WorkerResponse);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    let message = err.message;
    // Causes travel as text; one the message already quotes adds nothing.
    for (let c = err.cause; c instanceof Error; c = c.cause) {
      if (!message.includes(c.message)) message += `: ${c.message}`;
    }
    self.postMessage({ type: "error", id, message, stack: err.stack } satisfies WorkerResponse);
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>): void => {
  const msg = event.data;
  if (msg.type === "init") {
    store = openStore(msg.storeUrl);
    for (const s of msg.worlds) {
      settings.set(s.world, s);
      layouts.set(s.world, layoutForWorld(s));
    }
    return;
  }
  const { id, task } = msg;
  queue = queue.then(() => handle(id, task));
};
