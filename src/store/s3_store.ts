/**
 * A {@link ByteStore} on an S3 bucket prefix (AWS S3 or any S3-compatible
 * server), signed with SigV4 by aws4fetch, with our own operation-level retry
 * policy, bounded concurrency and cheap integrity checks.
 *
 * Permissions: `--allow-net` for the endpoint host (`*.amazonaws.com` or the
 * custom endpoint), and `--allow-env` for the variables in
 * `S3_ENV_VARIABLES` (`./s3_location.ts`) when opened with
 * {@link S3Store.fromUrl}; without keys in the environment, what the
 * credential chain needs (`./aws_credentials.ts`).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { AwsClient } from "./_deps.ts";
import {
  awsCredentialChain,
  type AwsCredentialProvider,
  type AwsCredentials,
  NoAwsCredentialsError,
  refreshingCredentials,
} from "./aws_credentials.ts";
import type { ByteStore, ObjectInfo } from "./byte_store.ts";
import { type ListedObject, parseErrorBody, parseListPage } from "./_s3_xml.ts";
import {
  backoffDelay,
  finalFetchFailure,
  isRetryableStatus,
  parseMaxAttempts,
  type RetryOptions,
  type RetryPolicy,
  retryPolicy,
  sleep,
} from "./_s3_retry.ts";
import { Semaphore } from "./_s3_semaphore.ts";
import { checkKey, checkPrefix, checkRange } from "./_keys.ts";
import { DEFAULT_S3_REGION, resolveS3Url, s3BaseUrl, type S3EnvVariable } from "./s3_location.ts";
import { StoreError } from "./store_error.ts";

export type { RetryOptions } from "./_s3_retry.ts";

/** Access keys for SigV4 signing (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). */
export type S3Credentials = AwsCredentials;

/** Tuning options shared by the constructor and {@link S3Store.fromUrl}. */
export interface S3StoreTuning {
  /** Most requests in flight at once (default 16). */
  maxConcurrency?: number;
  /** Retry policy: attempts, backoff, per-attempt timeout. */
  retry?: RetryOptions;
  /** `max-keys` of one ListObjectsV2 page, 1 to 1000 (default 1000). */
  listPageSize?: number;
  /** Compare MD5s with plain-MD5 ETags on whole-object reads and writes (default `true`). */
  verifyChecksums?: boolean;
  /** The fetch to use (default `globalThis.fetch`); tests put proxies in between. */
  fetch?: (request: Request, init?: RequestInit) => Promise<Response>;
}

/** Where and how to reach the bucket. */
export interface S3StoreOptions extends S3StoreTuning {
  /** The bucket name. */
  bucket: string;
  /** The key prefix of the store root inside the bucket (`""` for the whole bucket). */
  prefix?: string;
  /** The signing region (default `"us-east-1"`). */
  region?: string;
  /**
   * A custom endpoint URL such as `http://127.0.0.1:7480` (default: AWS S3
   * at `https://s3.<region>.amazonaws.com`).
   */
  endpoint?: string;
  /**
   * Path-style addressing (`endpoint/bucket/key`) instead of virtual hosts
   * (`bucket.endpoint/key`). Default: `true` with a custom endpoint or a
   * bucket name that is not a plain DNS label, else `false`.
   */
  pathStyle?: boolean;
  /**
   * The signing keys, or a provider of temporary ones (such as
   * `awsCredentialChain()`): it is called for the first request, and again
   * whenever the credentials it gave expire within 5 minutes
   * (`refreshingCredentials`), so a long job outlives them.
   */
  credentials: S3Credentials | AwsCredentialProvider;
  /** The `url` the store reports (default `s3://<bucket>/<prefix>`). */
  url?: string;
}

/** Request counters of one store, for logs and tests. */
export interface S3StoreStats {
  /** HTTP requests sent (every attempt counts). */
  requests: number;
  /** Attempts that failed transiently and were retried. */
  retries: number;
}

/** The operation an {@link S3Error} is about. */
export type S3Operation = "read" | "write" | "delete" | "list" | "create";

