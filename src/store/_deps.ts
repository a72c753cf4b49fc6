/**
 * The npm packages of the store layer: aws4fetch, for SigV4 signing of S3
 * requests, and the AWS SDK's credential providers, which the credential
 * chain (`aws_credentials.ts`) loads one at a time, only when it gets to
 * their link (each costs 100 to 250 ms to load, and most runs never need
 * one: keys in the environment need no package at all). Only `s3_store.ts`
 * and `aws_credentials.ts` import this module, and `open_store.ts` loads
 * them on demand, so local and memory stores never load these packages.
 *
 * Specifiers are inline and versioned, so that `mod.ts` can be imported by
 * URL from a project that has no import map.
 *
 * @module
 */

export { AwsClient } from "npm:aws4fetch@1.0.20";

/**
 * Load the shared config and credentials file provider (profiles,
 * `AWS_PROFILE`, roles assumed through STS).
 *
 * @returns The module.
 */
export function loadIniProvider(): Promise<
  typeof import("npm:@aws-sdk/credential-provider-ini@3.973.32")
> {
  return import("npm:@aws-sdk/credential-provider-ini@3.973.32");
}

/**
 * Load the web identity provider (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, STS).
 *
 * @returns The module.
 */
export function loadWebIdentityProvider(): Promise<
  typeof import("npm:@aws-sdk/credential-provider-web-identity@3.972.92")
> {
  return import("npm:@aws-sdk/credential-provider-web-identity@3.972.92");
}

/**
 * Load the container credentials provider (`AWS_CONTAINER_CREDENTIALS_*`).
 *
 * @returns The module.
 */
export function loadContainerProvider(): Promise<
  typeof import("npm:@aws-sdk/credential-provider-http@3.972.88")
> {
  return import("npm:@aws-sdk/credential-provider-http@3.972.88");
}

/**
 * Load the EC2 instance metadata provider (IMDSv2).
 *
 * @returns The module.
 */
export function loadInstanceMetadataProvider(): Promise<
  typeof import("npm:@smithy/credential-provider-imds@4.5.2")
> {
  return import("npm:@smithy/credential-provider-imds@4.5.2");
}
