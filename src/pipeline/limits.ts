/**
 * Resource limits of a run, checked before any compute: the largest chunk
 * the WebAssembly Blosc codec can encode, and the memory the workers' chunk
 * buffers need.
 *
 * @module
 */

import { UsageError } from "../usage_error.ts";
import { layoutArrays, type WorldLayout } from "../dataset/world_layout.ts";
import { dataTypeInfo } from "../zarr/data_type.ts";
import type { ArraySpec } from "../zarr/array_spec.ts";

/**
 * The largest raw chunk of one array, in bytes: numcodecs' WebAssembly Blosc
 * build fails with "memory access out of bounds" from about 700 MB (it holds
 * the input and the output in a heap of at most 2 GiB; measured: 680 MiB
 * encodes, 700 MiB fails), so chunks stay well below.
 */
export const MAX_CHUNK_BYTES: number = 512 * 1024 * 1024;

/** Memory a worker needs besides its chunk buffers (runtime, code, WASM module). */
export const WORKER_BASE_BYTES: number = 96 * 1024 * 1024;

/** Share of the machine's memory a run may plan to use. */
export const MEMORY_SHARE = 0.75;

/** The bytes of one sample of an array, at its storage type. */
function sampleBytes(spec: ArraySpec): number {
  return spec.shape.slice(1).reduce((a, b) => a * b, 1) * dataTypeInfo(spec.dtype).itemSize;
}

/**
 * Memory one worker needs for one chunk task: every array's chunk buffer and
 * its encoded copy (held until the writes finish), plus the codec's heap,
 * which keeps room for the input and output of the largest chunk.
 *
 * @param layout The world layout (its chunk size included).
 * @returns Bytes.
 *
 * @example An nk chunk of 436 samples at T = 200, H = 40 needs a few MiB
 * ```ts
 * import { taskMemoryBytes } from "./limits.ts";
 * import { worldLayout } from "../dataset/world_layout.ts";
 * import assert from "node:assert/strict";
 * const layout = worldLayout("nk", { nSamples: 1000, T: 200, H: 40, nShocks: 3, nParams: 12 });
 * const bytes = taskMemoryBytes(layout);
 * assert.ok(bytes > 4 * 2 ** 20 && bytes < 16 * 2 ** 20, String(bytes));
 * ```
 */
export function taskMemoryBytes(layout: WorldLayout): number {
  let sum = 0, largest = 0;
  for (const spec of layoutArrays(layout)) {
    const bytes = spec.chunks[0] * sampleBytes(spec);
    sum += bytes;
    largest = Math.max(largest, bytes);
  }
  return 2 * sum + 2 * largest;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;
}

/**
 * Check that every chunk of every world fits the codec, and that the chunk
 * buffers of `workers` workers fit in `memoryBytes`.
 *
 * @param layouts The layouts of the run.
 * @param workers Worker threads (the chunk tasks in memory at once).
 * @param memoryBytes Memory of the machine, or `undefined` to skip the memory check.
 * @throws {UsageError} Naming the chunk size and the largest `--chunk-samples` that works.
 *
 * @example A 720 MB trajectories chunk is refused up front
 * ```ts
 * import { checkResourceLimits } from "./limits.ts";
 * import { worldLayout } from "../dataset/world_layout.ts";
 * import assert from "node:assert/strict";
 * const layout = worldLayout("rbc", { nSamples: 600, T: 100000, H: 0, nShocks: 2, nParams: 9, chunkSamples: 600 });
 * assert.throws(() => checkResourceLimits([layout], 1, undefined), /--chunk-samples 447/);
 * ```
 */
export function checkResourceLimits(
  layouts: readonly WorldLayout[],
  workers: number,
  memoryBytes: number | undefined,
): void {
  for (const layout of layouts) {
    for (const spec of layoutArrays(layout)) {
      const per = sampleBytes(spec);
      const bytes = spec.chunks[0] * per;
      if (bytes > MAX_CHUNK_BYTES) {
        const most = Math.max(1, Math.floor(MAX_CHUNK_BYTES / per));
        throw new UsageError(
          `Chunks of ${spec.chunks[0]} samples make ${spec.path} chunks of ${
            (bytes / 1e6).toFixed(0)
          } MB, above the ${
            MAX_CHUNK_BYTES / 2 ** 20
          } MiB the WebAssembly Blosc codec can encode: use --chunk-samples ${most} or less (or leave it out for about 1 MiB chunks)`,
        );
      }
    }
  }
  if (memoryBytes === undefined) return;
  const budget = MEMORY_SHARE * memoryBytes;
  for (const layout of layouts) {
    const need = workers * (taskMemoryBytes(layout) + WORKER_BASE_BYTES);
    if (need > budget) {
      const perSample = taskMemoryBytes(layout) / layout.chunkSamples;
      const most = Math.floor((budget / workers - WORKER_BASE_BYTES) / perSample);
      throw new UsageError(
        `Chunks of ${layout.chunkSamples} samples of ${layout.worldId} need about ${
          gib(need)
        } of memory with ${workers} worker(s); this machine has ${
          gib(memoryBytes)
        } and a run may plan for ${Math.round(MEMORY_SHARE * 100)}% of it: ${
          most >= 1
            ? `use --chunk-samples ${most} or less, or fewer --workers`
            : "use fewer --workers or a smaller --T/--H"
        }`,
      );
    }
  }
}

/**
 * The machine's memory, for {@link checkResourceLimits}.
 *
 * @returns Total memory in bytes (`Deno.systemMemoryInfo().total`).
 * @throws {UsageError} If the process may not read it (needs `--allow-sys=systemMemoryInfo`;
 *   the deno tasks grant it).
 */
export function systemMemoryBytes(): number {
  if (Deno.permissions.querySync({ name: "sys", kind: "systemMemoryInfo" }).state !== "granted") {
    throw new UsageError(
      "Cannot check the memory needed by the run: this process is not permitted to read the machine's memory size (run it with --allow-sys=systemMemoryInfo, or pass memoryBytes)",
    );
  }
  return Deno.systemMemoryInfo().total;
}
