/**
 * Where the AWS credential chain looks, worked out from the environment
 * alone: the variables it reads, the files it may read, the hosts it may
 * reach. The chain (`./aws_credentials.ts`) acts on this plan, and the task
 * launcher (`scripts/launch.ts`) grants exactly what the plan names, so the
 * two cannot disagree. This module imports nothing, so the launcher loads no
 * npm package.
 *
 * The chain's links, in the usual order of the AWS SDKs and CLI:
 * 1. environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and
 *    `AWS_SESSION_TOKEN`, `AWS_CREDENTIAL_EXPIRATION`);
 * 2. shared files: the profile `AWS_PROFILE` (default `default`) of
 *    `AWS_SHARED_CREDENTIALS_FILE` (`~/.aws/credentials`) and
 *    `AWS_CONFIG_FILE` (`~/.aws/config`), including profiles that assume a
 *    role through STS;
 * 3. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` through STS
 *    AssumeRoleWithWebIdentity (EKS IAM roles for service accounts);
 * 4. container: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (at
 *    `http://169.254.170.2`, ECS and AWS Batch) or `_FULL_URI` (EKS Pod
 *    Identity), with `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]`;
 * 5. instance metadata (IMDSv2, EC2), unless the container variables are set
 *    or `AWS_EC2_METADATA_DISABLED=true`.
 *
 * @module
 */

/**
 * The variables the launcher reads to plan the grants of a task on S3
 * (besides the region and endpoint variables): where the chain will look.
 * It reads whether the two key variables are set, not what they hold.
 */
export const CREDENTIAL_LOCATOR_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "HOME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_ENDPOINT_URL_STS",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
] as const;

/** One of {@link CREDENTIAL_LOCATOR_VARIABLES}. */
export type CredentialLocatorVariable = typeof CREDENTIAL_LOCATOR_VARIABLES[number];

/**
 * Every variable the chain and the AWS SDK credential providers it loads
 * read when the keys are not in the environment (measured with
 * `DENO_AUDIT_PERMISSIONS` over every link, and checked against the
 * providers' source). Deno refuses a read of any other variable, so a task
 * on S3 is granted these and no other. Besides the chain's own
 * ({@link CREDENTIAL_LOCATOR_VARIABLES}, `AWS_SESSION_TOKEN`, ...) they are
 * settings the SDK's STS client and providers look up (FIPS, dual stack,
 * retry mode, user agent, Lambda detection) and the home folder variables
 * of `~/.aws`.
 *
 * @example
 * ```ts
 * import { CREDENTIAL_CHAIN_VARIABLES, CREDENTIAL_LOCATOR_VARIABLES } from "./aws_credential_sources.ts";
 * import assert from "node:assert/strict";
 * assert.ok(CREDENTIAL_LOCATOR_VARIABLES.every((name) => CREDENTIAL_CHAIN_VARIABLES.includes(name)));
 * assert.ok(CREDENTIAL_CHAIN_VARIABLES.includes("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
 * ```
 */
export const CREDENTIAL_CHAIN_VARIABLES: readonly string[] = [
  ...CREDENTIAL_LOCATOR_VARIABLES,
  // environment link
  "AWS_SESSION_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_CREDENTIAL_SCOPE",
  "AWS_ACCOUNT_ID",
  // home folder (the SDK's getHomeDir)
  "USERPROFILE",
  "HOMEPATH",
  "HOMEDRIVE",
  // web identity
  "AWS_ROLE_SESSION_NAME",
  // container
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  // instance metadata
  "AWS_EC2_METADATA_V1_DISABLED",
  // the SDK's STS client: region, endpoint, retries, user agent, defaults mode
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_USE_DUALSTACK_ENDPOINT",
  "AWS_AUTH_SCHEME_PREFERENCE",
  "AWS_SIGV4A_SIGNING_REGION_SET",
  "AWS_ACCOUNT_ID_ENDPOINT_MODE",
  "AWS_MAX_ATTEMPTS",
  "AWS_RETRY_MODE",
  "AWS_DISABLE_CLOCK_SKEW_CORRECTION",
  "AWS_DEFAULTS_MODE",
  "AWS_SDK_UA_APP_ID",
  "AWS_EXECUTION_ENV",
  "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED",
  "AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_MAX_CONCURRENCY",
  "AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA",
  "AWS_LAMBDA_BENCHMARK_MODE",
  "_X_AMZN_TRACE_ID",
];

/** The container credentials host of `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (ECS, AWS Batch). */
export const ECS_CONTAINER_HOST = "http://169.254.170.2";

/** The instance metadata endpoint (IPv4). */
export const IMDS_ENDPOINT = "http://169.254.169.254";

/** The instance metadata endpoint with `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`. */
export const IMDS_ENDPOINT_IPV6 = "http://[fd00:ec2::254]";

