/**
 * A counting semaphore that bounds how many requests are in flight.
 *
 * @module
 */

/**
 * A first-in, first-out counting semaphore.
 *
 * @example At most two holders at once
 * ```ts
 * import { Semaphore } from "./_s3_semaphore.ts";
 * import assert from "node:assert/strict";
 * const gate = new Semaphore(2);
 * let active = 0;
 * let peak = 0;
 * await Promise.all([1, 2, 3, 4, 5].map(() =>
 *   gate.run(async () => {
 *     peak = Math.max(peak, ++active);
 *     await new Promise((resolve) => setTimeout(resolve, 2));
 *     active--;
 *   })
 * ));
 * assert.equal(peak, 2);
 * ```
 */
export class Semaphore {
  #free: number;
  #waiting: (() => void)[] = [];

  /**
   * Create a semaphore.
   *
   * @param permits How many holders may run at once (a positive integer).
   */
  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new RangeError(`Semaphore permits must be a positive integer: got ${permits}`);
    }
    this.#free = permits;
  }

  /**
   * Wait for a permit.
   *
   * @returns A function that gives the permit back (call it exactly once).
   */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) {
      this.#free--;
    } else {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    let released = false;
    return (): void => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }

  /**
   * Run `task` while holding a permit.
   *
   * @param task The work to do.
   * @returns What `task` returns.
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}
