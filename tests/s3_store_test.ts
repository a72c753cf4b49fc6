import assert from "node:assert/strict";
import { S3Error, S3Store } from "../src/store/s3_store.ts";
import { NoAwsCredentialsError } from "../src/store/aws_credentials.ts";
import { parseErrorBody, parseListPage, unescapeXml } from "../src/store/_s3_xml.ts";
import {
  backoffCeiling,
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  retryPolicy,
  retryWindow,
} from "../src/store/_s3_retry.ts";
import { isPermissionDenial } from "../src/store/fs_error.ts";
import { keyedStream } from "../src/numeric/rng.ts";
import { StoreError } from "../src/store/store_error.ts";
import { openStore } from "../src/store/open_store.ts";
import { type CephGateway, ignoreWithoutCeph, sharedCeph } from "./_ceph.ts";
import { FAULT_KINDS, startFaultProxy } from "./_fault_proxy.ts";
import { ROOT, runTask } from "./_dataset_files.ts";
import { skipUnless } from "./_requires.ts";

const ignore = ignoreWithoutCeph();
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Deterministic pseudo-random bytes. */
function bytes(seed: number, length: number): Uint8Array {
  const rng = keyedStream(seed, "s3-test", 0, 0);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.nextUint32() & 0xff;
  return out;
}

function cephTest(name: string, fn: (ceph: CephGateway) => Promise<void>): void {
  Deno.test({ name, ignore, fn: async () => fn(await sharedCeph()) });
}

// ---- pure helpers (no server) ----

Deno.test("unescapeXml() decodes entities and rejects unknown ones", () => {
  assert.equal(unescapeXml("a&amp;b&lt;c&gt;&quot;&apos;&#43;&#x2B;"), "a&b<c>\"'++");
  assert.equal(unescapeXml("&#x1F600;"), "😀");
  assert.throws(() => unescapeXml("&nbsp;"), SyntaxError);
  assert.throws(() => unescapeXml("a & b"), SyntaxError);
  assert.throws(() => unescapeXml("&#xD800;"), SyntaxError);
});

