/**
 * A pool of Web Workers that run chunk tasks, with a bounded number of tasks
 * in flight per worker and orderly shutdown on the first error.
 *
 * @module
 */

import type { ChunkTaskResult } from "./chunk_task.ts";
import type { ChunkTask } from "./plan.ts";
import type { WorkerRequest, WorkerResponse } from "./worker.ts";
import type { WorldSettings } from "./world_plan.ts";

/** Options of {@link runPool}. */
export interface PoolOptions {
  /** Number of workers. */
  workers: number;
  /** Output URL or path; each worker opens its own store from it. */
  storeUrl: string;
  /** Settings of every world the tasks refer to. */
  worlds: WorldSettings[];
  /** Called for each finished task, in completion order (awaited before more results are handled). */
  onResult: (result: ChunkTaskResult) => Promise<void>;
  /** Tasks queued per worker (default 2, so a worker never idles while results are recorded). */
  depth?: number;
}

/**
 * Run every task on a pool of workers.
 *
 * On the first failure no new task is started; tasks already running finish
 * (their results are still recorded, so a resume skips them), then the
 * pool stops and the error is thrown.
 *
 * @param tasks The tasks, in dispatch order.
 * @param options Pool options.
 * @returns When every task is done and recorded.
 */
export async function runPool(tasks: readonly ChunkTask[], options: PoolOptions): Promise<void> {
  const n = Math.max(1, Math.min(options.workers, tasks.length));
  const depth = options.depth ?? 2;
  const workers: Worker[] = [];
  let next = 0;
  let failure: Error | undefined;
  let recording: Promise<void> = Promise.resolve();
  try {
    await new Promise<void>((resolve) => {
      let inFlight = 0;
      const pending = new Map<number, number>(); // task id -> worker index
      function maybeDone(): void {
        if (inFlight === 0 && (failure !== undefined || next >= tasks.length)) resolve();
      }
      function dispatch(w: number): void {
        if (failure !== undefined || next >= tasks.length) return;
        const id = next++;
        pending.set(id, w);
        inFlight++;
        workers[w].postMessage({ type: "task", id, task: tasks[id] } satisfies WorkerRequest);
      }
      for (let w = 0; w < n; w++) {
        const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
        workers.push(worker);
        worker.onmessage = (event: MessageEvent<WorkerResponse>): void => {
          const msg = event.data;
          pending.delete(msg.id);
          if (msg.type === "error") {
            const t = tasks[msg.id];
            failure ??= new Error(
              `Chunk ${t.chunk} of world "${t.world}" (samples ${t.start} to ${
                t.end - 1
              }) failed: ${msg.message}`,
            );
            inFlight--;
            maybeDone();
            return;
          }
          recording = recording.then(() => options.onResult(msg.result)).catch((e) => {
            failure ??= e instanceof Error ? e : new Error(String(e));
          }).finally(() => {
            inFlight--;
            dispatch(w);
            maybeDone();
          });
        };
        worker.onerror = (event: ErrorEvent): void => {
          event.preventDefault();
          failure ??= new Error(`A generation worker crashed: ${event.message}`);
          inFlight -= [...pending.values()].filter((x) => x === w).length;
          maybeDone();
        };
        worker.postMessage(
          {
            type: "init",
            storeUrl: options.storeUrl,
            worlds: options.worlds,
          } satisfies WorkerRequest,
        );
      }
      for (let d = 0; d < depth; d++) for (let w = 0; w < n; w++) dispatch(w);
      maybeDone();
    });
    await recording;
  } finally {
    for (const w of workers) w.terminate();
  }
  if (failure) throw failure;
}