/**
 * An S3 operation failed for good: a final status, or a transient failure
 * that outlasted every attempt. A {@link StoreError} with code `"IO"`; the
 * S3 error code (e.g. `"SlowDown"`) is in `s3Code`.
 *
 * @example Branch on the status
 * ```ts
 * import { S3Error } from "./s3_store.ts";
 * import assert from "node:assert/strict";
 * const error = new S3Error("read", "a/b", "S3 returned 403 AccessDenied", {
 *   status: 403,
 *   code: "AccessDenied",
 *   attempts: 1,
 * });
 * assert.equal(error.message, 'Cannot read "a/b": S3 returned 403 AccessDenied after 1 attempt');
 * assert.equal(error.status, 403);
 * assert.equal(error.s3Code, "AccessDenied");
 * assert.equal(error.code, "IO");
 * ```
 */
export class S3Error extends StoreError {
  /** What was being done. */
  readonly operation: S3Operation;
  /** The store key (or list prefix) concerned. */
  readonly key: string;
  /** The last HTTP status, if a response arrived. */
  readonly status: number | undefined;
  /** The last S3 error code, if the body had one. */
  readonly s3Code: string | undefined;
  /** How many attempts were made. */
  readonly attempts: number;

  /**
   * Build the error.
   *
   * @param operation What was being done.
   * @param key The store key or list prefix.
   * @param detail What went wrong on the last attempt.
   * @param info Status, code, attempt count and the underlying cause.
   */
  constructor(
    operation: S3Operation,
    key: string,
    detail: string,
    info: { status?: number; code?: string; attempts: number; cause?: unknown },
  ) {
    const tries = `${info.attempts} attempt${info.attempts === 1 ? "" : "s"}`;
    super("IO", `Cannot ${operation} "${key}": ${detail} after ${tries}`, { cause: info.cause });
    this.name = "S3Error";
    this.operation = operation;
    this.key = key;
    this.status = info.status;
    this.s3Code = info.code;
    this.attempts = info.attempts;
  }
}

/** A failed attempt; `retryable` says whether another attempt may succeed. */
class Failure extends Error {
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  constructor(
    retryable: boolean,
    detail: string,
    extra: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(detail, { cause: extra.cause });
    this.retryable = retryable;
    this.status = extra.status;
    this.code = extra.code;
  }
}

interface Reply {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

const PLAIN_MD5_ETAG = /^"?([0-9a-f]{32})"?$/;

/**
 * An S3 bucket prefix as a {@link ByteStore}.
 *
 * Every operation is retried on throttling (429, 503 SlowDown), other 5xx
 * except 501, network errors, timeouts and bodies that break off, with
 * jittered exponential backoff and a fresh timeout per attempt (by default
 * 13 attempts over 31 to 63 s, enough to ride out a 30-second outage); other
 * 4xx, and requests no retry can fix (no `--allow-net` for the endpoint, a
 * host name that does not exist, an invalid TLS certificate), fail at once
 * with an {@link S3Error}. Writes are idempotent PUTs, so a
 * retried (or silently re-sent) write is harmless.
 *
 * @example Store and read back bytes (here through a toy in-memory endpoint)
 * ```ts
 * import { S3Store } from "./s3_store.ts";
 * import assert from "node:assert/strict";
 * const objects = new Map<string, Uint8Array>();
 * async function toyS3(request: Request): Promise<Response> {
 *   const key = decodeURIComponent(new URL(request.url).pathname);
 *   if (request.method === "PUT") objects.set(key, new Uint8Array(await request.arrayBuffer()));
 *   if (request.method === "PUT") return new Response(null, { status: 200 });
 *   const value = objects.get(key);
 *   return value ? new Response(value.slice()) : new Response("<Error/>", { status: 404 });
 * }
 * const store = new S3Store({
 *   bucket: "data",
 *   prefix: "runs/1",
 *   endpoint: "http://127.0.0.1:9",
 *   credentials: { accessKeyId: "AK", secretAccessKey: "SK" },
 *   fetch: toyS3,
 * });
 * await store.set("nk/zarr.json", new TextEncoder().encode("{}"));
 * assert.deepEqual(await store.get("nk/zarr.json"), new TextEncoder().encode("{}"));
 * assert.equal(await store.get("nk/missing"), undefined);
 * assert.ok(objects.has("/data/runs/1/nk/zarr.json"));
 * assert.equal(store.url, "s3://data/runs/1");
 * ```
 */
export class S3Store implements ByteStore {
  /** The store location, `s3://bucket/prefix` unless given otherwise. */
  readonly url: string;
  #root: string;
  #base: string;
  #credentials: AwsCredentialProvider;
  #signer: { credentials: AwsCredentials; client: AwsClient } | undefined;
  #region: string;
  #gate: Semaphore;
  #policy: RetryPolicy;
  #pageSize: number;
  #verify: boolean;
  #fetch: (request: Request, init?: RequestInit) => Promise<Response>;
  #stats: S3StoreStats = { requests: 0, retries: 0 };