Deno.test("parseListPage() reads keys only from <Contents> and rejects other documents", () => {
  const page = parseListPage(
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="x"><Name>b</Name>` +
      `<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>` +
      `<IsTruncated>false</IsTruncated><Contents><Key>p/a b</Key><ETag>&quot;e&quot;</ETag>` +
      `</Contents><Contents><Key>p/&lt;&amp;&gt;</Key></Contents></ListBucketResult>`,
  );
  assert.deepEqual(page, {
    keys: ["p/a b", "p/<&>"],
    objects: [
      { key: "p/a b", size: undefined, etag: "e" },
      { key: "p/<&>", size: undefined, etag: undefined },
    ],
    isTruncated: false,
    nextContinuationToken: undefined,
  });
  assert.deepEqual(parseListPage("<ListBucketResult></ListBucketResult>").keys, []);
  assert.deepEqual(
    parseListPage(
      `<ListBucketResult><Contents><Key>k</Key><Size>12</Size>` +
        `<ETag>"9e107d9d372bb6826bd81d3542a419d6-2"</ETag></Contents></ListBucketResult>`,
    ).objects,
    [{ key: "k", size: 12, etag: "9e107d9d372bb6826bd81d3542a419d6-2" }],
  );
  assert.throws(
    () =>
      parseListPage(
        "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
      ),
    /<Size> of "k" is "-1"/,
  );
  assert.throws(() => parseListPage("<Error><Code>AccessDenied</Code></Error>"), SyntaxError);
  assert.throws(
    () => parseListPage("<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>"),
    SyntaxError,
  );
  assert.deepEqual(parseErrorBody(""), { code: undefined, message: undefined });
});

Deno.test("The retry policy retries only transient statuses and caps the backoff", () => {
  for (const status of [500, 502, 503, 504, 429]) assert.equal(isRetryableStatus(status), true);
  for (const status of [400, 401, 403, 404, 409, 412, 416, 501]) {
    assert.equal(isRetryableStatus(status), false, `status ${status}`);
  }
  assert.equal(isRetryableStatus(400, "RequestTimeout"), true);
  const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
  for (let attempt = 1; attempt < 12; attempt++) {
    const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
    assert.equal(backoffDelay(policy, attempt, 0.999999) <= ceiling, true);
    assert.equal(backoffDelay(policy, attempt, 0.999999) > ceiling * 0.99, true);
  }
  assert.throws(() => retryPolicy({ maxAttempts: 0 }), RangeError);
  assert.throws(() => retryPolicy({ maxAttempts: 2.5 }), RangeError);
});

Deno.test("The default retry policy waits at least 30 s in all before its last attempt", () => {
  // Every wait at its floor (a draw of 0): the least total patience.
  let least = 0;
  let most = 0;
  for (let attempt = 1; attempt < DEFAULT_RETRY.maxAttempts; attempt++) {
    least += backoffDelay(DEFAULT_RETRY, attempt, 0);
    most += backoffCeiling(DEFAULT_RETRY, attempt);
    assert.ok(backoffDelay(DEFAULT_RETRY, attempt, 0.999999) <= most);
  }
  assert.ok(least >= 30_000, `the default policy gives up after ${least} ms of waiting`);
  assert.deepEqual(retryWindow(DEFAULT_RETRY), { minMs: least, maxMs: most });
  assert.deepEqual(retryWindow(DEFAULT_RETRY), { minMs: 31_350, maxMs: 62_700 });
  // One attempt waits for nothing.
  assert.deepEqual(retryWindow(retryPolicy({ maxAttempts: 1 })), { minMs: 0, maxMs: 0 });
});

Deno.test("S3Store builds virtual-host and path-style URLs", async () => {
  const seen: string[] = [];
  function capture(request: Request): Promise<Response> {
    seen.push(`${request.method} ${request.url}`);
    return Promise.resolve(new Response(null, { status: 404 }));
  }
  const credentials = { accessKeyId: "AK", secretAccessKey: "SK" };
  const aws = new S3Store({
    bucket: "my-bucket",
    prefix: "run/1/",
    region: "eu-west-1",
    credentials,
    fetch: capture,
  });
  assert.equal(await aws.get("a b/c+d"), undefined);
  const dotted = new S3Store({ bucket: "my.bucket", credentials, fetch: capture });
  assert.equal(await dotted.get("k"), undefined);
  const custom = new S3Store({
    bucket: "bkt",
    endpoint: "http://127.0.0.1:9000/",
    credentials,
    fetch: capture,
  });
  assert.equal(await custom.get("x/y"), undefined);
  assert.deepEqual(seen, [
    "GET https://my-bucket.s3.eu-west-1.amazonaws.com/run/1/a%20b/c%2Bd",
    "GET https://s3.us-east-1.amazonaws.com/my.bucket/k",
    "GET http://127.0.0.1:9000/bkt/x/y",
  ]);
  assert.equal(aws.url, "s3://my-bucket/run/1");
  for (const bad of ["../etc", "/abs", "a//b", ""]) {
    await assert.rejects(() => aws.get(bad), (error: unknown) => {
      assert.ok(error instanceof StoreError);
      assert.equal(error.code, "INVALID_KEY");
      return true;
    });
  }
  assert.equal(seen.length, 3);
});

Deno.test("S3Store.fromUrl() reads the AWS_* environment", async () => {
  const saved = Object.fromEntries(
    [
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_REGION",
      "AWS_ENDPOINT_URL_S3",
      "AWS_ENDPOINT_URL",
      "AWS_EC2_METADATA_DISABLED",
      "AWS_CONFIG_FILE",
      "AWS_SHARED_CREDENTIALS_FILE",
      "AWS_PROFILE",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ]
      .map((name) => [name, Deno.env.get(name)]),
  );
  try {
    for (const name of Object.keys(saved)) Deno.env.delete(name);
    // No keys and no other source (the instance metadata is switched off: no request leaves
    // this machine): the store opens, and fetching its credentials says what was tried.
    Deno.env.set("AWS_EC2_METADATA_DISABLED", "true");
    Deno.env.set("AWS_CONFIG_FILE", "/nonexistent/config");
    Deno.env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    const keyless = S3Store.fromUrl("s3://bucket/p");
    await assert.rejects(keyless.checkCredentials(), (error: unknown) => {
      assert.ok(error instanceof StoreError);
      assert.equal(error.code, "NO_CREDENTIALS");
      assert.match(error.message, /1\. environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      return true;
    });
    await assert.rejects(keyless.get("k"), /No AWS credentials found.* after 1 attempt$/s);
    await assert.rejects(openStore("s3://bucket/p"), /No AWS credentials found/);
    Deno.env.set("AWS_ACCESS_KEY_ID", "AK");
    Deno.env.set("AWS_SECRET_ACCESS_KEY", "SK");
    Deno.env.set("AWS_REGION", "ap-south-1");
    const seen: string[] = [];
    const fetch = (request: Request): Promise<Response> => {
      seen.push(`${request.url} ${request.headers.get("authorization")?.split(",")[0]}`);
      return Promise.resolve(new Response(null, { status: 404 }));
    };
    await S3Store.fromUrl("s3://bucket/p", { fetch }).get("k");
    Deno.env.set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
    await S3Store.fromUrl("s3://bucket", { fetch }).get("k");
    Deno.env.set("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2");
    await S3Store.fromUrl("s3://bucket/", { fetch }).get("k");
    const date = new Date().toISOString().slice(0, 10).replaceAll("-", "");
    assert.deepEqual(seen, [
      `https://bucket.s3.ap-south-1.amazonaws.com/p/k AWS4-HMAC-SHA256 Credential=AK/${date}/ap-south-1/s3/aws4_request`,
      `http://127.0.0.1:1/bucket/k AWS4-HMAC-SHA256 Credential=AK/${date}/ap-south-1/s3/aws4_request`,
      `http://127.0.0.1:2/bucket/k AWS4-HMAC-SHA256 Credential=AK/${date}/ap-south-1/s3/aws4_request`,
    ]);
    assert.throws(() => S3Store.fromUrl("https://bucket/p"), TypeError);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});

