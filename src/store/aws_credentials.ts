/**
 * AWS credentials for the S3 store: the standard credential chain
 * (environment, shared files and profiles, web identity, container,
 * instance metadata; see `./aws_credential_sources.ts`) built on the AWS
 * SDK's own credential providers, and a memoizing refresher that fetches
 * new temporary credentials before the old ones expire, so that a long job
 * outlives them.
 *
 * Permissions: the variables of `CREDENTIAL_CHAIN_VARIABLES`, read access
 * to the shared files and token files, net access to the hosts the chain
 * reaches (the task launcher grants exactly these, see
 * `scripts/_permissions.ts`). Keys in the environment need none of it, and
 * load no SDK package.
 *
 * @module
 */

import {
  loadContainerProvider,
  loadIniProvider,
  loadInstanceMetadataProvider,
  loadWebIdentityProvider,
} from "./_deps.ts";
import { type CredentialSources, credentialSources } from "./aws_credential_sources.ts";
import { DEFAULT_S3_REGION } from "./s3_location.ts";
import { StoreError } from "./store_error.ts";

/** Access keys for SigV4 signing, temporary or not. */
export interface AwsCredentials {
  /** The access key id. */
  accessKeyId: string;
  /** The secret access key. */
  secretAccessKey: string;
  /** The session token of temporary credentials. */
  sessionToken?: string;
  /** When temporary credentials expire (none: they do not). */
  expiration?: Date;
}

/** Resolves to credentials; may be called often (wrap it with {@link refreshingCredentials}). */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** One link of the chain that did not yield credentials, and why. */
export interface CredentialAttempt {
  /** The link, e.g. `"environment"`, `"web identity"`. */
  source: string;
  /** Why it yielded nothing, in our words (with the SDK's message where it failed). */
  reason: string;
}

/**
 * No link of the credential chain yielded credentials. A {@link StoreError}
 * with code `"NO_CREDENTIALS"`; `tried` lists every link and why it gave
 * nothing, in the chain's order.
 *
 * @example
 * ```ts
 * import { NoAwsCredentialsError } from "./aws_credentials.ts";
 * import assert from "node:assert/strict";
 * const error = new NoAwsCredentialsError([
 *   { source: "environment", reason: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set" },
 * ]);
 * assert.equal(error.code, "NO_CREDENTIALS");
 * assert.match(error.message, /^No AWS credentials found\. Tried, in order:\n {2}1\. environment: /);
 * ```
 */
export class NoAwsCredentialsError extends StoreError {
  /** Every link tried, in order. */
  readonly tried: CredentialAttempt[];

  /**
   * Build the error.
   *
   * @param tried The links tried and why each gave nothing.
   * @param options The last underlying error, if any.
   */
  constructor(tried: CredentialAttempt[], options?: ErrorOptions) {
    const lines = tried.map((t, i) => `  ${i + 1}. ${t.source}: ${t.reason}`);
    super(
      "NO_CREDENTIALS",
      `No AWS credentials found. Tried, in order:\n${lines.join("\n")}\n` +
        "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role " +
        "is provided (ECS/AWS Batch task role, EKS service account or Pod Identity, EC2 instance profile)",
      options,
    );
    this.name = "NoAwsCredentialsError";
    this.tried = tried;
  }
}

/** Options of {@link awsCredentialChain}. */
export interface CredentialChainOptions {
  /** Reads a variable (default: this process's environment; a variable not granted reads as unset). */
  env?: (name: string) => string | undefined;
  /** The signing region, also STS's (default `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`). */
  region?: string;
}

/** What the SDK providers resolve to (a superset of {@link AwsCredentials}). */
interface SdkCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * The standard AWS credential chain: each call walks the links in order and
 * returns the first credentials found (it does not memoize: wrap it with
 * {@link refreshingCredentials}). Keys in the environment win and load
 * nothing; the other links use the AWS SDK's providers, each loaded only
 * when the chain gets to it and the environment says it applies. A link
 * that is not configured, or whose provider says "try the next one", is
 * skipped; a configured link that fails for real (STS refused the token, a
 * profile that needs a program the task may not run) ends the walk.
 *
 * @param options The environment reader and the region.
 * @returns The provider; it rejects with {@link NoAwsCredentialsError}
 *   listing what was tried when no link yields credentials.
 *
 * @example Keys in the environment
 * ```ts
 * import { awsCredentialChain } from "./aws_credentials.ts";
 * import assert from "node:assert/strict";
 * const env: Record<string, string> = { AWS_ACCESS_KEY_ID: "AK", AWS_SECRET_ACCESS_KEY: "SK" };
 * const credentials = await awsCredentialChain({ env: (name) => env[name] })();
 * assert.deepEqual(credentials, { accessKeyId: "AK", secretAccessKey: "SK" });
 * ```
 *
 * @example Nothing configured: the error lists every link
 * ```ts
 * import { awsCredentialChain, NoAwsCredentialsError } from "./aws_credentials.ts";
 * import assert from "node:assert/strict";
 * const env: Record<string, string> = { AWS_EC2_METADATA_DISABLED: "true" };
 * await assert.rejects(awsCredentialChain({ env: (name) => env[name] })(), (e: unknown) => {
 *   assert.ok(e instanceof NoAwsCredentialsError);
 *   assert.deepEqual(e.tried.map((t) => t.source), [
 *     "environment", "shared files", "web identity", "container", "instance metadata",
 *   ]);
 *   return true;
 * });
 * ```
 */
