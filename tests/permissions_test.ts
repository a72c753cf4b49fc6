/**
 * Least privilege: every task runs through the launcher (`scripts/launch.ts`)
 * with permissions narrowed to its own output, its store's endpoint and the
 * environment variables it reads. The grants are checked three ways: their
 * exact value per task, the runtime refusing everything else (a probe script
 * run under the very flags), and the flags a real `deno task generate`
 * process carries.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gitHashReadPaths } from "../src/manifest/git_hash.ts";
import { SHARD_INDEX_VARIABLES } from "../src/pipeline/defaults.ts";
import { S3_ENV_VARIABLES } from "../src/store/s3_location.ts";
import { CREDENTIAL_CHAIN_VARIABLES } from "../src/store/aws_credential_sources.ts";
import { TASK_NAMES } from "../scripts/_flags.ts";
import {
  type EndpointEnv,
  LAUNCHER_ENV_VARIABLES,
  permissionFlags,
  type TaskPermissions,
  taskPermissions,
} from "../scripts/_permissions.ts";
import { taskCommand } from "../scripts/launch.ts";
import { exists, ROOT, runTask, spawnTask } from "./_dataset_files.ts";

const PROBE = fileURLToPath(new URL("./fixtures/permission_probe.ts", import.meta.url));
const SOURCE = fileURLToPath(new URL("../src", import.meta.url));
const GIT = (await gitHashReadPaths(ROOT)).map((p) => join(p));
const TINY = ["--world", "nk", "--n-samples", "6", "--T", "4", "--H", "1", "--quiet"];
const noEnv: EndpointEnv = () => undefined;

function envOf(values: Record<string, string>): EndpointEnv {
  return (name) => values[name];
}

/** Keys in the environment: the credential chain stops at its first link and needs nothing more. */
const KEYS = { AWS_ACCESS_KEY_ID: "AK", AWS_SECRET_ACCESS_KEY: "SK" };

function none(extra: Partial<TaskPermissions> = {}): TaskPermissions {
  return { read: [], write: [], net: [], env: ["UME_DEBUG"], sys: [], ...extra };
}

/** Run the probe fixture under `flags`; one result per operation: "ok" or the error class. */
async function probe(flags: string[], operations: Record<string, string>[]): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, PROBE, JSON.stringify(operations)],
    env: { NO_COLOR: "1", AWS_SECRET_ACCESS_KEY: "probe-secret" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  assert.equal(out.code, 0, d.decode(out.stderr));
  return JSON.parse(d.decode(out.stdout));
}

/** A loopback HTTP server answering "ok", on a free port. */
function listen(): { port: number; server: Deno.HttpServer } {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("ok"),
  );
  return { port: (server.addr as Deno.NetAddr).port, server };
}