/** Set (or, with `undefined`, delete) environment variables for the duration of `fn`. */
async function withEnv(
  vars: Record<string, string | undefined>,
  fn: () => Promise<void> | void,
): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, Deno.env.get(name)]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  };
  try {
    apply(vars);
    await fn();
  } finally {
    apply(saved);
  }
}

const CREDENTIALS = { accessKeyId: "AK", secretAccessKey: "SK" };

/** A store whose every request throws what `failure()` returns. */
function failingStore(
  failure: () => unknown,
  maxAttempts = 3,
): { store: S3Store; calls: () => number } {
  let calls = 0;
  const store = new S3Store({
    bucket: "bucket",
    endpoint: "http://minio.internal:9000",
    credentials: CREDENTIALS,
    retry: { maxAttempts, baseDelayMs: 1 },
    fetch: () => {
      calls++;
      return Promise.reject(failure());
    },
  });
  return { store, calls: () => calls };
}

Deno.test("S3Store fails on the first attempt when the runtime refuses the connection", async () => {
  const { store, calls } = failingStore(() =>
    new Deno.errors.NotCapable(
      'Requires net access to "minio.internal:9000", run again with the --allow-net flag',
    ), 8);
  await assert.rejects(() => store.get("nk/zarr.json"), (error: unknown) => {
    assert.ok(error instanceof S3Error);
    assert.equal(error.attempts, 1);
    assert.match(error.message, /^Cannot read "nk\/zarr\.json": this process is not permitted/);
    assert.match(error.message, /"minio\.internal:9000"/);
    assert.match(
      error.message,
      /the deno tasks may connect only to the endpoint of the S3 location they work on/,
    );
    assert.match(error.message, /after 1 attempt$/);
    assert.doesNotMatch(error.message, /run again/);
    assert.ok(isPermissionDenial(error), "the NotCapable stays in the cause chain");
    return true;
  });
  assert.equal(store.stats.requests, 1);
  assert.equal(store.stats.retries, 0);
  assert.equal(calls(), 1);
});

Deno.test("S3Store retries connection failures but not failures no retry can fix", async () => {
  const fetchFailed = (detail: string): TypeError =>
    new TypeError("fetch failed", {
      cause: new Error(
        `error sending request for url (http://minio.internal:9000/bucket/k): client error (Connect): ${detail}`,
      ),
    });
  // The messages are Deno 2.9's own (each seen from a real fetch; the DNS
  // answers from a resolver in a network namespace without access outside).
  const cases: [string, () => unknown, RegExp | undefined][] = [
    [
      "a refused connection",
      () => fetchFailed("tcp connect error: Connection refused (os error 111)"),
      undefined,
    ],
    ["a reset", () => fetchFailed("Connection reset by peer (os error 104)"), undefined],
    ["a body cut short", () => new TypeError("error reading a body from connection"), undefined],
    [
      "a resolver that does not answer",
      () =>
        fetchFailed(
          "dns error: failed to lookup address information: Temporary failure in name resolution",
        ),
      undefined,
    ],
    ["an error of unknown kind", () => new Error("something odd"), undefined],
    [
      "a host name that does not exist",
      () =>
        fetchFailed("dns error: failed to lookup address information: Name or service not known"),
      /the host "minio\.internal" does not exist \(DNS: Name or service not known\): check the endpoint/,
    ],
    [
      "an untrusted certificate",
      () => fetchFailed("invalid peer certificate: UnknownIssuer"),
      /the TLS certificate of "minio\.internal:9000" is not valid: UnknownIssuer/,
    ],
    [
      "an invalid URL",
      () => new TypeError("Invalid URL: 'http://a b/'"),
      /the request cannot be sent: Invalid URL/,
    ],
    [
      "a port fetch blocks",
      () => new TypeError("Fetch failed: Requests to port 6000 are blocked"),
      /the request cannot be sent: Fetch failed: Requests to port 6000 are blocked/,
    ],
    [
      "a refused read permission",
      () =>
        new Deno.errors.NotCapable(
          'Requires read access to "/x", run again with the --allow-read flag',
        ),
      /the runtime refused the request: Requires read access to "\/x" after 1 attempt$/,
    ],
  ];
  for (const [what, failure, final] of cases) {
    const { store, calls } = failingStore(failure);
    await assert.rejects(() => store.set("k", encode("v")), (error: unknown) => {
      assert.ok(error instanceof S3Error, what);
      if (final) assert.match(error.message, final, what);
      else {assert.match(
          error.message,
          /^Cannot write "k": request failed \(.*\) after 3 attempts$/,
          what,
        );}
      return true;
    });
    assert.equal(calls(), final ? 1 : 3, `${what}: attempts`);
    assert.equal(store.stats.requests, calls(), what);
  }
});

