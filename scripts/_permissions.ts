/**
 * The permissions of one task run, worked out from its arguments before it
 * starts (Deno grants permissions when a process starts and cannot narrow a
 * global grant later): a local run may write only under its output, an S3
 * run may reach only its endpoint, and each run reads only the environment
 * variables it uses. `launch.ts` starts the task script with exactly these.
 *
 * The arguments are parsed with the task's own flag definitions
 * (`_flags.ts`), and locations are worked out as the task script does.
 * Arguments the task will refuse (a bad flag, an unreadable config file, a
 * `memory://` location) get no grant beyond the minimum: the script then
 * reports them itself, with its own message and exit code 2.
 *
 * Imports no npm package (the launcher, which may start processes, loads it).
 *
 * @module
 */

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_OUTPUT, SHARD_INDEX_VARIABLES } from "../src/pipeline/defaults.ts";
import {
  resolveS3Url,
  S3_ENDPOINT_VARIABLES,
  S3_ENV_VARIABLES,
  s3BaseUrl,
  type S3EndpointVariable,
} from "../src/store/s3_location.ts";
import {
  CREDENTIAL_CHAIN_VARIABLES,
  CREDENTIAL_LOCATOR_VARIABLES,
  type CredentialLocatorVariable,
  credentialSources,
  hostPort,
} from "../src/store/aws_credential_sources.ts";
import { gitHashReadPaths } from "../src/manifest/git_hash.ts";
import { UsageError } from "../src/usage_error.ts";
import { DEBUG_VARIABLE, parseFlags } from "./_cli.ts";
import {
  defaultReportOut,
  FINALIZE_FLAGS,
  GENERATE_FLAGS,
  REPORT_FLAGS,
  reportPartialPath,
  type TaskName,
  URL_SCHEME,
  VALIDATE_FLAGS,
} from "./_flags.ts";

/** What one task run may touch; an empty list grants nothing of that kind. */
export interface TaskPermissions {
  /** Files and folders it may read (absolute paths). */
  read: string[];
  /** Files and folders it may write (absolute paths). */
  write: string[];
  /** Hosts it may reach, as `host:port`. */
  net: string[];
  /** Environment variables it may read. */
  env: string[];
  /** System information it may read (`Deno.permissions` names). */
  sys: string[];
}

/**
 * Reads one of the variables that decide an S3 location's host, or where
 * the credential chain will look.
 */
export type EndpointEnv = (
  name: S3EndpointVariable | CredentialLocatorVariable,
) => string | undefined;

/**
 * The variables the launcher itself may read (`deno.json` grants it exactly
 * these): the region and endpoint of an S3 location, and where the
 * credential chain will look (of the two key variables, only whether they
 * are set matters).
 */
export const LAUNCHER_ENV_VARIABLES: readonly string[] = [
  ...new Set<string>([...S3_ENDPOINT_VARIABLES, ...CREDENTIAL_LOCATOR_VARIABLES]),
];

/** The repository folder, as the task scripts name it for {@link gitHashReadPaths}. */
const REPOSITORY = new URL("..", import.meta.url).pathname;
/** The library's source: worker threads load their modules from it, and Deno checks read access. */
const LIBRARY_SOURCE = fileURLToPath(new URL("../src", import.meta.url));

/**
 * Work out the permissions of `deno task <task> ...args`.
 *
 * - every task: env `UME_DEBUG`;
 * - a local location (path or `file://`): read it, and write it unless the
 *   task only reads (`validate`, `report`'s dataset);
 * - an `s3://` location: net to the one `host:port` its requests go to, env
 *   `S3_ENV_VARIABLES`; no write; unless both keys are in the environment,
 *   what the credential chain needs (see {@link grantCredentialChain});
 * - `generate`: read its `--config` file, the library source (worker
 *   threads), the git files of the commit hash; sys `systemMemoryInfo`; env
 *   the shard index variables with `--shard auto/N`;
 * - `finalize`: the git files of the commit hash;
 * - `report`: read and write only `--out` and its temporary file.
 *
 * @param task The task.
 * @param args Its arguments.
 * @param env Reads the region and endpoint variables (default: this process's environment).
 * @returns The permissions.
 */
