/**
 * The S3 store's retry policy: which failures are transient, and how long to
 * wait before the next attempt.
 *
 * @module
 */

import { deniedNetHost, describeNetDenial } from "./net_error.ts";

/** How often and how patiently to retry a transient failure. */
export interface RetryOptions {
  /**
   * Total attempts per operation, the first included (default 13: with the
   * default backoff the waits add up to 31.35 to 62.7 s, see
   * {@link DEFAULT_RETRY}).
   */
  maxAttempts?: number;
  /**
   * Backoff base in milliseconds: the wait after failed attempt n is drawn
   * from [c/2, c] with c = min(maxDelayMs, base·2ⁿ⁻¹) (default 100).
   */
  baseDelayMs?: number;
  /** Upper bound of one wait in milliseconds (default 10000). */
  maxDelayMs?: number;
  /** Timeout of one attempt (request and whole body) in milliseconds (default 60000). */
  attemptTimeoutMs?: number;
}

/** {@link RetryOptions} with every field filled in. */
export type RetryPolicy = Required<RetryOptions>;

/**
 * The defaults of {@link RetryOptions}: 13 attempts, waits doubling from
 * 100 ms up to a cap of 10 s, "equal jitter" (each wait uniform in
 * [c/2, c]).
 *
 * The ceilings of the 12 waits are 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4 s and
 * then 10 s five times: 62.7 s in all. So an operation gives up no sooner
 * than 31.35 s (every draw at its floor) and no later than 62.7 s (every
 * draw at its ceiling) of waiting after its first failure, plus the time of
 * the attempts themselves: an outage of the S3 endpoint of up to 31 s is
 * always ridden out. {@link retryWindow} computes these bounds.
 *
 * @example The default policy outlasts a 30-second outage
 * ```ts
 * import { DEFAULT_RETRY, retryWindow } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * const { minMs, maxMs } = retryWindow(DEFAULT_RETRY);
 * assert.ok(minMs >= 30_000);
 * assert.equal(minMs, 31_350);
 * assert.equal(maxMs, 62_700);
 * ```
 */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 13,
  baseDelayMs: 100,
  maxDelayMs: 10_000,
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
 * The ceiling of the wait after failed attempt `attempt`:
 * min(cap, base·2^(attempt-1)).
 *
 * @param policy The retry policy.
 * @param attempt The attempt that just failed (1 for the first).
 * @returns Milliseconds.
 *
 * @example The ceiling doubles and then saturates
 * ```ts
 * import { backoffCeiling, DEFAULT_RETRY } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(backoffCeiling(DEFAULT_RETRY, 1), 100);
 * assert.equal(backoffCeiling(DEFAULT_RETRY, 3), 400);
 * assert.equal(backoffCeiling(DEFAULT_RETRY, 20), 10_000);
 * ```
 */
export function backoffCeiling(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
}

/**
 * The wait before attempt `attempt + 1`: "equal jitter", uniform in
 * [c/2, c] with c = {@link backoffCeiling}. Half of every wait is certain,
 * so the total patience has a floor (see {@link retryWindow}); the other
 * half is random, so that many clients throttled at once spread out instead
 * of retrying in lockstep.
 *
 * @param policy The retry policy.
 * @param attempt The attempt that just failed (1 for the first).
 * @param random A uniform draw in [0, 1) (default `Math.random()`).
 * @returns Milliseconds to wait.
 *
 * @example Waits lie between half the ceiling and the ceiling
 * ```ts
 * import { backoffDelay, DEFAULT_RETRY } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(backoffDelay(DEFAULT_RETRY, 1, 0), 50);
 * assert.equal(backoffDelay(DEFAULT_RETRY, 3, 0.5), 300);
 * assert.equal(backoffDelay(DEFAULT_RETRY, 20, 0), 5000);
 * ```
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random = Math.random()): number {
  const ceiling = backoffCeiling(policy, attempt);
  return ceiling / 2 + random * (ceiling / 2);
}

/** The bounds of the total wait of a policy, from {@link retryWindow}. */
export interface RetryWindow {
  /** The least total wait before the last attempt, in milliseconds (every draw at its floor). */
  minMs: number;
  /** The most total wait before the last attempt, in milliseconds (every draw at its ceiling). */
  maxMs: number;
}

/**
 * How long an operation that keeps failing transiently waits in all before
 * its last attempt: the sum of the {@link backoffDelay} bounds over the
 * `maxAttempts - 1` waits. An outage shorter than `minMs` is always ridden
 * out (the attempts' own durations only add to it).
 *
 * @param policy The retry policy.
 * @returns The least and the most total wait.
 *
 * @example Three attempts wait twice
 * ```ts
 * import { retryPolicy, retryWindow } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * const window = retryWindow(retryPolicy({ maxAttempts: 3, baseDelayMs: 100 }));
 * assert.deepEqual(window, { minMs: 150, maxMs: 300 });
 * ```
 */