Deno.test("S3Store fails a request it cannot build on the first attempt, without sending it", async () => {
  let calls = 0;
  const store = new S3Store({
    bucket: "bucket",
    endpoint: "http://127.0.0.1:7480",
    // A line break cannot be sent in a header.
    credentials: { ...CREDENTIALS, sessionToken: "token\nwith a line break" },
    retry: { baseDelayMs: 1 },
    fetch: () => {
      calls++;
      return Promise.resolve(new Response(null, { status: 200 }));
    },
  });
  await assert.rejects(
    () => store.get("k"),
    /^S3Error: Cannot read "k": cannot build the request \(TypeError: Invalid header value: .*\) after 1 attempt$/s,
  );
  assert.equal(calls, 0);
  assert.equal(store.stats.requests, 0);
});

Deno.test("S3Store does not retry a port that fetch blocks", async () => {
  const blocked = new S3Store({
    bucket: "bucket",
    endpoint: "http://127.0.0.1:6000", // X11: on fetch's list of blocked ports
    credentials: CREDENTIALS,
  });
  const t0 = performance.now();
  await assert.rejects(
    () => blocked.get("k"),
    /Cannot read "k": the request cannot be sent: .*port 6000 are blocked after 1 attempt$/,
  );
  assert.equal(blocked.stats.requests, 1);
  assert.ok(performance.now() - t0 < 2000);
});

const noOpenssl = skipUnless({
  what: "openssl (a self-signed certificate for a local TLS server)",
  available: new Deno.Command("sh", { args: ["-c", "command -v openssl"], stdout: "null" })
    .outputSync().success,
  install: "apt-get install -y openssl",
});