export async function taskPermissions(
  task: TaskName,
  args: readonly string[],
  env: EndpointEnv = (name) => Deno.env.get(name),
): Promise<TaskPermissions> {
  const granted: TaskPermissions = { read: [], write: [], net: [], env: [DEBUG_VARIABLE], sys: [] };
  try {
    switch (task) {
      case "generate":
        await generate(granted, args, env);
        break;
      case "finalize": {
        const v = parseFlags(args, FINALIZE_FLAGS);
        if (!v.help && grantLocation(granted, v.output, "write", env)) {
          granted.read.push(...await gitFiles());
        }
        break;
      }
      case "validate": {
        const v = parseFlags(args, VALIDATE_FLAGS);
        if (!v.help) grantLocation(granted, v.path, "read", env);
        break;
      }
      case "report": {
        const v = parseFlags(args, REPORT_FLAGS);
        if (!v.help && grantLocation(granted, v.path, "read", env)) {
          const out = resolve(v.out ?? defaultReportOut(v.path));
          const temp = reportPartialPath(out);
          granted.read.push(out, temp);
          granted.write.push(out, temp);
        }
        break;
      }
    }
  } catch (e) {
    // Bad arguments: the script reports them (with no more than `granted` so far).
    if (!(e instanceof UsageError)) throw e;
  }
  return granted;
}