  /**
   * Open a store on an explicit bucket, prefix, endpoint and credentials.
   * Creates no connection until the first operation.
   *
   * @param options Bucket, prefix, endpoint, credentials and tuning.
   */
  constructor(options: S3StoreOptions) {
    const { bucket, credentials } = options;
    if (!/^[a-zA-Z0-9._-]{3,255}$/.test(bucket)) {
      throw new TypeError(`Invalid S3 bucket name: "${bucket}"`);
    }
    if (
      typeof credentials !== "function" &&
      (!credentials?.accessKeyId || !credentials?.secretAccessKey)
    ) {
      throw new TypeError(`Cannot open S3 bucket "${bucket}": credentials are missing`);
    }
    const prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    if (prefix !== "") checkKey(prefix, `s3://${bucket}/${prefix}`);
    const region = options.region ?? DEFAULT_S3_REGION;
    this.#base = s3BaseUrl(bucket, {
      region,
      endpoint: options.endpoint,
      pathStyle: options.pathStyle,
    });
    this.#root = prefix === "" ? "" : `${prefix}/`;
    this.url = options.url ?? `s3://${bucket}${prefix === "" ? "" : `/${prefix}`}`;
    this.#region = region;
    this.#credentials = typeof credentials === "function"
      ? refreshingCredentials(credentials)
      : () => Promise.resolve(credentials);
    const concurrency = options.maxConcurrency ?? 16;
    this.#gate = new Semaphore(concurrency);
    this.#policy = retryPolicy(options.retry);
    const pageSize = options.listPageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new RangeError(
        `Invalid listPageSize: expected an integer in [1, 1000], got ${pageSize}`,
      );
    }
    this.#pageSize = pageSize;
    this.#verify = options.verifyChecksums ?? true;
    this.#fetch = options.fetch ?? ((request, init) => fetch(request, init));
  }

  /**
   * Open `s3://bucket/prefix` with credentials from the standard AWS
   * credential chain (`awsCredentialChain()`: `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`; else a profile of the
   * shared files, web identity, container credentials, instance metadata),
   * fetched at the first request and refreshed 5 minutes before they
   * expire, and region and endpoint from the standard environment
   * variables: `AWS_REGION` (or
   * `AWS_DEFAULT_REGION`; default `us-east-1`), and `AWS_ENDPOINT_URL_S3` or
   * `AWS_ENDPOINT_URL` for an S3-compatible server (path-style), and
   * `AWS_MAX_ATTEMPTS`, the total attempts per operation as the AWS SDKs
   * read it (a whole number, at least 1, the first attempt included; default
   * 13, which waits at least 31 s in all before giving up; each attempt
   * beyond 13 adds 5 to 10 s). An explicit `tuning.retry.maxAttempts` wins
   * over the variable. Needs `--allow-env` for the variables in
   * `S3_ENV_VARIABLES` (`./s3_location.ts`), and without keys in the
   * environment what the chain needs. Creates no connection and fetches no
   * credentials: {@link S3Store.checkCredentials} does, or the first request.
   *
   * @param url An `s3://bucket/prefix` URL.
   * @param tuning Concurrency, retry and fetch options.
   * @returns The store.
   * @throws {TypeError} If the URL is not `s3://bucket[/prefix]`, or
   *   `AWS_MAX_ATTEMPTS` is not a whole number of at least 1.
   *
   * @example Open a store on a local S3-compatible server
   * ```ts
   * import { S3Store } from "./s3_store.ts";
   * import assert from "node:assert/strict";
   * Deno.env.set("AWS_ACCESS_KEY_ID", "AK");
   * Deno.env.set("AWS_SECRET_ACCESS_KEY", "SK");
   * Deno.env.set("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7480");
   * const store = S3Store.fromUrl("s3://datasets/ume/v1/");
   * assert.equal(store.url, "s3://datasets/ume/v1/");
   * assert.throws(() => S3Store.fromUrl("s3:/datasets"), TypeError);
   * Deno.env.set("AWS_MAX_ATTEMPTS", "many");
   * assert.throws(() => S3Store.fromUrl("s3://datasets/ume/v1/"), /Invalid AWS_MAX_ATTEMPTS "many"/);
   * Deno.env.delete("AWS_MAX_ATTEMPTS");
   * ```
   */
  static fromUrl(url: string, tuning: S3StoreTuning = {}): S3Store {
    const env = (name: S3EnvVariable): string | undefined => Deno.env.get(name) || undefined;
    const location = resolveS3Url(url, env);
    const attemptsText = env("AWS_MAX_ATTEMPTS");
    const envAttempts = attemptsText === undefined ? undefined : parseMaxAttempts(attemptsText);
    return new S3Store({
      ...tuning,
      retry: { ...tuning.retry, maxAttempts: tuning.retry?.maxAttempts ?? envAttempts },
      ...location,
      credentials: awsCredentialChain({ region: location.region }),
      url,
    });
  }

  /**
   * Fetch the credentials now, if not yet done (later requests reuse them
   * until they expire within 5 minutes): `openStore` calls it, so that a
   * task without credentials stops before any work, saying what it tried.
   *
   * @throws {NoAwsCredentialsError} If no link of the chain yields credentials.
   * @throws {StoreError} With code `"IO"` if the provider failed otherwise.
   *
   * @example Static keys are there at once
   * ```ts
   * import { S3Store } from "./s3_store.ts";
   * const store = new S3Store({
   *   bucket: "data",
   *   endpoint: "http://127.0.0.1:9",
   *   credentials: { accessKeyId: "AK", secretAccessKey: "SK" },
   * });
   * await store.checkCredentials();
   * ```
   */
  async checkCredentials(): Promise<void> {
    try {
      await this.#credentials();
    } catch (error) {
      if (error instanceof NoAwsCredentialsError) throw error;
      throw new StoreError(
        "IO",
        `Cannot get AWS credentials for ${this.url}: ${(error as Error)?.message ?? error}`,
        { cause: error },
      );
    }
  }

  /**
   * Request counters since the store was opened.
   *
   * @returns A snapshot of the counters.
   */
  get stats(): S3StoreStats {
    return { ...this.#stats };
  }

  /**
   * Read a whole object. Checks the length against `Content-Length` and,
   * when the ETag is a plain MD5, the MD5 of the bytes.
   *
   * @param key The key, relative to the store root.
   * @returns The bytes, or `undefined` if there is no such object.
   * @throws {S3Error} If the bucket is missing, access is denied, or retries run out.
   */
  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key, this.url);
    const url = this.#objectUrl(key);
    return await this.#retry("read", key, async () => {
      const reply = await this.#send("GET", url);
      if (reply.status === 200) {
        this.#checkEtag(reply, () => md5(reply.body));
        return reply.body;
      }
      if (isMissingKey(reply)) return undefined;
      throw statusFailure(reply);
    });
  }

  /**
   * Write a whole object (one PUT: atomic, idempotent). Sends `Content-MD5`
   * so the server rejects damaged bytes, and compares a plain-MD5 ETag.
   *
   * @param key The key, relative to the store root.
   * @param value The bytes to store.
   * @throws {S3Error} On a final error or when retries run out.
   */
  async set(key: string, value: Uint8Array): Promise<void> {
    checkKey(key, this.url);
    await this.#put("write", key, value, false);
  }

  /**
   * Create an object only if the key is free (`If-None-Match: *`).
   *
   * A 412 reply (the key exists), including one caused by a retry whose
   * first attempt did write, is settled by reading the object back: the call
   * succeeds when the stored bytes equal `value`. Put something unique (an
   * owner id) in `value` when using this as a claim.
   *
   * @param key The key, relative to the store root.
   * @param value The bytes to store.
   * @returns `true` if the key now holds exactly `value`; `false` if it holds other bytes.
   * @throws {S3Error} On a final error (e.g. 501 if the server lacks conditional writes).
   */
  async setIfAbsent(key: string, value: Uint8Array): Promise<boolean> {
    checkKey(key, this.url);
    for (let round = 1;; round++) {
      if (await this.#put("create", key, value, true)) return true;
      const existing = await this.get(key);
      if (existing !== undefined) return bytesEqual(existing, value);
      // Deleted between the 412 and the read: try to create it again.
      if (round >= this.#policy.maxAttempts) {
        throw new S3Error("create", key, "the object kept appearing and disappearing", {
          attempts: round,
        });
      }
    }
  }

  /**
   * Delete an object; a missing object is not an error.
   *
   * @param key The key, relative to the store root.
   * @throws {S3Error} On a final error or when retries run out.
   */
  async delete(key: string): Promise<void> {
    checkKey(key, this.url);
    const url = this.#objectUrl(key);
    await this.#retry("delete", key, async () => {
      const reply = await this.#send("DELETE", url);
      if (reply.status === 204 || reply.status === 200 || isMissingKey(reply)) return;
      throw statusFailure(reply);
    });
  }

  /**
   * Every key under the store root that starts with `prefix`, sorted
   * (ListObjectsV2, following continuation tokens).
   *
   * @param prefix A key prefix (`""` for everything).
   * @returns The keys, relative to the store root.
   * @throws {S3Error} On a final error or when retries run out.
   */
  async list(prefix = ""): Promise<string[]> {
    return (await this.#listAll(prefix)).map((o) => o.key);
  }

  /**
   * Every object under the store root whose key starts with `prefix`, sorted,
   * with the `Size` and `ETag` the listing gives (ListObjectsV2: one request
   * per 1,000 objects, no object read).
   *
   * @param prefix A key prefix (`""` for everything).
   * @returns The objects, keys relative to the store root.
   * @throws {S3Error} On a final error, when retries run out, or if the
   *   server lists an object without its `Size`.
   */
  async listObjects(prefix = ""): Promise<ObjectInfo[]> {
    return (await this.#listAll(prefix)).map((o) => {
      if (o.size === undefined) {
        throw new S3Error("list", prefix, `S3 listed "${o.key}" without its Size`, {
          attempts: 1,
        });
      }
      return o.etag === undefined ? { key: o.key, size: o.size } : {
        key: o.key,
        size: o.size,
        etag: o.etag,
      };
    });
  }

  async #listAll(prefix: string): Promise<ListedObject[]> {
    checkPrefix(prefix, this.url);
    const full = this.#root + prefix;
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      const params: [string, string][] = [
        ["list-type", "2"],
        ["max-keys", String(this.#pageSize)],
        ["prefix", full],
      ];
      if (token !== undefined) params.push(["continuation-token", token]);
      const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
      const url = `${this.#base}/?${query}`;
      const page = await this.#retry("list", prefix, async () => {
        const reply = await this.#send("GET", url);
        if (reply.status !== 200) throw statusFailure(reply);
        try {
          return parseListPage(new TextDecoder().decode(reply.body));
        } catch (error) {
          throw new Failure(false, `unreadable list response: ${(error as Error).message}`, {
            cause: error,
          });
        }
      });
      for (const object of page.objects) {
        if (!object.key.startsWith(full)) {
          throw new S3Error("list", prefix, `S3 listed "${object.key}", outside the prefix`, {
            attempts: 1,
          });
        }
        objects.push({ ...object, key: object.key.slice(this.#root.length) });
      }
      if (page.isTruncated && page.nextContinuationToken === undefined) {
        throw new S3Error("list", prefix, "S3 said the list is truncated but sent no token", {
          attempts: 1,
        });
      }
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token !== undefined);
    return objects.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  }

  /**
   * Read `length` bytes from `offset` (fewer if the object ends first; none if
   * `offset` is past the end).
   *
   * @param key The key, relative to the store root.
   * @param offset First byte to read.
   * @param length Number of bytes to read.
   * @returns The bytes, or `undefined` if there is no such object.
   * @throws {RangeError} If `offset` or `length` is negative or not an integer.
   * @throws {S3Error} On a final error or when retries run out.
   */
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    checkKey(key, this.url);
    checkRange(offset, length);
    const url = this.#objectUrl(key);
    return await this.#retry("read", key, async () => {
      if (length === 0) {
        const head = await this.#send("HEAD", url);
        if (head.status === 200) return new Uint8Array(0);
        if (isMissingKey(head)) return undefined;
        throw statusFailure(head);
      }
      const range = `bytes=${offset}-${offset + length - 1}`;
      const reply = await this.#send("GET", url, { Range: range });
      if (reply.status === 206) {
        const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(
          reply.headers.get("content-range") ?? "",
        );
        const first = match ? Number(match[1]) : NaN;
        const last = match ? Number(match[2]) : NaN;
        if (first !== offset || last - first + 1 !== reply.body.length || last >= offset + length) {
          throw new Failure(
            true,
            `range reply does not match: asked ${range}, got Content-Range ` +
              `"${reply.headers.get("content-range")}" with ${reply.body.length} bytes`,
          );
        }
        return reply.body;
      }
      if (reply.status === 200) return reply.body.slice(offset, offset + length);
      if (reply.status === 416) return new Uint8Array(0);
      if (isMissingKey(reply)) return undefined;
      throw statusFailure(reply);
    });
  }

  /**
   * Why `key` could not be stored: S3 object keys are at most 1,024 bytes
   * of UTF-8, the store's prefix included.
   *
   * @param key The key, relative to the store root.
   * @returns The reason, or `undefined` when it fits.
   */
  keyProblem(key: string): string | undefined {
    const bytes = new TextEncoder().encode(this.#root + key).length;
    return bytes > 1024
      ? `the object key of "${key}" would be ${bytes} bytes with the prefix; S3 allows 1,024`
      : undefined;
  }

  /** Nothing to release (connections are pooled by fetch); safe to call twice. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** PUT, retried; with `ifAbsent`, returns `false` on 412 instead of throwing. */
  #put(
    operation: S3Operation,
    key: string,
    value: Uint8Array,
    ifAbsent: boolean,
  ): Promise<boolean> {
    const url = this.#objectUrl(key);
    const body: Uint8Array<ArrayBuffer> = value.buffer instanceof ArrayBuffer
      ? value as Uint8Array<ArrayBuffer>
      : value.slice();
    const digest = createHash("md5").update(body).digest();
    const hex = digest.toString("hex");
    const headers: Record<string, string> = { "Content-MD5": digest.toString("base64") };
    if (ifAbsent) headers["If-None-Match"] = "*";
    return this.#retry(operation, key, async () => {
      const reply = await this.#send("PUT", url, headers, body);
      if (reply.status === 200) {
        this.#checkEtag(reply, () => hex);
        return true;
      }
      if (ifAbsent && reply.status === 412) return false;
      // AWS answers concurrent conditional writes to one key with 409: retry.
      if (ifAbsent && reply.status === 409) {
        const failure = statusFailure(reply);
        throw new Failure(true, failure.message, failure);
      }
      throw statusFailure(reply);
    });
  }

  /** Compare a plain-MD5 ETag with the MD5 of the data (computed only when needed). */
  #checkEtag(reply: Reply, localMd5: () => string): void {
    if (!this.#verify) return;
    const etag = PLAIN_MD5_ETAG.exec(reply.headers.get("etag") ?? "");
    // SSE-KMS and SSE-C objects have ETags that are not the MD5 of the data.
    const sse = reply.headers.get("x-amz-server-side-encryption") ?? "";
    if (etag === null || sse.startsWith("aws:kms")) return;
    if (reply.headers.has("x-amz-server-side-encryption-customer-algorithm")) return;
    const local = localMd5();
    if (local !== etag[1]) {
      throw new Failure(true, `MD5 ${local} of the data does not match the ETag ${etag[1]}`);
    }
  }

  #objectUrl(key: string): string {
    const full = this.#root + key;
    return `${this.#base}/${full.split("/").map(encodeURIComponent).join("/")}`;
  }

  /** A signer with the current credentials (a new one when they were refreshed). */
  async #client(): Promise<AwsClient> {
    const credentials = await this.#credentials();
    if (this.#signer?.credentials !== credentials) {
      this.#signer = {
        credentials,
        client: new AwsClient({
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken || undefined,
          service: "s3",
          region: this.#region,
          retries: 0,
        }),
      };
    }
    return this.#signer.client;
  }

  /** Run `attempt` until it succeeds, fails for good, or attempts run out. */
  async #retry<T>(operation: S3Operation, key: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1;; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof Failure)) throw error;
        if (!error.retryable || n >= this.#policy.maxAttempts) {
          throw new S3Error(operation, key, error.message, {
            status: error.status,
            code: error.code,
            attempts: n,
            cause: error.cause ?? error,
          });
        }
        this.#stats.retries++;
        await sleep(backoffDelay(this.#policy, n));
      }
    }
  }

  /**
   * One signed request with a fresh timeout, holding a concurrency permit
   * until the whole body is in. Network errors, timeouts and short bodies
   * become retryable failures; a request that cannot be built, that the
   * runtime refuses to send (no `--allow-net` for the host, an invalid URL)
   * or that no retry can fix (see `finalFetchFailure`) becomes a final one.
   */
  async #send(
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: Uint8Array<ArrayBuffer>,
  ): Promise<Reply> {
    let client: AwsClient;
    try {
      client = await this.#client();
    } catch (error) {
      const none = error instanceof NoAwsCredentialsError;
      const message = none ? error.message : `cannot get AWS credentials (${describe(error)})`;
      // No credentials ever: final. A refresh that fails once the old ones expired: the
      // endpoint may come back (an agent restarting), so the operation is retried.
      throw new Failure(!none || this.#signer !== undefined, message, { cause: error });
    }
    let request: Request;
    try {
      request = await client.sign(url, { method, headers, body });
    } catch (error) {
      throw new Failure(false, `cannot build the request (${describe(error)})`, { cause: error });
    }
    const release = await this.#gate.acquire();
    const timeoutMs = this.#policy.attemptTimeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    this.#stats.requests++;
    try {
      const response = await this.#fetch(request, { signal: controller.signal });
      const data = new Uint8Array(await response.arrayBuffer());
      const declared = response.headers.get("content-length");
      if (
        method !== "HEAD" && declared !== null && !response.headers.has("content-encoding") &&
        Number(declared) !== data.length
      ) {
        throw new Failure(true, `body was ${data.length} bytes, Content-Length said ${declared}`, {
          status: response.status,
        });
      }
      return { status: response.status, headers: response.headers, body: data };
    } catch (error) {
      if (error instanceof Failure) throw error;
      if (controller.signal.aborted) {
        throw new Failure(true, `timed out after ${timeoutMs} ms`, { cause: error });
      }
      const final = finalFetchFailure(error, url);
      if (final !== undefined) throw new Failure(false, final, { cause: error });
      throw new Failure(true, `request failed (${describe(error)})`, { cause: error });
    } finally {
      clearTimeout(timer);
      release();
    }
  }
}

/** A 404 that means "no such key" (not "no such bucket"). */
function isMissingKey(reply: Reply): boolean {
  if (reply.status !== 404) return false;
  const { code } = parseErrorBody(new TextDecoder().decode(reply.body));
  return code === undefined || code === "NoSuchKey";
}

function statusFailure(reply: Reply): Failure {
  const { code, message } = parseErrorBody(new TextDecoder().decode(reply.body));
  const detail = `S3 returned ${reply.status}${code ? ` ${code}` : ""}` +
    (message ? ` (${message})` : "");
  return new Failure(isRetryableStatus(reply.status, code), detail, { status: reply.status, code });
}

/** "TypeError: fetch failed: connection closed before message completed" from a cause chain. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && depth < 4; depth++) {
    if (!(e instanceof Error)) {
      parts.push(String(e));
      break;
    }
    parts.push(depth === 0 ? `${e.name}: ${e.message}` : e.message);
    e = e.cause;
  }
  return parts.join(": ");
}

function md5(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
