/**
 * The AWS credential chain: every link against local stand-ins on
 * 127.0.0.1 (never real AWS), run the way users run it: `deno task
 * generate|validate` with only the variables of one setup (a laptop
 * profile, EKS web identity, an AWS Batch / ECS job role, an EC2 instance
 * profile) against radosgw, through a proxy that records which session
 * token signed each request (radosgw ignores the token, measured, so the
 * stand-ins hand out radosgw's test user keys with tokens of their own).
 * Also: the memoizing refresher on a fake clock, a credential that expires
 * mid-run and is refreshed, the hosts the chain reaches when the launcher's
 * grant for them is taken away (no packet leaves 127.0.0.1), and the error
 * that lists what was tried (exit 2).
 *
 * Child processes get a cleared environment (plus PATH, DENO_DIR and an
 * empty HOME), so nothing of this machine's own AWS setup leaks in.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  awsCredentialChain,
  type AwsCredentials,
  NoAwsCredentialsError,
  refreshingCredentials,
} from "../src/store/aws_credentials.ts";
import { CREDENTIAL_CHAIN_VARIABLES } from "../src/store/aws_credential_sources.ts";
import { S3_ENV_VARIABLES } from "../src/store/s3_location.ts";
import {
  type EndpointEnv,
  permissionFlags,
  type TaskPermissions,
  taskPermissions,
} from "../scripts/_permissions.ts";
import { type CephGateway, freePort, ignoreWithoutCeph, sharedCeph } from "./_ceph.ts";
import { startCredentialStandIn } from "./_aws_standins.ts";
import { startFaultProxy } from "./_fault_proxy.ts";
import { type CliResult, ROOT } from "./_dataset_files.ts";

const ignore = ignoreWithoutCeph();
const PROBE = fileURLToPath(new URL("./fixtures/credential_probe.ts", import.meta.url));
const DENO_DIR: string = JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .output()).stdout,
  ),
).denoDir;
const JOB = [
  "--world",
  "nk",
  "--n-samples",
  "40",
  "--T",
  "8",
  "--H",
  "2",
  "--chunk-samples",
  "10",
  "--workers",
  "2",
  "--quiet",
];

/** A cleared environment: PATH, DENO_DIR, an empty HOME, and `vars`. */
function childEnv(home: string, vars: Record<string, string>): Record<string, string> {
  return { PATH: Deno.env.get("PATH") ?? "", DENO_DIR, HOME: home, NO_COLOR: "1", ...vars };
}

/** `deno task <task> ...args` with exactly `env` (cleared environment otherwise). */
async function runTaskIn(
  task: "generate" | "validate",
  args: string[],
  env: Record<string, string>,
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", task, ...args],
    cwd: ROOT,
    clearEnv: true,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

interface ProbeResult {
  ok: boolean;
  credentials?: AwsCredentials & { expiration?: string };
  error?: string;
  tried?: { source: string; reason: string }[];
}

/**
 * Walk the chain in a child process under the permissions the launcher
 * grants `validate --path s3://bucket/p` in `env`, less the `drop`ped hosts.
 */
async function probe(env: Record<string, string>, drop: string[] = []): Promise<ProbeResult> {
  const granted = await grantsFor(env);
  granted.net = granted.net.filter((host) => !drop.includes(host));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissionFlags(granted), PROBE, env.AWS_REGION ?? "us-east-1"],
    clearEnv: true,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  assert.equal(out.code, 0, d.decode(out.stderr));
  return JSON.parse(d.decode(out.stdout));
}