export function awsCredentialChain(options: CredentialChainOptions = {}): AwsCredentialProvider {
  const env = options.env ?? grantedEnv;
  const read = (name: string): string | undefined => env(name) || undefined;
  return async (): Promise<AwsCredentials> => {
    const tried: CredentialAttempt[] = [];
    const fromEnvironment = environmentCredentials(read);
    if ("credentials" in fromEnvironment) return fromEnvironment.credentials;
    tried.push({ source: "environment", reason: fromEnvironment.reason });
    const region = options.region ?? read("AWS_REGION") ?? read("AWS_DEFAULT_REGION") ??
      DEFAULT_S3_REGION;
    const sources = credentialSources(read, region);
    const clientConfig = { region: sources.sts.region, endpoint: sources.sts.endpoint };
    for (const link of LINKS) {
      const why = link.skip(sources, read);
      if (why !== undefined) {
        tried.push({ source: link.source, reason: why });
        continue;
      }
      try {
        return toCredentials(await link.fetch(sources, clientConfig));
      } catch (error) {
        tried.push({ source: link.source, reason: link.explain(sources, error) });
        if ((error as { tryNextLink?: boolean })?.tryNextLink !== true) {
          for (const rest of LINKS.slice(LINKS.indexOf(link) + 1)) {
            tried.push({ source: rest.source, reason: "not tried: the link above failed" });
          }
          throw new NoAwsCredentialsError(tried, { cause: error });
        }
      }
    }
    throw new NoAwsCredentialsError(tried);
  };
}

/** A link after the environment: when it does not apply, how it fetches, how its failure reads. */
interface Link {
  source: string;
  skip(sources: CredentialSources, read: (name: string) => string | undefined): string | undefined;
  fetch(
    sources: CredentialSources,
    clientConfig: { region: string; endpoint: string },
  ): Promise<SdkCredentials>;
  explain(sources: CredentialSources, error: unknown): string;
}

const LINKS: Link[] = [
  {
    source: "shared files",
    skip(sources): string | undefined {
      const files = [sources.credentialsFile, sources.configFile].filter((f) => f !== undefined);
      if (files.length === 0) {
        return "no home folder (HOME is not set) and neither AWS_SHARED_CREDENTIALS_FILE nor AWS_CONFIG_FILE";
      }
      if (!files.some(isFile)) return `neither ${files.join(" nor ")} exists`;
      return undefined;
    },
    async fetch(sources, clientConfig): Promise<SdkCredentials> {
      const { fromIni } = await loadIniProvider();
      return await fromIni({
        profile: sources.profile,
        filepath: sources.credentialsFile,
        configFilepath: sources.configFile,
        clientConfig,
      })();
    },
    explain(sources, error): string {
      const files = [sources.credentialsFile, sources.configFile].filter((f) => f !== undefined);
      const why = describe(error);
      // AWS SSO needs its token cache and portal, credential_process a program: neither is granted.
      const hint = /permissions do not allow|SSO/.test(why)
        ? "; a profile that uses AWS SSO or credential_process cannot run under the task's " +
          `permissions: export its keys first (eval "$(aws configure export-credentials --format env)")`
        : "";
      return `profile "${sources.profile}" of ${files.join(" and ")}: ${
        why.replace(/\.$/, "")
      }${hint}`;
    },
  },
  {
    source: "web identity",
    skip(sources, read): string | undefined {
      if (sources.webIdentityTokenFile !== undefined) return undefined;
      return read("AWS_WEB_IDENTITY_TOKEN_FILE") === undefined
        ? "AWS_WEB_IDENTITY_TOKEN_FILE is not set"
        : "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not";
    },
    async fetch(_sources, clientConfig): Promise<SdkCredentials> {
      const { fromTokenFile } = await loadWebIdentityProvider();
      return await fromTokenFile({ clientConfig })();
    },
    explain(sources, error): string {
      return `token file ${sources.webIdentityTokenFile}, STS at ${sources.sts.endpoint}: ${
        describe(error)
      }`;
    },
  },
  {
    source: "container",
    skip(sources): string | undefined {
      return sources.containerUrl === undefined
        ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set"
        : undefined;
    },
    async fetch(): Promise<SdkCredentials> {
      const { fromHttp } = await loadContainerProvider();
      return await fromHttp({})();
    },
    explain(sources, error): string {
      return `${sources.containerUrl}: ${describe(error)}`;
    },
  },
  {
    source: "instance metadata",
    skip(sources): string | undefined {
      if (sources.imdsEndpoint !== undefined) return undefined;
      return sources.containerUrl !== undefined
        ? "not tried: the container variables are set"
        : "disabled by AWS_EC2_METADATA_DISABLED";
    },
    async fetch(): Promise<SdkCredentials> {
      const { fromInstanceMetadata } = await loadInstanceMetadataProvider();
      return await fromInstanceMetadata({})();
    },
    explain(sources, error): string {
      return `${sources.imdsEndpoint}: ${describe(error)}`;
    },
  },
];

