/**
 * Network permission failures in our words: which host the process may not
 * reach and why, never the runtime's advice to run again with `--allow-net`.
 *
 * @module
 */

/**
 * The `host:port` of a runtime refusal to open a network connection
 * (`Deno.errors.NotCapable` "Requires net access to ..."), if `error` or
 * any error in its cause chain is one.
 *
 * @param error Any thrown value.
 * @returns The host and port as the runtime names them, or `undefined`.
 *
 * @example
 * ```ts
 * import { deniedNetHost } from "./net_error.ts";
 * import assert from "node:assert/strict";
 * const denied = new Deno.errors.NotCapable(
 *   'Requires net access to "minio.internal:9000", run again with the --allow-net flag',
 * );
 * assert.equal(deniedNetHost(new Error("x", { cause: denied })), "minio.internal:9000");
 * assert.equal(deniedNetHost(new TypeError("fetch failed")), undefined);
 * ```
 */
export function deniedNetHost(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (!(e instanceof Deno.errors.NotCapable)) continue;
    const host = /\bnet access to "([^"]+)"/.exec(e.message)?.[1];
    if (host !== undefined) return host;
  }
  return undefined;
}

/**
 * Explain that this process may not connect to `host`: the ume-data tasks
 * grant network access only to the endpoint of the store they work on.
 *
 * @param host The `host:port` that was refused.
 * @returns A phrase for after a colon.
 *
 * @example The runtime's advice is not repeated
 * ```ts
 * import { describeNetDenial } from "./net_error.ts";
 * import assert from "node:assert/strict";
 * const text = describeNetDenial("minio.internal:9000");
 * assert.match(text, /"minio\.internal:9000"/);
 * assert.doesNotMatch(text, /run again/);
 * ```
 */
export function describeNetDenial(host: string): string {
  return `this process is not permitted to reach "${host}": the deno tasks may connect only to ` +
    `the endpoint of the S3 location they work on (from the s3:// URL and AWS_ENDPOINT_URL_S3 ` +
    `or AWS_ENDPOINT_URL; see "Permissions" in the README)`;
}