Deno.test({
  name: "S3Store does not retry a TLS certificate it cannot trust",
  ignore: noOpenssl,
  async fn(): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "ume-tls-" });
    try {
      const made = await new Deno.Command("openssl", {
        args: [
          ...[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
          ],
          ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(made.success, new TextDecoder().decode(made.stderr));
      let served = 0;
      const server = Deno.serve({
        hostname: "127.0.0.1",
        port: 0,
        cert: await Deno.readTextFile(`${dir}/cert.pem`),
        key: await Deno.readTextFile(`${dir}/key.pem`),
        onListen: () => {},
      }, () => {
        served++;
        return new Response(null, { status: 404 });
      });
      try {
        const store = new S3Store({
          bucket: "bucket",
          endpoint: `https://127.0.0.1:${server.addr.port}`,
          credentials: CREDENTIALS,
        });
        await assert.rejects(
          () => store.get("k"),
          /Cannot read "k": the TLS certificate of "127\.0\.0\.1:\d+" is not valid: .* after 1 attempt$/,
        );
        assert.equal(store.stats.requests, 1);
        assert.equal(served, 0);
      } finally {
        await server.shutdown();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("S3Store.fromUrl() takes the attempt count from AWS_MAX_ATTEMPTS and checks it", async () => {
  const throttled = (): Promise<Response> =>
    Promise.resolve(
      new Response("<Error><Code>SlowDown</Code></Error>", { status: 503 }),
    );
  const retry = { baseDelayMs: 1 };
  await withEnv({
    AWS_ACCESS_KEY_ID: "AK",
    AWS_SECRET_ACCESS_KEY: "SK",
    AWS_ENDPOINT_URL_S3: "http://127.0.0.1:7480",
    AWS_ENDPOINT_URL: undefined,
    AWS_MAX_ATTEMPTS: undefined,
  }, async () => {
    for (const [value, attempts] of [["3", 3], [" 1 ", 1], ["", 2]] as const) {
      Deno.env.set("AWS_MAX_ATTEMPTS", value);
      // An empty variable counts as unset: the explicit default below applies.
      const tuning = value === "" ? { retry: { ...retry, maxAttempts: 2 } } : { retry };
      const store = S3Store.fromUrl("s3://bucket/p", { ...tuning, fetch: throttled });
      await assert.rejects(
        () => store.get("k"),
        new RegExp(`503 SlowDown after ${attempts} attempt`),
      );
      assert.equal(store.stats.requests, attempts, `AWS_MAX_ATTEMPTS="${value}"`);
    }
    // An explicit option wins over the variable, as in the AWS SDKs.
    Deno.env.set("AWS_MAX_ATTEMPTS", "5");
    const explicit = S3Store.fromUrl("s3://bucket/p", {
      retry: { ...retry, maxAttempts: 2 },
      fetch: throttled,
    });
    await assert.rejects(() => explicit.get("k"), /after 2 attempts/);
    for (const bad of ["0", "-1", "2.5", "three", "1e3", "0x10", "9007199254740993"]) {
      Deno.env.set("AWS_MAX_ATTEMPTS", bad);
      assert.throws(
        () => S3Store.fromUrl("s3://bucket/p"),
        (error: unknown) => {
          assert.ok(error instanceof TypeError, bad);
          assert.equal(
            error.message,
            `Invalid AWS_MAX_ATTEMPTS "${bad}": expected a whole number of attempts, at least 1 (the first attempt included)`,
          );
          return true;
        },
      );
    }
  });
});

Deno.test("A process without --allow-net for the S3 endpoint fails after exactly 1 attempt", async () => {
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "--allow-env=AWS_*",
      "tests/fixtures/s3_probe.ts",
      "s3://bucket/prefix",
    ],
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      AWS_ACCESS_KEY_ID: "AK",
      AWS_SECRET_ACCESS_KEY: "SK",
      AWS_ENDPOINT_URL_S3: "http://localhost.invalid:7480",
      AWS_MAX_ATTEMPTS: "8",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 0, stderr);
  const result = JSON.parse(new TextDecoder().decode(child.stdout));
  assert.equal(result.ok, false);
  assert.equal(result.attempts, 1);
  assert.equal(result.requests, 1);
  assert.equal(result.retries, 0);
  assert.ok(result.ms < 2000, `took ${result.ms} ms`);
  assert.match(result.error, /not permitted to reach "localhost\.invalid:7480"/);
  assert.doesNotMatch(result.error, /run again/);
});

Deno.test("generate refuses a bad AWS_MAX_ATTEMPTS before any work (exit 2, naming it)", async () => {
  const r = await runTask(
    "generate",
    ["--world", "nk", "--n-samples", "4", "--T", "4", "--H", "1", "--output", "s3://bucket/p"],
    {
      AWS_ACCESS_KEY_ID: "AK",
      AWS_SECRET_ACCESS_KEY: "SK",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:7480",
      AWS_MAX_ATTEMPTS: "0",
    },
  );
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stderr.trim(),
    'error: Cannot open s3://bucket/p: Invalid AWS_MAX_ATTEMPTS "0": expected a whole number of ' +
      "attempts, at least 1 (the first attempt included)",
  );
});

// ---- against a real radosgw ----

const AWKWARD_KEYS = [
  "plain",
  "nk/irfs.zarr/c/3/0/0/0",
  "with space/and  two",
  "unicode/é漢字😀",
  "plus+and&amp;",
  "percent%20literal",
  "quote'\"<>",
  "tilde~!*()$,;=@",
  "question?hash#",
  "empty-value",
];

cephTest("S3Store round-trips values under awkward keys", async (ceph) => {
  const store = ceph.store("roundtrip");
  const values = AWKWARD_KEYS.map((key, i) =>
    key === "empty-value" ? new Uint8Array(0) : bytes(i, 1 + 997 * i)
  );
  await Promise.all(AWKWARD_KEYS.map((key, i) => store.set(key, values[i])));
  for (const [i, key] of AWKWARD_KEYS.entries()) {
    assert.deepEqual(await store.get(key), values[i], `key ${key}`);
  }
  assert.deepEqual(await store.list(), [...AWKWARD_KEYS].sort());
  assert.equal(await store.get("unicode/missing"), undefined);
  // Overwrite is a plain idempotent PUT.
  await store.set("plain", encode("v2"));
  await store.set("plain", encode("v2"));
  assert.deepEqual(await store.get("plain"), encode("v2"));
});

cephTest("list() follows continuation tokens and matches prefixes exactly", async (ceph) => {
  const store = ceph.store("listing/root", { listPageSize: 7 });
  const keys = Array.from({ length: 45 }, (_, i) => `p/${String(i).padStart(3, "0")}`);
  await Promise.all([...keys, "p", "p2/x", "q/y"].map((key) => store.set(key, encode(key))));
  const before = store.stats.requests;
  assert.deepEqual(await store.list("p/"), keys);
  assert.equal(store.stats.requests - before, Math.ceil(45 / 7));
  assert.deepEqual(await store.list("p"), ["p", ...keys, "p2/x"]);
  assert.deepEqual((await store.list()).length, 48);
  assert.deepEqual(await store.list("nothing/"), []);
  // A sibling root that shares a string prefix is not part of this store.
  const sibling = ceph.store("listing/roots");
  await sibling.set("p/000", encode("other"));
  assert.deepEqual(await store.list("p/00"), keys.slice(0, 10));
  assert.deepEqual(await sibling.list(), ["p/000"]);
  assert.deepEqual(await store.get("p/000"), encode("p/000"));
});

cephTest("delete() removes a key and ignores missing keys", async (ceph) => {
  const store = ceph.store("deleting");
  await store.set("a", encode("1"));
  await store.set("b", encode("2"));
  await store.delete("a");
  await store.delete("a");
  await store.delete("never-existed");
  assert.equal(await store.get("a"), undefined);
  assert.deepEqual(await store.list(), ["b"]);
});

cephTest("getRange() reads slices, short tails and nothing past the end", async (ceph) => {
  const store = ceph.store("ranges");
  const value = bytes(99, 10_000);
  await store.set("v", value);
  assert.deepEqual(await store.getRange("v", 0, 10), value.slice(0, 10));
  assert.deepEqual(await store.getRange("v", 1234, 4321), value.slice(1234, 1234 + 4321));
  assert.deepEqual(await store.getRange("v", 9990, 100), value.slice(9990));
  assert.deepEqual(await store.getRange("v", 10_000, 5), new Uint8Array(0));
  assert.deepEqual(await store.getRange("v", 5, 0), new Uint8Array(0));
  assert.equal(await store.getRange("missing", 0, 10), undefined);
  assert.equal(await store.getRange("missing", 0, 0), undefined);
  await assert.rejects(() => store.getRange("v", -1, 3), RangeError);
});

cephTest("setIfAbsent() creates once and settles a conflict by the stored bytes", async (ceph) => {
  const store = ceph.store("conditional");
  assert.equal(await store.setIfAbsent("claim", encode("owner-a")), true);
  assert.equal(await store.setIfAbsent("claim", encode("owner-a")), true);
  assert.equal(await store.setIfAbsent("claim", encode("owner-b")), false);
  assert.deepEqual(await store.get("claim"), encode("owner-a"));
  // Racing creators: exactly one distinct value wins, and every caller agrees on which.
  const results = await Promise.all(
    ["w0", "w1", "w2", "w3", "w4"].map((who) => store.setIfAbsent("race", encode(who))),
  );
  const stored = new TextDecoder().decode(await store.get("race"));
  assert.equal(results.filter((won) => won).length, 1);
  assert.equal(results[Number(stored.slice(1))], true);
});

cephTest("A wrong secret fails fast: 403 is not retried", async (ceph) => {
  const store = new S3Store({
    bucket: ceph.bucket,
    endpoint: ceph.endpoint,
    credentials: { accessKeyId: ceph.accessKey, secretAccessKey: "wrong" },
  });
  const t0 = performance.now();
  await assert.rejects(() => store.set("nk/irfs.zarr/c/3/0/0/0", encode("x")), (error: unknown) => {
    assert.ok(error instanceof S3Error);
    assert.match(
      error.message,
      /^Cannot write "nk\/irfs\.zarr\/c\/3\/0\/0\/0": S3 returned 403 SignatureDoesNotMatch/,
    );
    assert.match(error.message, / after 1 attempt$/);
    assert.equal(error.status, 403);
    assert.equal(error.attempts, 1);
    return true;
  });
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(store.stats.requests, 1);
});

cephTest("A missing bucket is an error, not a missing key", async (ceph) => {
  const store = new S3Store({
    bucket: "no-such-bucket",
    endpoint: ceph.endpoint,
    credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey },
  });
  await assert.rejects(
    () => store.get("k"),
    /Cannot read "k": S3 returned 404 NoSuchBucket after 1 attempt/,
  );
  await assert.rejects(() => store.list(), /Cannot list "": S3 returned 404 NoSuchBucket/);
});

cephTest("At most maxConcurrency requests are in flight", async (ceph) => {
  let active = 0;
  let peak = 0;
  async function counting(request: Request, init?: RequestInit): Promise<Response> {
    peak = Math.max(peak, ++active);
    try {
      return await fetch(request, init);
    } finally {
      active--;
    }
  }
  const store = ceph.store("concurrency", { maxConcurrency: 4, fetch: counting });
  await Promise.all(Array.from({ length: 40 }, (_, i) => store.set(`k${i}`, bytes(i, 20_000))));
  assert.equal(peak, 4);
  assert.equal((await store.list()).length, 40);
});

cephTest("Through a proxy faulting 15% of requests, every object arrives intact", async (ceph) => {
  const proxy = startFaultProxy(ceph.endpoint, { seed: 7, faultRate: 0.15, delayMs: 50 });
  try {
    const retry = { baseDelayMs: 5, maxDelayMs: 100, maxAttempts: 12, attemptTimeoutMs: 5000 };
    const store = ceph.store("faulty", { endpoint: proxy.endpoint, retry });
    const n = 160;
    const keys = Array.from({ length: n }, (_, i) => `w/c/${i >> 4}/${i & 15}`);
    const values = keys.map((_, i) => bytes(1000 + i, 1 + ((i * 7919) % 40_000)));
    await Promise.all(keys.map((key, i) => store.set(key, values[i])));
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.setIfAbsent(`claims/${i}`, encode(`owner-${i}`))),
    );
    assert.deepEqual(created, Array(20).fill(true));
    // Read back through the faulty proxy, and directly from the gateway.
    const direct = ceph.store("faulty");
    assert.deepEqual(await store.list("w/"), [...keys].sort());
    await Promise.all(keys.map(async (key, i) => {
      assert.deepEqual(await store.get(key), values[i], `through proxy: ${key}`);
      assert.deepEqual(await direct.get(key), values[i], `direct: ${key}`);
      const part = await store.getRange(key, 3, 5000);
      assert.deepEqual(part, values[i].slice(3, 5003), `range: ${key}`);
    }));
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(await direct.get(`claims/${i}`), encode(`owner-${i}`));
    }
    assert.equal((await direct.list()).length, n + 20);
    for (const kind of FAULT_KINDS) assert.ok(proxy.counts[kind] > 0, `no ${kind} fault injected`);
    assert.ok(proxy.log.some((f) => f.method === "PUT" && f.kind === "errorAfterWrite"));
    assert.ok(proxy.log.some((f) => f.method === "PUT" && f.kind === "resetAfterForward"));
    assert.ok(proxy.log.some((f) => f.method === "GET" && f.kind === "truncateBody"));
    assert.ok(store.stats.retries > 0);
  } finally {
    await proxy.close();
  }
});