async function generate(
  granted: TaskPermissions,
  args: readonly string[],
  env: EndpointEnv,
): Promise<void> {
  const v = parseFlags(args, GENERATE_FLAGS);
  if (v.help) return;
  let file: Record<string, unknown> = {};
  if (v.config !== undefined) {
    granted.read.push(resolve(v.config));
    let json: unknown;
    try {
      json = JSON.parse(await Deno.readTextFile(v.config));
    } catch {
      return; // the script says why it cannot read the file
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) return;
    file = json as Record<string, unknown>;
  }
  // As resolveConfig merges them: a flag wins over the config file, which wins over the default.
  const output = v.output ?? file.output ?? DEFAULT_OUTPUT;
  if (typeof output !== "string" || !grantLocation(granted, output, "write", env)) return;
  granted.read.push(LIBRARY_SOURCE, ...await gitFiles());
  granted.sys.push("systemMemoryInfo");
  // --shard is a flag only (schemas/generate_config.json has no shard).
  if (/^auto\//.test(v.shard?.trim() ?? "")) granted.env.push(...SHARD_INDEX_VARIABLES);
}

/**
 * Grant what a dataset location needs. Returns `false`, granting nothing,
 * for a location the task will refuse (empty, `memory://`, an unknown
 * scheme, a malformed URL).
 */
function grantLocation(
  granted: TaskPermissions,
  location: string,
  access: "read" | "write",
  env: EndpointEnv,
): boolean {
  if (location.trim() === "") return false;
  const scheme = URL_SCHEME.exec(location)?.[1].toLowerCase();
  if (scheme === undefined || scheme === "file") {
    let path: string;
    try {
      path = scheme === undefined ? resolve(location) : fileURLToPath(location);
    } catch {
      return false;
    }
    granted.read.push(path);
    if (access === "write") granted.write.push(path);
    return true;
  }
  if (scheme !== "s3") return false;
  let base: URL;
  try {
    const s3 = resolveS3Url(location, env);
    base = new URL(s3BaseUrl(s3.bucket, { region: s3.region, endpoint: s3.endpoint }));
  } catch {
    return false;
  }
  const port = base.port || (base.protocol === "https:" ? "443" : "80");
  granted.net.push(`${base.hostname}:${port}`);
  granted.env.push(...S3_ENV_VARIABLES);
  grantCredentialChain(granted, env, resolveS3Url(location, env).region);
  return true;
}

/**
 * Grant what the AWS credential chain may need, as `credentialSources()`
 * (which the chain itself acts on) finds it. With both keys in the
 * environment, nothing: the chain stops at its first link. Otherwise:
 * - env: `CREDENTIAL_CHAIN_VARIABLES` (names the chain and the AWS SDK
 *   providers read);
 * - read: the shared config and credentials files, the web identity token
 *   file (`AWS_WEB_IDENTITY_TOKEN_FILE`, and any `web_identity_token_file`
 *   the shared files name), `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`;
 * - net: the container credentials host (`169.254.170.2:80`, or the host of
 *   `AWS_CONTAINER_CREDENTIALS_FULL_URI`) if one is configured, else the
 *   instance metadata host (`169.254.169.254:80`, or
 *   `AWS_EC2_METADATA_SERVICE_ENDPOINT`) unless disabled; STS (the host of
 *   `AWS_ENDPOINT_URL_STS`, else `sts.<region>.amazonaws.com:443`) when web
 *   identity is configured or the shared files name a `role_arn`;
 * - sys: `osRelease` with STS (the SDK's STS client puts it in its user agent).
 */
function grantCredentialChain(granted: TaskPermissions, env: EndpointEnv, region: string): void {
  const sources = credentialSources(env as (name: string) => string | undefined, region);
  if (sources.environmentKeys) return;
  granted.env.push(...CREDENTIAL_CHAIN_VARIABLES);
  const files = [sources.configFile, sources.credentialsFile].filter((f) => f !== undefined);
  granted.read.push(...files.map((f) => resolve(f)));
  const shared = files.map(readIfPresent).join("\n");
  const tokenFiles = [...shared.matchAll(/^\s*web_identity_token_file\s*=\s*(.+?)\s*$/gm)]
    .map((m) => m[1]);
  if (sources.webIdentityTokenFile !== undefined) tokenFiles.unshift(sources.webIdentityTokenFile);
  granted.read.push(...tokenFiles.map((f) => resolve(f)));
  if (sources.containerTokenFile !== undefined) {
    granted.read.push(resolve(sources.containerTokenFile));
  }
  const hosts = [sources.containerUrl, sources.imdsEndpoint];
  if (sources.webIdentityTokenFile !== undefined || /^\s*role_arn\s*=/m.test(shared)) {
    hosts.push(sources.sts.endpoint);
    granted.sys.push("osRelease");
  }
  for (const url of hosts) {
    const host = url === undefined ? undefined : hostPort(url);
    if (host !== undefined) granted.net.push(host);
  }
}

function readIfPresent(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

async function gitFiles(): Promise<string[]> {
  return (await gitHashReadPaths(REPOSITORY)).map((path) => resolve(path));
}

/**
 * The `deno run` flags that grant `permissions` and nothing else (no
 * prompts: a denied operation fails at once).
 *
 * @param permissions What the run may touch.
 * @returns The flags, e.g. `["--no-prompt", "--allow-read=/data/v1", ...]`.
 * @throws {UsageError} If a path or host holds a comma, which permission flags cannot express.
 */
export function permissionFlags(permissions: TaskPermissions): string[] {
  const flags = ["--no-prompt"];
  for (const kind of ["read", "write", "net", "env", "sys"] as const) {
    const values = [...new Set(permissions[kind])];
    if (values.length === 0) continue;
    const comma = values.find((value) => value.includes(","));
    if (comma !== undefined) {
      throw new UsageError(
        `Cannot grant the task access to "${comma}": Deno's permission flags separate paths with commas, so a path with a comma cannot be granted; choose a path without one`,
      );
    }
    flags.push(`--allow-${kind}=${values.join(",")}`);
  }
  return flags;
}