function grantsFor(env: Record<string, string>): Promise<TaskPermissions> {
  const read: EndpointEnv = (name) => env[name];
  return taskPermissions("validate", ["--path", "s3://bucket/p"], read);
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "ume_creds_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// ---- the refresher, on a fake clock ----

Deno.test("refreshingCredentials() memoizes, refreshes within 5 minutes of expiry, shares one fetch, rides out a failed refresh until expiry", async () => {
  let clock = 1_000_000;
  let calls = 0;
  let fail = false;
  let release: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const provider = async (): Promise<AwsCredentials> => {
    calls++;
    await gate;
    if (fail) throw new Error("endpoint down");
    return {
      accessKeyId: `AK${calls}`,
      secretAccessKey: "SK",
      sessionToken: `T${calls}`,
      expiration: new Date(clock + 60 * 60_000),
    };
  };
  const credentials = refreshingCredentials(provider, { now: () => clock });
  // Concurrent first callers share one fetch.
  gate = new Promise((r) => release = r);
  const first = Promise.all([credentials(), credentials(), credentials()]);
  release();
  assert.deepEqual((await first).map((c) => c.sessionToken), ["T1", "T1", "T1"]);
  assert.equal(calls, 1);
  // Until 5 minutes before expiry: the same credentials, no fetch.
  clock += 55 * 60_000 - 1;
  assert.equal((await credentials()).sessionToken, "T1");
  assert.equal(calls, 1);
  // Inside the window: refreshed.
  clock += 2;
  assert.equal((await credentials()).sessionToken, "T2");
  assert.equal(calls, 2);
  // A failed refresh while the credentials still hold: they are used on, and the next call retries.
  clock += 56 * 60_000;
  fail = true;
  assert.equal((await credentials()).sessionToken, "T2");
  assert.equal(calls, 3);
  // Expired and still failing: the failure is thrown.
  clock += 4 * 60_000;
  await assert.rejects(credentials(), /endpoint down/);
  fail = false;
  assert.equal((await credentials()).sessionToken, "T5");
  // Credentials without an expiration are kept for good.
  let fetched = 0;
  const fixed = refreshingCredentials(() => {
    fetched++;
    return Promise.resolve({ accessKeyId: "AK", secretAccessKey: "SK" });
  }, { now: () => clock });
  await fixed();
  clock += 365 * 24 * 3_600_000;
  await fixed();
  assert.equal(fetched, 1);
});

// ---- what the launcher grants, per setup ----

Deno.test("the launcher grants each setup only what its chain needs", async () => {
  const s3 = [...S3_ENV_VARIABLES];
  const chain = [...S3_ENV_VARIABLES, ...CREDENTIAL_CHAIN_VARIABLES];
  const endpoint = { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:7480" };
  await withTemp(async (home) => {
    const cases: [string, Record<string, string>, Partial<TaskPermissions>][] = [
      [
        "keys in the environment: nothing more",
        { ...endpoint, AWS_ACCESS_KEY_ID: "AK", AWS_SECRET_ACCESS_KEY: "SK", HOME: home },
        { read: [], net: ["127.0.0.1:7480"], env: s3, sys: [] },
      ],
      [
        "AWS Batch / ECS: the container endpoint, not the instance metadata",
        { ...endpoint, HOME: home, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/x" },
        {
          read: [`${home}/.aws/config`, `${home}/.aws/credentials`],
          net: ["127.0.0.1:7480", "169.254.170.2:80"],
          sys: [],
        },
      ],
      [
        "EKS Pod Identity: the full URI's host and the token file",
        {
          HOME: home,
          AWS_REGION: "eu-west-1",
          AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1/credentials",
          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/var/run/secrets/pods.eks.amazonaws.com/token",
        },
        {
          read: [
            `${home}/.aws/config`,
            `${home}/.aws/credentials`,
            "/var/run/secrets/pods.eks.amazonaws.com/token",
          ],
          net: ["bucket.s3.eu-west-1.amazonaws.com:443", "169.254.170.23:80"],
          sys: [],
        },
      ],
      [
        "EKS web identity: the token file, STS of the region, and the instance metadata after it",
        {
          HOME: home,
          AWS_REGION: "eu-west-1",
          AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
          AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
        },
        {
          read: [
            `${home}/.aws/config`,
            `${home}/.aws/credentials`,
            "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
          ],
          net: [
            "bucket.s3.eu-west-1.amazonaws.com:443",
            "169.254.169.254:80",
            "sts.eu-west-1.amazonaws.com:443",
          ],
          sys: ["osRelease"],
        },
      ],
      [
        "EC2: the instance metadata (IPv6 mode)",
        { HOME: home, AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv6" },
        {
          read: [`${home}/.aws/config`, `${home}/.aws/credentials`],
          net: ["bucket.s3.us-east-1.amazonaws.com:443", "[fd00:ec2::254]:80"],
          sys: [],
        },
      ],
      [
        "instance metadata disabled, files named: just the files",
        {
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_CONFIG_FILE: "/etc/aws/config",
          AWS_SHARED_CREDENTIALS_FILE: "/etc/aws/credentials",
        },
        {
          read: ["/etc/aws/config", "/etc/aws/credentials"],
          net: ["bucket.s3.us-east-1.amazonaws.com:443"],
          sys: [],
        },
      ],
    ];
    for (const [what, env, want] of cases) {
      const got = await grantsFor(env);
      assert.deepEqual(got.read, want.read, what);
      assert.deepEqual(got.net, want.net, what);
      assert.deepEqual(got.env, ["UME_DEBUG", ...(want.env ?? chain)], what);
      assert.deepEqual(got.sys, want.sys, what);
      assert.deepEqual(got.write, [], what);
    }
    // A laptop profile that assumes a role and names a token file: STS and that file too.
    await Deno.mkdir(join(home, ".aws"));
    await Deno.writeTextFile(
      join(home, ".aws", "config"),
      "[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\n" +
        "web_identity_token_file = /run/ci/token\n",
    );
    const laptop = await grantsFor({ HOME: home, AWS_PROFILE: "ci", AWS_REGION: "eu-west-1" });
    assert.deepEqual(laptop.read, [
      `${home}/.aws/config`,
      `${home}/.aws/credentials`,
      "/run/ci/token",
    ]);
    assert.deepEqual(laptop.net, [
      "bucket.s3.eu-west-1.amazonaws.com:443",
      "169.254.169.254:80",
      "sts.eu-west-1.amazonaws.com:443",
    ]);
  });
});

// ---- hosts the chain reaches that a test may not send to ----

Deno.test("the chain goes where the launcher grants: 169.254.170.2 for a relative URI, STS of the region (shown with the grant taken away, no packet sent)", async () => {
  await withTemp(async (home) => {
    const container = await probe(
      childEnv(home, {
        AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/job",
      }),
      ["169.254.170.2:80"],
    );
    assert.equal(container.ok, false);
    assert.equal(container.tried?.[3].source, "container");
    assert.match(
      container.tried![3].reason,
      /^http:\/\/169\.254\.170\.2\/v2\/credentials\/job: .*permissions do not allow it.*"169\.254\.170\.2:80"/,
    );
    const tokenFile = join(home, "token");
    await Deno.writeTextFile(tokenFile, "jwt");
    const sts = await probe(
      childEnv(home, {
        AWS_REGION: "eu-west-1",
        AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
        AWS_EC2_METADATA_DISABLED: "true",
      }),
      ["sts.eu-west-1.amazonaws.com:443"],
    );
    assert.equal(sts.ok, false);
    assert.equal(sts.tried?.[2].source, "web identity");
    assert.match(
      sts.tried![2].reason,
      /STS at https:\/\/sts\.eu-west-1\.amazonaws\.com: .*permissions do not allow it.*"sts\.eu-west-1\.amazonaws\.com/,
    );
  });
});

Deno.test("no credentials anywhere: the task exits 2 and lists every link tried, in order", async () => {
  await withTemp(async (home) => {
    const closed = `http://127.0.0.1:${freePort()}`;
    const env = childEnv(home, {
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${freePort()}`,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: closed,
      AWS_ACCESS_KEY_ID: "AK-without-secret",
    });
    for (const task of ["validate", "generate"] as const) {
      const flag = task === "validate" ? "--path" : "--output";
      const r = await runTaskIn(task, [
        flag,
        "s3://bucket/run",
        ...(task === "generate" ? JOB : []),
      ], env);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.split("\n");
      assert.match(
        lines[0],
        /^error: Cannot open s3:\/\/bucket\/run: No AWS credentials found\. Tried, in order:$/,
      );
      assert.equal(lines[1], "  1. environment: AWS_SECRET_ACCESS_KEY is not set");
      assert.equal(
        lines[2],
        `  2. shared files: neither ${home}/.aws/credentials nor ${home}/.aws/config exists`,
      );
      assert.equal(lines[3], "  3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set");
      assert.equal(
        lines[4],
        "  4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set",
      );
      assert.match(lines[5], new RegExp(`^  5\\. instance metadata: ${closed}: .+`));
      assert.match(lines[6], /^Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/);
      assert.doesNotMatch(r.stderr, /hint:|--allow/);
    }
  });
});

Deno.test("awsCredentialChain() takes the environment's keys first, with the session token and expiration", async () => {
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: "AK",
    AWS_SECRET_ACCESS_KEY: "SK",
    AWS_SESSION_TOKEN: "TOKEN",
    AWS_CREDENTIAL_EXPIRATION: "2030-01-02T03:04:05Z",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:9/never-asked",
  };
  assert.deepEqual(await awsCredentialChain({ env: (name) => env[name] })(), {
    accessKeyId: "AK",
    secretAccessKey: "SK",
    sessionToken: "TOKEN",
    expiration: new Date("2030-01-02T03:04:05Z"),
  });
  const none: Record<string, string> = { AWS_EC2_METADATA_DISABLED: "true", HOME: "/nonexistent" };
  await assert.rejects(awsCredentialChain({ env: (name) => none[name] })(), NoAwsCredentialsError);
});

// ---- each setup against radosgw, through the real task ----

interface Setup {
  name: string;
  /** The variables of the setup (the S3 endpoint and the region are added). */
  vars(
    dir: string,
    standIn: ReturnType<typeof startCredentialStandIn>,
  ): Promise<Record<string, string>>;
  /** Which stand-in service hands out the credentials (none: the profile's own keys). */
  via?: "container" | "sts" | "imds";
}

const SETUPS: Setup[] = [
  {
    name: "a laptop: a profile of AWS_SHARED_CREDENTIALS_FILE chosen by AWS_PROFILE",
    async vars(dir): Promise<Record<string, string>> {
      const ceph = await sharedCeph();
      await Deno.writeTextFile(
        join(dir, "credentials"),
        `[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n` +
          `[ume]\naws_access_key_id = ${ceph.accessKey}\naws_secret_access_key = ${ceph.secretKey}\n` +
          `aws_session_token = profile-token\n`,
      );
      await Deno.writeTextFile(join(dir, "config"), "[profile ume]\nregion = us-east-1\n");
      return {
        AWS_PROFILE: "ume",
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
        AWS_CONFIG_FILE: join(dir, "config"),
      };
    },
  },
  {
    name: "a laptop profile that assumes a role (role_arn + source_profile) through STS AssumeRole",
    via: "sts",
    async vars(dir, standIn): Promise<Record<string, string>> {
      await Deno.writeTextFile(
        join(dir, "credentials"),
        "[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = BASESECRET\n",
      );
      await Deno.writeTextFile(
        join(dir, "config"),
        "[profile job]\nrole_arn = arn:aws:iam::123456789012:role/ume-job\nsource_profile = base\n",
      );
      return {
        AWS_PROFILE: "job",
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
        AWS_CONFIG_FILE: join(dir, "config"),
        AWS_ENDPOINT_URL_STS: standIn.endpoint,
      };
    },
  },
  {
    name:
      "EKS (IAM roles for service accounts): a web identity token file and STS AssumeRoleWithWebIdentity",
    via: "sts",
    async vars(dir, standIn): Promise<Record<string, string>> {
      await Deno.writeTextFile(join(dir, "token"), "eks-service-account-jwt\n");
      return {
        AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/ume-job",
        AWS_ENDPOINT_URL_STS: standIn.endpoint,
      };
    },
  },
  {
    name: "EKS Pod Identity: a full container credentials URI with an authorization token file",
    via: "container",
    async vars(dir, standIn): Promise<Record<string, string>> {
      await Deno.writeTextFile(join(dir, "pod-token"), "pod-identity-token");
      return {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: standIn.containerUrl,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(dir, "pod-token"),
      };
    },
  },
  {
    name: "EC2: the instance metadata service (IMDSv2)",
    via: "imds",
    vars(_dir, standIn): Promise<Record<string, string>> {
      return Promise.resolve({ AWS_EC2_METADATA_SERVICE_ENDPOINT: standIn.endpoint });
    },
  },
];

/** Session tokens of the S3 requests a proxy recorded (`""` for none). */
function tokensSeen(received: { headers: Map<string, string> }[]): string[] {
  return received.map((r) => r.headers.get("x-amz-security-token") ?? "");
}

for (const setup of SETUPS) {
  Deno.test({
    name: `generate and validate on S3 with only the variables of ${setup.name}`,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn(): Promise<void> {
      const ceph = await sharedCeph();
      const standIn = startCredentialStandIn({
        accessKeyId: ceph.accessKey,
        secretAccessKey: ceph.secretKey,
        authorization: "pod-identity-token",
        webIdentityToken: "eks-service-account-jwt",
        sourceAccessKeyId: "BASEKEY",
      });
      const proxy = startFaultProxy(ceph.endpoint, { faultRate: 0, recordRequests: true });
      try {
        await withTemp(async (dir) => {
          const home = join(dir, "home");
          await Deno.mkdir(home);
          const env = childEnv(home, {
            ...await setup.vars(dir, standIn),
            AWS_REGION: "us-east-1",
            AWS_ENDPOINT_URL_S3: proxy.endpoint,
          });
          const prefix = `creds-${SETUPS.indexOf(setup)}`;
          const g = await runTaskIn("generate", [...JOB, "--output", ceph.url(prefix)], env);
          assert.equal(g.code, 0, g.stderr);
          const v = await runTaskIn("validate", ["--path", ceph.url(prefix), "--quiet"], env);
          assert.equal(v.code, 0, v.stdout + v.stderr);
          assert.deepEqual(standIn.refused, []);
          const tokens = new Set(tokensSeen(proxy.received));
          if (setup.via === undefined) {
            assert.deepEqual([...tokens], ["profile-token"]);
            assert.deepEqual(standIn.issued, []);
          } else {
            // Every request carried a token the stand-in handed out, through this service only.
            assert.ok(standIn.issued.length >= 1);
            assert.ok(standIn.issued.every((c) => c.via === setup.via));
            const handed = new Set(standIn.issued.map((c) => c.sessionToken));
            assert.ok([...tokens].every((t) => handed.has(t)), [...tokens].join(", "));
          }
          assert.ok(proxy.received.length > 10);
          assert.ok((await ceph.store(prefix).list("")).includes("manifest.json"));
        });
      } finally {
        await proxy.close();
        await standIn.close();
      }
    },
  });
}

Deno.test({
  name:
    "an AWS Batch-style job role whose credentials expire mid-run: they are refreshed, and the run completes",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph = await sharedCeph();
    // Each credential enters the 5-minute refresh window 2 s after it is handed out.
    const standIn = startCredentialStandIn({
      accessKeyId: ceph.accessKey,
      secretAccessKey: ceph.secretKey,
      authorization: "job-token",
      lifetimeMs: 5 * 60_000 + 2_000,
    });
    const proxy = startFaultProxy(ceph.endpoint, { faultRate: 0, recordRequests: true });
    try {
      await withTemp(async (home) => {
        // Only what an AWS Batch job on the job role has (plus the stand-ins' addresses).
        const env = childEnv(home, {
          AWS_CONTAINER_CREDENTIALS_FULL_URI: standIn.containerUrl,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: "job-token",
          AWS_REGION: "us-east-1",
          AWS_ENDPOINT_URL_S3: proxy.endpoint,
        });
        const url = ceph.url("creds-refresh");
        const run = runTaskIn("generate", [...JOB, "--output", url], env);
        // Once the first request is in, the endpoint goes down for 4 s: every request after
        // it is sent at least 4 s after the credentials that signed the first one were issued.
        while (proxy.received.length === 0) await new Promise((r) => setTimeout(r, 5));
        const outage = performance.now();
        await proxy.outage(4_000);
        const g = await run;
        assert.equal(g.code, 0, g.stderr);
        assert.deepEqual(standIn.refused, []);
        const before = new Set(
          standIn.issued.filter((c) => c.at < outage).map((c) => c.sessionToken),
        );
        const after = proxy.received.filter((r) => r.at > outage + 4_000);
        assert.ok(after.length > 0);
        for (const token of tokensSeen(after)) {
          assert.ok(
            !before.has(token),
            `request after the outage signed with ${token}, issued before it`,
          );
        }
        assert.ok(standIn.issued.some((c) => c.at > outage), "no credential was refreshed");
        const v = await runTaskIn("validate", ["--path", url, "--quiet"], env);
        assert.equal(v.code, 0, v.stdout + v.stderr);
      });
    } finally {
      await proxy.close();
      await standIn.close();
    }
  },
});

Deno.test({
  name: "S3Store signs with refreshed credentials: a provider's new session token reaches radosgw",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const ceph: CephGateway = await sharedCeph();
    const { S3Store } = await import("../src/store/s3_store.ts");
    const proxy = startFaultProxy(ceph.endpoint, { faultRate: 0, recordRequests: true });
    try {
      let n = 0;
      // Each credential is inside the refresh window at once: every request fetches anew.
      const store = new S3Store({
        bucket: ceph.bucket,
        prefix: "creds-store",
        endpoint: proxy.endpoint,
        credentials: () =>
          Promise.resolve({
            accessKeyId: ceph.accessKey,
            secretAccessKey: ceph.secretKey,
            sessionToken: `t${++n}`,
            expiration: new Date(Date.now() + 60_000),
          }),
      });
      await store.checkCredentials();
      await store.set("a", new Uint8Array([1]));
      assert.deepEqual(await store.get("a"), new Uint8Array([1]));
      assert.deepEqual(tokensSeen(proxy.received), ["t2", "t3"]);
      // Wrong keys from the provider: radosgw refuses them, so the signing really uses them.
      const wrong = new S3Store({
        bucket: ceph.bucket,
        endpoint: ceph.endpoint,
        credentials: () => Promise.resolve({ accessKeyId: ceph.accessKey, secretAccessKey: "x" }),
      });
      await assert.rejects(wrong.get("creds-store/a"), /403/);
    } finally {
      await proxy.close();
    }
  },
});
