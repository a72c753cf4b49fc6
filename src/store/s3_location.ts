/**
 * Where the requests of an S3 store go: the environment variables an
 * `s3://bucket/prefix` URL is resolved with, and the base URL built from
 * bucket, region and endpoint. `S3Store` uses it to send requests; the
 * task launcher (`scripts/launch.ts`) uses it to grant a run network access
 * to exactly that host. This module imports nothing, so the launcher loads
 * no npm package.
 *
 * @module
 */

/**
 * Every environment variable `S3Store.fromUrl` reads: credentials,
 * region, endpoint and retry attempts. A task on an `s3://` location is
 * granted these and no other `AWS_*` variable.
 *
 * @example
 * ```ts
 * import { S3_ENV_VARIABLES } from "./s3_location.ts";
 * import assert from "node:assert/strict";
 * assert.ok(S3_ENV_VARIABLES.includes("AWS_SECRET_ACCESS_KEY"));
 * assert.ok(S3_ENV_VARIABLES.every((name) => name.startsWith("AWS_")));
 * ```
 */
export const S3_ENV_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL_S3",
  "AWS_ENDPOINT_URL",
  "AWS_MAX_ATTEMPTS",
] as const;

/** One of {@link S3_ENV_VARIABLES}. */
export type S3EnvVariable = typeof S3_ENV_VARIABLES[number];

/**
 * The variables that decide which host an `s3://` URL reaches (region and
 * endpoint, never the keys): all {@link resolveS3Url} reads.
 *
 * @example
 * ```ts
 * import { S3_ENDPOINT_VARIABLES } from "./s3_location.ts";
 * import assert from "node:assert/strict";
 * assert.ok(!S3_ENDPOINT_VARIABLES.some((name) => name.includes("KEY")));
 * ```
 */
export const S3_ENDPOINT_VARIABLES = [
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL_S3",
  "AWS_ENDPOINT_URL",
] as const satisfies readonly S3EnvVariable[];

/** One of {@link S3_ENDPOINT_VARIABLES}. */
export type S3EndpointVariable = typeof S3_ENDPOINT_VARIABLES[number];

/** The signing region when none is configured. */
export const DEFAULT_S3_REGION = "us-east-1";

/** An `s3://bucket/prefix` URL resolved with the environment. */
export interface S3Location {
  /** The bucket name, as written in the URL. */
  bucket: string;
  /** The key prefix (`""` for the whole bucket), as written in the URL. */
  prefix: string;
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`, else {@link DEFAULT_S3_REGION}. */
  region: string;
  /** `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else `undefined` (AWS S3). */
  endpoint?: string;
}

/**
 * Resolve an `s3://bucket/prefix` URL with the standard environment
 * variables (an empty variable counts as unset).
 *
 * @param url The URL.
 * @param env Reads one of {@link S3_ENDPOINT_VARIABLES}.
 * @returns Bucket, prefix, region and endpoint.
 * @throws {TypeError} If the URL is not `s3://bucket[/prefix]`.
 *
 * @example A custom endpoint
 * ```ts
 * import { resolveS3Url } from "./s3_location.ts";
 * import assert from "node:assert/strict";
 * const env: Record<string, string> = { AWS_ENDPOINT_URL: "http://127.0.0.1:7480" };
 * assert.deepEqual(resolveS3Url("s3://data/runs/1", (name) => env[name]), {
 *   bucket: "data",
 *   prefix: "runs/1",
 *   region: "us-east-1",
 *   endpoint: "http://127.0.0.1:7480",
 * });
 * assert.throws(() => resolveS3Url("s3:/data", () => undefined), TypeError);
 * ```
 */
export function resolveS3Url(
  url: string,
  env: (name: S3EndpointVariable) => string | undefined,
): S3Location {
  const match = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(url);
  if (match === null) {
    throw new TypeError(`Invalid S3 URL "${url}": expected s3://bucket/prefix`);
  }
  const read = (name: S3EndpointVariable): string | undefined => env(name) || undefined;
  return {
    bucket: match[1],
    prefix: match[2] ?? "",
    region: read("AWS_REGION") ?? read("AWS_DEFAULT_REGION") ?? DEFAULT_S3_REGION,
    endpoint: read("AWS_ENDPOINT_URL_S3") ?? read("AWS_ENDPOINT_URL"),
  };
}

const DNS_LABEL_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * The URL every request of a bucket starts with: path-style
 * (`endpoint/bucket`) with a custom endpoint or a bucket name that is not a
 * plain DNS label, else a virtual host (`https://bucket.s3.<region>.amazonaws.com`).
 *
 * @param bucket The bucket name.
 * @param options The region (default {@link DEFAULT_S3_REGION}), a custom
 *   endpoint (default AWS S3 at `https://s3.<region>.amazonaws.com`), and
 *   whether to force path-style addressing.
 * @returns The base URL, without a trailing slash.
 * @throws {TypeError} If the endpoint is not an http or https URL.
 *
 * @example AWS S3 and a local server
 * ```ts
 * import { s3BaseUrl } from "./s3_location.ts";
 * import assert from "node:assert/strict";
 * assert.equal(s3BaseUrl("data", { region: "eu-west-1" }), "https://data.s3.eu-west-1.amazonaws.com");
 * assert.equal(s3BaseUrl("my.data"), "https://s3.us-east-1.amazonaws.com/my.data");
 * assert.equal(s3BaseUrl("data", { endpoint: "http://127.0.0.1:7480" }), "http://127.0.0.1:7480/data");
 * ```
 */
export function s3BaseUrl(
  bucket: string,
  options: { region?: string; endpoint?: string; pathStyle?: boolean } = {},
): string {
  const region = options.region ?? DEFAULT_S3_REGION;
  const pathStyle = options.pathStyle ??
    (options.endpoint !== undefined || !DNS_LABEL_BUCKET.test(bucket));
  const endpoint = new URL(options.endpoint ?? `https://s3.${region}.amazonaws.com`);
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
    throw new TypeError(`Invalid S3 endpoint: "${options.endpoint}": expected http or https`);
  }
  const endpointPath = endpoint.pathname.replace(/\/+$/, "");
  return pathStyle
    ? `${endpoint.origin}${endpointPath}/${encodeURIComponent(bucket)}`
    : `${endpoint.protocol}//${bucket}.${endpoint.host}${endpointPath}`;
}