/** The first link: keys in the environment, read here (loading no SDK package). */
function environmentCredentials(
  read: (name: string) => string | undefined,
): { credentials: AwsCredentials } | { reason: string } {
  const accessKeyId = read("AWS_ACCESS_KEY_ID");
  const secretAccessKey = read("AWS_SECRET_ACCESS_KEY");
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    return {
      reason: accessKeyId === undefined && secretAccessKey === undefined
        ? "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"
        : `${accessKeyId === undefined ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"} is not set`,
    };
  }
  const credentials: AwsCredentials = { accessKeyId, secretAccessKey };
  const sessionToken = read("AWS_SESSION_TOKEN");
  if (sessionToken !== undefined) credentials.sessionToken = sessionToken;
  const expiration = read("AWS_CREDENTIAL_EXPIRATION");
  if (expiration !== undefined && !Number.isNaN(Date.parse(expiration))) {
    credentials.expiration = new Date(expiration);
  }
  return { credentials };
}

function toCredentials(sdk: SdkCredentials): AwsCredentials {
  const credentials: AwsCredentials = {
    accessKeyId: sdk.accessKeyId,
    secretAccessKey: sdk.secretAccessKey,
  };
  if (sdk.sessionToken) credentials.sessionToken = sdk.sessionToken;
  if (sdk.expiration instanceof Date) credentials.expiration = sdk.expiration;
  return credentials;
}

/** This process's environment; a variable the process may not read counts as unset. */
function grantedEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name);
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** An SDK failure in a few words; a permission refusal says the task may not do it. */
function describe(error: unknown): string {
  // The SDK passes a refusal on as an error of its own, with the runtime's text in the message.
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const refusal = /Requires \w+ access(?: to "[^"]*")?/.exec(e.message);
    if (refusal !== null) return `the task's permissions do not allow it (${refusal[0]})`;
    const lookup = /getaddrinfo EPERM (\S+)/.exec(e.message);
    if (lookup !== null) {
      return `the task's permissions do not allow it (Requires net access to "${lookup[1]}")`;
    }
  }
  if (!(error instanceof Error)) return String(error);
  const name = error.name && !/^(Error|CredentialsProviderError|ProviderError)$/.test(error.name)
    ? `${error.name}: `
    : "";
  return `${name}${error.message}`.replace(/\s+/g, " ").trim();
}

/** Options of {@link refreshingCredentials}. */
export interface RefreshOptions {
  /** Fetch new credentials when the current ones expire within this many ms (default 5 minutes). */
  refreshMarginMs?: number;
  /** The clock, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

/** The default of {@link RefreshOptions.refreshMarginMs}: 5 minutes, as the AWS SDKs do. */
export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Memoize a credential provider and refresh before expiry: the first call
 * fetches; later calls return the same credentials until they expire
 * within the margin (default 5 minutes), then fetch new ones. Concurrent
 * callers share one fetch. Credentials without `expiration` are kept for
 * good. When a refresh fails while the current credentials have not yet
 * expired, they are used on (and the next call tries again); once expired,
 * the failure is thrown.
 *
 * @param provider Fetches credentials.
 * @param options Margin and clock.
 * @returns The memoizing provider.
 *
 * @example An expiring credential is refreshed 5 minutes before it expires
 * ```ts
 * import { refreshingCredentials } from "./aws_credentials.ts";
 * import assert from "node:assert/strict";
 * let clock = 0;
 * let fetched = 0;
 * const credentials = refreshingCredentials(() => {
 *   fetched++;
 *   return Promise.resolve({
 *     accessKeyId: `AK${fetched}`,
 *     secretAccessKey: "SK",
 *     expiration: new Date(clock + 15 * 60_000),
 *   });
 * }, { now: () => clock });
 * assert.equal((await credentials()).accessKeyId, "AK1");
 * clock = 9 * 60_000; // 6 minutes left: still good
 * assert.equal((await credentials()).accessKeyId, "AK1");
 * clock = 10 * 60_000 + 1; // less than 5 minutes left: refreshed
 * assert.equal((await credentials()).accessKeyId, "AK2");
 * assert.equal(fetched, 2);
 * ```
 */
export function refreshingCredentials(
  provider: AwsCredentialProvider,
  options: RefreshOptions = {},
): AwsCredentialProvider {
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const now = options.now ?? Date.now;
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  const fetch = (): Promise<AwsCredentials> => {
    pending ??= provider().then((fresh) => {
      current = fresh;
      return fresh;
    }).finally(() => {
      pending = undefined;
    });
    return pending;
  };
  return async (): Promise<AwsCredentials> => {
    if (current === undefined) return await fetch();
    const expires = current.expiration?.getTime();
    if (expires === undefined || expires - now() >= margin) return current;
    const stale = current;
    try {
      return await fetch();
    } catch (error) {
      if (expires > now()) return stale;
      throw error;
    }
  };
}