export function retryWindow(policy: RetryPolicy): RetryWindow {
  let maxMs = 0;
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
    maxMs += backoffCeiling(policy, attempt);
  }
  return { minMs: maxMs / 2, maxMs };
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

const REFUSED_REQUEST =
  /^(Invalid URL|Invalid header (name|value)|Fetch failed: Requests to port \d+ are blocked)|cannot have body/;
const NO_SUCH_HOST =
  /dns error: [^:]*: (Name or service not known|No address associated with hostname|nodename nor servname provided, or not known)/;
const UNTRUSTED_TLS = /invalid peer certificate: ([^\n]*)/;

/**
 * Why a request that got no usable reply cannot succeed on a retry, or
 * `undefined` if it may (a refused or reset connection, a timeout, a body
 * cut short, a resolver that is temporarily down: all retried).
 *
 * Final on the first attempt:
 * - the runtime's permission system refused the connection
 *   (`Deno.errors.NotCapable` anywhere in the cause chain);
 * - the runtime refused to send the request at all (an invalid URL or
 *   header, a port that fetch blocks): a `TypeError` without a cause;
 * - the host name does not exist (DNS answered "no such name"; a resolver
 *   that does not answer, "Temporary failure in name resolution", is
 *   retried): an endpoint, region or bucket typo does not heal;
 * - the server's TLS certificate is not valid for it.
 *
 * @param error What `fetch` (or reading the body) threw.
 * @param url The request URL.
 * @returns The reason in our words, or `undefined` if the failure is transient.
 *
 * @example Permission refusals and unknown hosts are final, resets are not
 * ```ts
 * import { finalFetchFailure } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * const url = "http://minio.internal:9000/bucket/key";
 * const denied = new Deno.errors.NotCapable(
 *   'Requires net access to "minio.internal:9000", run again with the --allow-net flag',
 * );
 * assert.match(finalFetchFailure(denied, url)!, /not permitted to reach "minio\.internal:9000"/);
 * const reset = new TypeError("fetch failed", {
 *   cause: new Error("client error (SendRequest): connection closed before message completed"),
 * });
 * assert.equal(finalFetchFailure(reset, url), undefined);
 * ```
 */
export function finalFetchFailure(error: unknown, url: string): string | undefined {
  const { host, hostname } = new URL(url);
  const denied = deniedNetHost(error);
  if (denied !== undefined) return describeNetDenial(denied);
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof Deno.errors.NotCapable) {
      return `the runtime refused the request: ${e.message.replace(/,? run again with .*$/, "")}`;
    }
  }
  if (
    error instanceof TypeError && error.cause === undefined && REFUSED_REQUEST.test(error.message)
  ) {
    return `the request cannot be sent: ${error.message}`;
  }
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    const noHost = NO_SUCH_HOST.exec(e.message);
    if (noHost !== null) {
      return `the host "${hostname}" does not exist (DNS: ${noHost[1]}): check the endpoint, ` +
        `the region and the bucket name`;
    }
    const tls = UNTRUSTED_TLS.exec(e.message);
    if (tls !== null) return `the TLS certificate of "${host}" is not valid: ${tls[1]}`;
  }
  return undefined;
}

/**
 * Read a total attempt count the way the AWS SDKs read `AWS_MAX_ATTEMPTS`:
 * a whole number, at least 1, the first attempt included (so `1` means no
 * retries).
 *
 * @param value The variable's text.
 * @param name The variable's name, for the error message.
 * @returns The number of attempts.
 * @throws {TypeError} Naming the variable, if the value is not a whole number of at least 1.
 *
 * @example
 * ```ts
 * import { parseMaxAttempts } from "./_s3_retry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseMaxAttempts(" 20 "), 20);
 * assert.throws(() => parseMaxAttempts("0"), /Invalid AWS_MAX_ATTEMPTS "0"/);
 * assert.throws(() => parseMaxAttempts("3.5"), TypeError);
 * ```
 */
export function parseMaxAttempts(value: string, name = "AWS_MAX_ATTEMPTS"): number {
  const text = value.trim();
  const attempts = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(attempts) || attempts < 1) {
    throw new TypeError(
      `Invalid ${name} "${value}": expected a whole number of attempts, at least 1 (the first attempt included)`,
    );
  }
  return attempts;
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