/** Where the chain looks, for one environment. */
export interface CredentialSources {
  /**
   * `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are both set: the first
   * link answers, and nothing below is needed.
   */
  environmentKeys: boolean;
  /** The profile name (`AWS_PROFILE`, else `default`). */
  profile: string;
  /** The shared config file (`AWS_CONFIG_FILE`, else `~/.aws/config`), if a home is known. */
  configFile?: string;
  /** The shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`). */
  credentialsFile?: string;
  /** `AWS_WEB_IDENTITY_TOKEN_FILE` when `AWS_ROLE_ARN` is set too. */
  webIdentityTokenFile?: string;
  /**
   * STS, for web identity and for profiles that assume a role: region and
   * endpoint (`AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else
   * `https://sts.<region>.amazonaws.com`).
   */
  sts: { region: string; endpoint: string };
  /** The container credentials URL, when a container variable is set. */
  containerUrl?: string;
  /** `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, when set. */
  containerTokenFile?: string;
  /** The instance metadata endpoint, unless disabled or a container variable is set. */
  imdsEndpoint?: string;
}

/**
 * Work out where the chain looks (see the module documentation for the
 * order). Empty variables count as unset.
 *
 * @param env Reads a variable.
 * @param region The signing region (for STS).
 * @returns The sources.
 *
 * @example A pod of an AWS Batch job: the job role comes from the container endpoint
 * ```ts
 * import { credentialSources } from "./aws_credential_sources.ts";
 * import assert from "node:assert/strict";
 * const env: Record<string, string> = { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/abc", HOME: "/root" };
 * const sources = credentialSources((name) => env[name], "eu-west-1");
 * assert.equal(sources.environmentKeys, false);
 * assert.equal(sources.containerUrl, "http://169.254.170.2/v2/credentials/abc");
 * assert.equal(sources.imdsEndpoint, undefined);
 * assert.equal(sources.configFile, "/root/.aws/config");
 * assert.equal(sources.sts.endpoint, "https://sts.eu-west-1.amazonaws.com");
 * ```
 */
export function credentialSources(
  env: (name: string) => string | undefined,
  region: string,
): CredentialSources {
  const read = (name: string): string | undefined => env(name) || undefined;
  const home = read("HOME") ?? read("USERPROFILE") ??
    (read("HOMEPATH") !== undefined
      ? `${read("HOMEDRIVE") ?? "C:"}${read("HOMEPATH")}`
      : undefined);
  const inHome = (file: string): string | undefined =>
    home === undefined ? undefined : `${home.replace(/[\\/]+$/, "")}/.aws/${file}`;
  const relative = read("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const full = read("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  const containerUrl = relative !== undefined ? `${ECS_CONTAINER_HOST}${relative}` : full;
  const imdsDisabled = (read("AWS_EC2_METADATA_DISABLED") ?? "false").toLowerCase() !== "false";
  const imdsEndpoint = read("AWS_EC2_METADATA_SERVICE_ENDPOINT") ??
    (read("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")?.toLowerCase() === "ipv6"
      ? IMDS_ENDPOINT_IPV6
      : IMDS_ENDPOINT);
  const tokenFile = read("AWS_WEB_IDENTITY_TOKEN_FILE");
  return {
    environmentKeys: read("AWS_ACCESS_KEY_ID") !== undefined &&
      read("AWS_SECRET_ACCESS_KEY") !== undefined,
    profile: read("AWS_PROFILE") ?? "default",
    configFile: read("AWS_CONFIG_FILE") ?? inHome("config"),
    credentialsFile: read("AWS_SHARED_CREDENTIALS_FILE") ?? inHome("credentials"),
    webIdentityTokenFile: tokenFile !== undefined && read("AWS_ROLE_ARN") !== undefined
      ? tokenFile
      : undefined,
    sts: {
      region,
      endpoint: read("AWS_ENDPOINT_URL_STS") ?? read("AWS_ENDPOINT_URL") ??
        `https://sts.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`,
    },
    containerUrl,
    containerTokenFile: containerUrl === undefined
      ? undefined
      : read("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
    imdsEndpoint: containerUrl !== undefined || imdsDisabled ? undefined : imdsEndpoint,
  };
}

/**
 * The `host:port` a URL connects to (port 80 or 443 unless given), or
 * `undefined` for a URL that is not http or https.
 *
 * @param url The URL.
 * @returns The host and port, as Deno's `--allow-net` names them.
 *
 * @example
 * ```ts
 * import { hostPort } from "./aws_credential_sources.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hostPort("http://169.254.170.2/v2/credentials/x"), "169.254.170.2:80");
 * assert.equal(hostPort("https://sts.eu-west-1.amazonaws.com"), "sts.eu-west-1.amazonaws.com:443");
 * assert.equal(hostPort("http://[fd00:ec2::254]"), "[fd00:ec2::254]:80");
 * assert.equal(hostPort("not a url"), undefined);
 * ```
 */
export function hostPort(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === "https:" ? "443" : "80")}`;
}