cephTest("A stalled attempt times out and is retried with a fresh timeout", async (ceph) => {
  const proxy = startFaultProxy(ceph.endpoint, {
    seed: 3,
    faultRate: 0.5,
    kinds: ["delay"],
    delayMs: 300,
  });
  try {
    const retry = { baseDelayMs: 5, maxAttempts: 20, attemptTimeoutMs: 100 };
    const store = ceph.store("stalls", { endpoint: proxy.endpoint, retry });
    for (let i = 0; i < 6; i++) await store.set(`k${i}`, encode(`v${i}`));
    for (let i = 0; i < 6; i++) assert.deepEqual(await store.get(`k${i}`), encode(`v${i}`));
    assert.ok(proxy.counts.delay > 0);
    assert.ok(store.stats.retries > 0);
    proxy.faultRate = 1;
    const once = ceph.store("stalls", {
      endpoint: proxy.endpoint,
      retry: { ...retry, maxAttempts: 1 },
    });
    await assert.rejects(
      () => once.get("k0"),
      /^S3Error: Cannot read "k0": timed out after 100 ms after 1 attempt$/,
    );
  } finally {
    await proxy.close();
  }
});

cephTest("Retries give up after maxAttempts with a clear error", async (ceph) => {
  const proxy = startFaultProxy(ceph.endpoint, { faultRate: 1, kinds: ["slowDown"] });
  try {
    const store = ceph.store("giving-up", {
      endpoint: proxy.endpoint,
      retry: { maxAttempts: 3, baseDelayMs: 1 },
    });
    await assert.rejects(
      () => store.set("nk/irfs.zarr/c/3/0/0/0", encode("x")),
      (error: unknown) => {
        assert.ok(error instanceof S3Error);
        assert.equal(
          error.message,
          'Cannot write "nk/irfs.zarr/c/3/0/0/0": S3 returned 503 SlowDown ' +
            "(Please reduce your request rate.) after 3 attempts",
        );
        assert.equal(error.s3Code, "SlowDown");
        assert.equal(error.code, "IO");
        return true;
      },
    );
    assert.equal(proxy.requests, 3);
    assert.equal(proxy.forwarded, 0);
  } finally {
    await proxy.close();
  }
});

