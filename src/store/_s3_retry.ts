/**
 * The S3 store's retry policy: which failures are transient, and how long to
 * wait before the next attempt.
 *
 * @module
 */

/** How often and how patiently to retry a transient failure. */
export interface RetryOptions {
  /** Total attempts per operation, the first included (default 8). */
  maxAttempts?: number;
  /** Backoff base in milliseconds: attempt n waits up to base·2ⁿ⁻¹ (default 100). */
  baseDelayMs?: number;
  /** Upper bound of one wait in milliseconds (default 5000). */
  maxDelayMs?: number;
  /** Timeout of one attempt (request and whole body) in milliseconds (default 60000). */
  attemptTimeoutMs?: number;
}

/** {@link RetryOptions} with every field filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 100,
  maxDelayMs: 5000,
  attemptTimeoutMs: 60_000,
};

/**
 * Fill in and check retry options.
 *
 * @param options Partial options.
 * @returns The complete policy.
 * @throws {RangeError} If a field is not a positive number (attempts: integer).
 *
 * @example Defaults fill the gaps
 * ```ts
 * import { retryPolicy } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(retryPolicy({ maxAttempts: 3 }).maxAttempts, 3);
 * assert.equal(retryPolicy({}).baseDelayMs, 100);
 * ```
 */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY };
  for (const [name, value] of Object.entries(options) as [keyof RetryPolicy, number][]) {
    if (value === undefined) continue;
    if (!(typeof value === "number" && value > 0 && Number.isFinite(value))) {
      throw new RangeError(
        `Invalid retry option ${name}: expected a positive number, got ${value}`,
      );
    }
    if (name === "maxAttempts" && !Number.isInteger(value)) {
      throw new RangeError(`Invalid retry option maxAttempts: expected an integer, got ${value}`);
    }
    policy[name] = value;
  }
  return policy;
}

/**
 * The wait before attempt `attempt + 1`: "full jitter", uniform in
 * [0, min(cap, base·2^(attempt-1))], so that many clients throttled at once
 * spread out instead of retrying in lockstep.
 *
 * @param policy The retry policy.
 * @param attempt The attempt that just failed (1 for the first).
 * @param random A uniform draw in [0, 1) (default `Math.random()`).
 * @returns Milliseconds to wait.
 *
 * @example The ceiling doubles and then saturates
 * ```ts
 * import { backoffDelay, DEFAULT_RETRY } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(backoffDelay(DEFAULT_RETRY, 1, 0.5), 50);
 * assert.equal(backoffDelay(DEFAULT_RETRY, 3, 0.5), 200);
 * assert.equal(backoffDelay(DEFAULT_RETRY, 20, 0.5), 2500);
 * ```
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random = Math.random()): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return random * ceiling;
}

/**
 * Whether an HTTP status (with the S3 error code, if known) is transient:
 * 5xx except 501, 429, and the two 400s that mean "the bytes did not arrive
 * intact or in time" (`RequestTimeout`, `BadDigest`). Every other 4xx is final.
 *
 * @param status The HTTP status.
 * @param code The S3 error code from the body, if any.
 * @returns `true` if the request should be retried.
 *
 * @example Throttling is retried, a bad signature is not
 * ```ts
 * import { isRetryableStatus } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isRetryableStatus(503, "SlowDown"), true);
 * assert.equal(isRetryableStatus(501, "NotImplemented"), false);
 * assert.equal(isRetryableStatus(403, "SignatureDoesNotMatch"), false);
 * ```
 */
export function isRetryableStatus(status: number, code?: string): boolean {
  if (status === 429) return true;
  if (status >= 500) return status !== 501;
  return status === 400 && (code === "RequestTimeout" || code === "BadDigest");
}

/**
 * Wait `ms` milliseconds.
 *
 * @param ms Milliseconds.
 * @returns A promise that resolves after the wait.
 *
 * @example Wait briefly
 * ```ts
 * import { sleep } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * const t0 = performance.now();
 * await sleep(5);
 * assert.ok(performance.now() - t0 >= 4);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
