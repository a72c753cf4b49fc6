/**
 * Resuming a run: which of a process's chunk tasks a previous run already
 * wrote, checked by re-reading what the ledger claims.
 *
 * @module
 */

import type { ByteStore } from "../store/byte_store.ts";
import type { WorldId } from "../simulators/types.ts";
import { sha256Hex } from "../zarr/digest.ts";
import type { LedgerEntry } from "./ledger.ts";
import type { ChunkTask } from "./plan.ts";
import type { ProgressListener } from "./progress.ts";

/**
 * Whether every chunk a ledger entry claims is stored with its size and digest.
 *
 * @param store The output store.
 * @param entry The entry.
 * @returns `true` if every chunk is intact.
 */
export async function entryIsIntact(store: ByteStore, entry: LedgerEntry): Promise<boolean> {
  for (const c of entry.chunks) {
    const bytes = await store.get(c.storeKey);
    if (!bytes || bytes.length !== c.storedBytes || (await sha256Hex(bytes)) !== c.digest) {
      return false;
    }
  }
  return true;
}

/** What {@link resumeTasks} decided. */
export interface ResumePlan {
  /** The tasks still to run. */
  todo: ChunkTask[];
  /** Tasks skipped per world, because a previous run wrote and verified them. */
  resumed: Map<WorldId, number>;
  /** Seconds spent re-reading. */
  seconds: number;
}

/**
 * Split a process's tasks into those a previous run completed (every chunk
 * intact) and those to run; entries whose chunks are missing or damaged are
 * dropped from `ledgers`, so they are redone and recorded afresh.
 *
 * @param store The output store.
 * @param tasks This process's tasks.
 * @param ledgers The ledger of every world (edited in place).
 * @param emit Progress listener.
 * @returns The tasks to run and the count resumed per world.
 */
export async function resumeTasks(
  store: ByteStore,
  tasks: readonly ChunkTask[],
  ledgers: Map<WorldId, Map<number, LedgerEntry>>,
  emit: ProgressListener,
): Promise<ResumePlan> {
  const todo: ChunkTask[] = [];
  const resumed = new Map<WorldId, number>();
  const t0 = performance.now();
  let checked = 0;
  for (const task of tasks) {
    const entry = ledgers.get(task.world)!.get(task.chunk);
    if (entry && await entryIsIntact(store, entry)) {
      resumed.set(task.world, (resumed.get(task.world) ?? 0) + 1);
    } else {
      ledgers.get(task.world)!.delete(task.chunk);
      todo.push(task);
    }
    checked++;
    if (entry) {
      emit({
        phase: "resume-check",
        done: checked,
        total: tasks.length,
        unit: "chunks",
        elapsedMs: performance.now() - t0,
      });
    }
  }
  return { todo, resumed, seconds: (performance.now() - t0) / 1000 };
}