cephTest(
  "An outage shorter than the retry window is ridden out; a longer one is not",
  async (ceph) => {
    const proxy = startFaultProxy(ceph.endpoint, { faultRate: 0 });
    try {
      // Waits of at least 25, 50, 100, then 200 ms six times: 1,375 ms in all before the 10th attempt.
      const retry = { baseDelayMs: 50, maxDelayMs: 400, maxAttempts: 10 };
      assert.equal(retryWindow(retryPolicy(retry)).minMs, 1375);
      const store = ceph.store("outage", { endpoint: proxy.endpoint, retry });
      await store.set("before", encode("up"));
      const keys = Array.from({ length: 24 }, (_, i) => `during/${i}`);
      // 1 s down: refused for the first half, reset for the second.
      const outage = proxy.outage(1000, { refuseMs: 500 });
      const t0 = performance.now();
      await Promise.all(keys.map((key) => store.set(key, encode(key))));
      await outage;
      assert.ok(performance.now() - t0 >= 1000, "the writes waited for the outage to end");
      assert.ok(store.stats.retries >= keys.length, `only ${store.stats.retries} retries`);
      assert.ok(proxy.dropped > 0, "no connection was reset during the outage");
      assert.deepEqual(await ceph.store("outage").list("during/"), [...keys].sort());
      // With less patience than the outage is long, the error says what happened.
      const impatient = ceph.store("outage", {
        endpoint: proxy.endpoint,
        retry: { baseDelayMs: 10, maxAttempts: 3 },
      });
      const refused = proxy.outage(1000, { refuseMs: 1000 });
      await assert.rejects(
        () => impatient.get("before"),
        /^S3Error: Cannot read "before": request failed \(TypeError: fetch failed: .*Connection refused.*\) after 3 attempts$/,
      );
      await refused;
      assert.deepEqual(await impatient.get("before"), encode("up"));
    } finally {
      await proxy.close();
    }
  },
);