Deno.test("a generate run may write only under its output: the runtime denies every other write, all network and other variables", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_perm_" });
  const other = listen();
  const elsewhere = `/tmp/ume-elsewhere-${crypto.randomUUID()}`;
  try {
    // The output and its parent do not exist yet: the run creates both.
    const out = join(root, "runs", "v1");
    const flags = permissionFlags(await taskPermissions("generate", [...TINY, "--output", out]));
    const results = await probe(flags, [
      { mkdir: join(out, "nk", "irfs.zarr") },
      { write: join(out, "nk", "zarr.json") },
      { read: join(out, "nk", "zarr.json") },
      { write: join(root, "runs", "sibling.txt") },
      { write: `${out}-other` },
      { mkdir: join(root, "elsewhere") },
      { write: elsewhere },
      { read: "/etc/passwd" },
      { env: "UME_DEBUG" },
      { env: "AWS_SECRET_ACCESS_KEY" },
      { env: "HOME" },
      { fetch: `http://127.0.0.1:${other.port}/` },
    ]);
    assert.deepEqual(results, [
      "ok",
      "ok",
      "ok",
      "NotCapable",
      "NotCapable",
      "NotCapable",
      "NotCapable",
      "NotCapable",
      "ok",
      "NotCapable",
      "NotCapable",
      "NotCapable",
    ]);
    assert.deepEqual([...Deno.readDirSync(join(root, "runs"))].map((e) => e.name), ["v1"]);
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["runs"]);
    assert.equal(await exists(elsewhere), false);
  } finally {
    await other.server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an S3 run with keys in the environment may reach only its endpoint's host and port, read only the S3 variables, and write nothing", async () => {
  const endpoint = listen();
  const other = listen();
  const root = await Deno.makeTempDir({ prefix: "ume_perm_s3_" });
  try {
    const env = envOf({ ...KEYS, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${endpoint.port}` });
    const granted = await taskPermissions("generate", ["--output", "s3://bucket/run"], env);
    const results = await probe(permissionFlags(granted), [
      { fetch: `http://127.0.0.1:${endpoint.port}/bucket/run/manifest.json` },
      { fetch: `http://127.0.0.1:${other.port}/` },
      { fetch: `http://localhost:${endpoint.port}/` },
      { fetch: "https://bucket.s3.us-east-1.amazonaws.com/" },
      { env: "AWS_SECRET_ACCESS_KEY" },
      { env: "AWS_PROFILE" },
      { env: "AWS_CONTAINER_CREDENTIALS_FULL_URI" },
      { write: join(root, "x") },
      { mkdir: "./datasets/v1.0" },
    ]);
    assert.deepEqual(results, [
      "ok",
      "NotCapable",
      "NotCapable",
      "NotCapable",
      "ok",
      "NotCapable",
      "NotCapable",
      "NotCapable",
      "NotCapable",
    ]);
    assert.deepEqual([...Deno.readDirSync(root)], []);
  } finally {
    await endpoint.server.shutdown();
    await other.server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an S3 run without keys may also read the credential chain's variables and files and reach its hosts, nothing else", async () => {
  const endpoint = listen();
  const container = listen();
  const other = listen();
  const root = await Deno.makeTempDir({ prefix: "ume_perm_chain_" });
  try {
    const token = join(root, "token");
    await Deno.writeTextFile(token, "t");
    const env = envOf({
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${endpoint.port}`,
      HOME: root,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${container.port}/creds`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: token,
    });
    const granted = await taskPermissions("generate", ["--output", "s3://bucket/run"], env);
    const results = await probe(permissionFlags(granted), [
      { fetch: `http://127.0.0.1:${endpoint.port}/bucket/run/manifest.json` },
      { fetch: `http://127.0.0.1:${container.port}/creds` },
      { fetch: `http://127.0.0.1:${other.port}/` },
      { read: token },
      { read: join(root, ".aws", "config") },
      { read: join(root, "elsewhere") },
      { env: "AWS_PROFILE" },
      { env: "AWS_CONTAINER_AUTHORIZATION_TOKEN" },
      { env: "PATH" },
      { write: join(root, "x") },
    ]);
    assert.deepEqual(results, [
      "ok",
      "ok",
      "NotCapable",
      "ok",
      "NotFound",
      "NotCapable",
      "ok",
      "ok",
      "NotCapable",
      "NotCapable",
    ]);
    assert.ok(granted.env.includes("AWS_SECRET_ACCESS_KEY"));
    assert.deepEqual(granted.env.slice(1 + S3_ENV_VARIABLES.length), CREDENTIAL_CHAIN_VARIABLES);
  } finally {
    for (const s of [endpoint, container, other]) await s.server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("taskPermissions() grants each task exactly its locations, local and S3", async () => {
  const cwd = Deno.cwd();
  const local = join(cwd, "datasets", "v1.0");
  const s3 = [...S3_ENV_VARIABLES];
  const endpoint = envOf({ ...KEYS, AWS_ENDPOINT_URL: "http://127.0.0.1:7480" });
  const cases: [string, TaskPermissions, TaskPermissions][] = [
    // generate: the output (default ./datasets/v1.0), the workers' source, git, memory size.
    [
      "generate",
      await taskPermissions("generate", [], noEnv),
      none({ read: [local, SOURCE, ...GIT], write: [local], sys: ["systemMemoryInfo"] }),
    ],
    [
      "generate --shard auto/3 to S3",
      await taskPermissions("generate", ["--output", "s3://b/p", "--shard", "auto/3"], endpoint),
      none({
        read: [SOURCE, ...GIT],
        net: ["127.0.0.1:7480"],
        env: ["UME_DEBUG", ...s3, ...SHARD_INDEX_VARIABLES],
        sys: ["systemMemoryInfo"],
      }),
    ],
    [
      "finalize",
      await taskPermissions("finalize", ["--output", "/data/run"], noEnv),
      none({ read: ["/data/run", ...GIT], write: ["/data/run"] }),
    ],
    [
      "finalize on S3",
      await taskPermissions("finalize", ["--output", "s3://b/p"], endpoint),
      none({ read: GIT, net: ["127.0.0.1:7480"], env: ["UME_DEBUG", ...s3] }),
    ],
    [
      "validate",
      await taskPermissions("validate", ["--path", "file:///data/run", "--resimulate", "2"]),
      none({ read: ["/data/run"] }),
    ],
    [
      "validate on S3",
      await taskPermissions("validate", ["--path", "s3://b/p"], endpoint),
      none({ net: ["127.0.0.1:7480"], env: ["UME_DEBUG", ...s3] }),
    ],
    [
      "report (beside the dataset)",
      await taskPermissions("report", ["--path", "/data/run/"], noEnv),
      none({
        read: ["/data/run", "/data/run.report.html", "/data/run.report.html.partial"],
        write: ["/data/run.report.html", "/data/run.report.html.partial"],
      }),
    ],
    [
      "report on S3 (into the current folder)",
      await taskPermissions("report", ["--path", "s3://b/p"], endpoint),
      none({
        read: [join(cwd, "p.report.html"), join(cwd, "p.report.html.partial")],
        write: [join(cwd, "p.report.html"), join(cwd, "p.report.html.partial")],
        net: ["127.0.0.1:7480"],
        env: ["UME_DEBUG", ...s3],
      }),
    ],
  ];
  for (const [what, got, want] of cases) assert.deepEqual(got, want, what);
});

Deno.test("taskPermissions() reaches the host S3 requests go to: virtual host, path style, custom endpoint", async () => {
  const cases: [string, Record<string, string>, string][] = [
    ["s3://data/p", {}, "data.s3.us-east-1.amazonaws.com:443"],
    ["s3://data/p", { AWS_DEFAULT_REGION: "eu-west-1" }, "data.s3.eu-west-1.amazonaws.com:443"],
    [
      "s3://data/p",
      { AWS_REGION: "ap-south-1", AWS_DEFAULT_REGION: "eu-west-1" },
      "data.s3.ap-south-1.amazonaws.com:443",
    ],
    ["s3://my.data/p", { AWS_REGION: "eu-west-1" }, "s3.eu-west-1.amazonaws.com:443"],
    ["s3://data", { AWS_ENDPOINT_URL: "https://minio.internal" }, "minio.internal:443"],
    [
      "s3://data/p",
      { AWS_ENDPOINT_URL_S3: "http://[::1]:9000", AWS_ENDPOINT_URL: "http://elsewhere:1" },
      "[::1]:9000",
    ],
    ["s3://data/p", { AWS_ENDPOINT_URL_S3: "", AWS_ENDPOINT_URL: "http://h:80/" }, "h:80"],
  ];
  for (const [url, env, host] of cases) {
    const granted = await taskPermissions("validate", ["--path", url], envOf({ ...KEYS, ...env }));
    assert.deepEqual(granted.net, [host], `${url} ${JSON.stringify(env)}`);
  }
});

Deno.test("taskPermissions() takes generate's output from the config file unless --output overrides it", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_perm_config_" });
  try {
    const config = join(root, "job.json");
    await Deno.writeTextFile(config, JSON.stringify({ output: join(root, "a"), n_samples: 6 }));
    const fromFile = await taskPermissions("generate", ["--config", config], noEnv);
    assert.deepEqual(fromFile.write, [join(root, "a")]);
    assert.deepEqual(fromFile.read, [config, join(root, "a"), SOURCE, ...GIT]);
    const flags = ["--config", config, "--output", join(root, "b")];
    const overridden = await taskPermissions("generate", flags, noEnv);
    assert.deepEqual(overridden.write, [join(root, "b")]);
    assert.deepEqual(overridden.read, [config, join(root, "b"), SOURCE, ...GIT]);
    // The script really writes where the launcher granted.
    const r = await runTask("generate", [...TINY, "--config", config]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(await exists(join(root, "a", "nk")));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("taskPermissions() grants nothing beyond UME_DEBUG for input the task refuses", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_perm_bad_" });
  try {
    const notJson = join(root, "bad.json");
    await Deno.writeTextFile(notJson, "{");
    const cases: [string, readonly string[], TaskPermissions][] = [
      ["generate", ["--help"], none()],
      ["generate", ["--bogus"], none()],
      ["generate", ["--output", "memory://x"], none()],
      ["generate", ["--output", "ftp://host/x"], none()],
      ["generate", ["--output", " "], none()],
      ["generate", ["--config", notJson], none({ read: [notJson] })],
      [
        "generate",
        ["--config", join(root, "missing.json")],
        none({ read: [join(root, "missing.json")] }),
      ],
      ["finalize", ["--output"], none()],
      ["validate", ["--path", "s3:/bucket"], none({ read: [join(Deno.cwd(), "s3:/bucket")] })],
      ["validate", ["--path", "s3://bucket/p"], none()],
      ["report", ["--path", "memory://x", "--out", join(root, "r.html")], none()],
    ];
    const badEndpoint = envOf({ AWS_ENDPOINT_URL: "not a url" });
    for (const [task, args, want] of cases) {
      const got = await taskPermissions(task as "generate", args, badEndpoint);
      assert.deepEqual(got, want, `${task} ${args.join(" ")}`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("every task refuses a memory:// location (exit 2) and a path with a comma, which no flag can grant", async () => {
  for (
    const [task, flag] of [
      ["generate", "--output"],
      ["finalize", "--output"],
      ["validate", "--path"],
      ["report", "--path"],
    ] as const
  ) {
    const r = await runTask(task, [flag, "memory://run", ...(task === "generate" ? TINY : [])]);
    assert.equal(r.code, 2, `${task}: ${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        `^error: Invalid ${flag} "memory://run": a memory:// store lives only inside one process`,
      ),
    );
  }
  const root = await Deno.makeTempDir({ prefix: "ume_perm_comma_" });
  try {
    const r = await runTask("generate", [...TINY, "--output", join(root, "a,b")]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^error: Cannot grant the task access to ".*a,b": .*choose a path without one/,
    );
    assert.deepEqual([...Deno.readDirSync(root)], []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** The process ids whose command line holds every one of `parts`, from /proc. */
function processesWith(...parts: string[]): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let argv: string[];
    try {
      argv = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0").slice(0, -1);
    } catch {
      continue; // exited
    }
    if (parts.every((p) => argv.includes(p))) found.push({ pid: Number(entry.name), argv });
  }
  return found;
}

async function waitFor<T>(what: string, poll: () => T | undefined): Promise<T> {
  for (let i = 0; i < 1500; i++) {
    const value = poll();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

const SCRIPT = fileURLToPath(new URL("../scripts/generate.ts", import.meta.url));
const LONG_JOB = ["--world", "all", "--n-samples", "20000", "--workers", "1", "--quiet"];

Deno.test({
  name:
    "deno task generate runs the script with exactly the narrowed flags, and forwards SIGTERM to it",
  ignore: Deno.build.os !== "linux",
  async fn(): Promise<void> {
    const root = await Deno.makeTempDir({ prefix: "ume_perm_cmdline_" });
    const out = join(root, "v1");
    const args = [...LONG_JOB, "--output", out];
    const task = spawnTask("generate", args);
    try {
      const child = await waitFor("the task process", () => processesWith(SCRIPT, out)[0]);
      const launcher = processesWith("scripts/launch.ts", out)[0];
      const flags = permissionFlags(await taskPermissions("generate", args));
      assert.deepEqual(child.argv.slice(1), taskCommand("generate", flags, args));
      assert.deepEqual(flags, [
        "--no-prompt",
        `--allow-read=${[out, SOURCE, ...GIT].join(",")}`,
        `--allow-write=${out}`,
        "--allow-env=UME_DEBUG",
        "--allow-sys=systemMemoryInfo",
      ]);
      for (const arg of child.argv) {
        assert.doesNotMatch(arg, /^(-A|--allow-all|--allow-(read|write|net|env|run|sys|ffi))$/);
      }
      // The launcher holds only what deno.json gives it, and no write or net at all.
      assert.deepEqual(launcher.argv.slice(1, 5), [
        "run",
        "--allow-run",
        "--allow-read",
        `--allow-env=${LAUNCHER_ENV_VARIABLES.join(",")}`,
      ]);
      // SIGTERM to the launcher alone stops the task, and its exit code comes back.
      Deno.kill(launcher.pid, "SIGTERM");
      const status = await task.status;
      assert.equal(status.code, 143);
      await waitFor("the task to exit", () => processesWith(SCRIPT, out).length === 0 || undefined);
    } finally {
      task.kill();
      await task.status;
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("deno.json runs every task through the launcher, which loads no npm package", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  for (const task of TASK_NAMES) {
    assert.equal(
      config.tasks[task],
      `deno run --allow-run --allow-read --allow-env=${
        LAUNCHER_ENV_VARIABLES.join(",")
      } scripts/launch.ts ${task}`,
    );
  }
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", join(ROOT, "scripts/launch.ts")],
    stdout: "piped",
  }).output();
  const modules: { specifier: string }[] =
    JSON.parse(new TextDecoder().decode(info.stdout)).modules;
  const specifiers = modules.map((m) => m.specifier);
  assert.ok(specifiers.some((s) => s.endsWith("/scripts/_permissions.ts")));
  assert.deepEqual(specifiers.filter((s) => !/^(file|node):/.test(s)), []);
});

Deno.test("report writes only its output file; no temporary file is left", async () => {
  const root = await Deno.makeTempDir({ prefix: "ume_perm_report_" });
  try {
    const path = join(root, "v1");
    const g = await runTask("generate", [...TINY, "--output", path]);
    assert.equal(g.code, 0, g.stderr);
    const out = join(root, "r.html");
    const r = await runTask("report", ["--path", path, "--out", out, "--max-samples", "3"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), ["r.html", "v1"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
