/**
 * The npm package of the store layer: aws4fetch, for SigV4 signing of S3
 * requests. Only `s3_store.ts` imports it, and `open_store.ts` loads that
 * module on demand, so local and memory stores never load aws4fetch.
 *
 * Specifiers are inline and versioned, so that `mod.ts` can be imported by
 * URL from a project that has no import map.
 *
 * @module
 */

export { AwsClient } from "npm:aws4fetch@1.0.20";