cephTest("setIfAbsent() settles a create whose reply was lost after the write", async (ceph) => {
  for (const kind of ["errorAfterWrite", "resetAfterForward"] as const) {
    const proxy = startFaultProxy(ceph.endpoint, { faultRate: 1, kinds: [kind] });
    try {
      // Fault only the first request: the PUT reaches the gateway, its reply does not.
      const firstFaulted = async (request: Request, init?: RequestInit): Promise<Response> => {
        try {
          return await fetch(request, init);
        } finally {
          proxy.faultRate = 0;
        }
      };
      const store = ceph.store("lost-replies", {
        endpoint: proxy.endpoint,
        fetch: firstFaulted,
        retry: { baseDelayMs: 1 },
      });
      assert.equal(await store.setIfAbsent(kind, encode("mine")), true);
      assert.deepEqual(proxy.log.map((f) => `${f.method} ${f.kind}`), [`PUT ${kind}`]);
      assert.ok(proxy.forwarded >= 2, "the create was forwarded, then settled by a read");
      assert.deepEqual(await ceph.store("lost-replies").get(kind), encode("mine"));
      // The same situation with someone else's bytes in place is a lost race, not a success.
      proxy.faultRate = 1;
      assert.equal(await store.setIfAbsent(kind, encode("theirs")), false);
    } finally {
      await proxy.close();
    }
  }
});

cephTest(
  "Bytes damaged in transit are caught by Content-MD5 and the ETag, then resent",
  async (ceph) => {
    let damaged = 0;
    function flipFirstByte(data: Uint8Array): Uint8Array<ArrayBuffer> {
      const copy = data.slice();
      copy[0] ^= 0xff;
      damaged++;
      return copy;
    }
    // Damage the first request body and the first response body; pass everything else.
    async function damaging(request: Request, init?: RequestInit): Promise<Response> {
      if (request.method === "PUT" && damaged === 0) {
        const body = flipFirstByte(new Uint8Array(await request.arrayBuffer()));
        return await fetch(new Request(request, { body }), init);
      }
      const response = await fetch(request, init);
      if (request.method === "GET" && damaged === 1 && response.status === 200) {
        const body = flipFirstByte(new Uint8Array(await response.arrayBuffer()));
        return new Response(body, { status: 200, headers: response.headers });
      }
      return response;
    }
    const store = ceph.store("damage", { fetch: damaging, retry: { baseDelayMs: 1 } });
    const value = bytes(5, 3000);
    await store.set("v", value);
    assert.equal(store.stats.retries, 1, "the damaged PUT was rejected (BadDigest) and resent");
    assert.deepEqual(await store.get("v"), value);
    assert.equal(store.stats.retries, 2, "the damaged GET failed the MD5 check and was re-read");
    assert.equal(damaged, 2);
    const unchecked = ceph.store("damage", { fetch: damaging, verifyChecksums: false });
    damaged = 1;
    assert.notDeepEqual(
      await unchecked.get("v"),
      value,
      "without the check the damage goes through",
    );
  },
);

cephTest("openStore() opens s3:// URLs from the AWS_* environment", async (ceph) => {
  const vars = ceph.env();
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, Deno.env.get(name)]));
  try {
    for (const [name, value] of Object.entries(vars)) Deno.env.set(name, value);
    const store = await openStore(ceph.url("opened/via/url"));
    assert.ok(store instanceof S3Store);
    assert.equal(store.url, ceph.url("opened/via/url"));
    await store.set("a/b", encode("hello"));
    assert.deepEqual(await ceph.store("opened/via").get("url/a/b"), encode("hello"));
    assert.deepEqual(await store.list(), ["a/b"]);
    await store.close?.();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});

Deno.test("A refresh that fails after the credentials expired is retried; a store that never had credentials fails at once", async () => {
  const seen: string[] = [];
  const toy = (request: Request): Promise<Response> => {
    seen.push(request.headers.get("x-amz-security-token") ?? "");
    return Promise.resolve(new Response("x"));
  };
  let calls = 0;
  const store = new S3Store({
    bucket: "bucket",
    endpoint: "http://127.0.0.1:9",
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    fetch: toy,
    credentials: () => {
      calls++;
      // The first credentials expire in 300 ms; the next two fetches fail, the third works.
      if (calls === 1) {
        return Promise.resolve({
          accessKeyId: "AK",
          secretAccessKey: "SK",
          sessionToken: "first",
          expiration: new Date(Date.now() + 300),
        });
      }
      if (calls <= 3) return Promise.reject(new NoAwsCredentialsError([]));
      return Promise.resolve({ accessKeyId: "AK", secretAccessKey: "SK", sessionToken: "second" });
    },
  });
  await store.get("k");
  await new Promise((r) => setTimeout(r, 400));
  await store.get("k");
  assert.deepEqual(seen, ["first", "second"]);
  assert.equal(calls, 4);
  assert.equal(store.stats.retries, 2);
  const never = new S3Store({
    bucket: "bucket",
    endpoint: "http://127.0.0.1:9",
    fetch: toy,
    credentials: () => Promise.reject(new NoAwsCredentialsError([])),
  });
  await assert.rejects(never.get("k"), /No AWS credentials found.* after 1 attempt$/s);
});
