/**
 * Test fixture: a throw-away single-node Ceph S3 gateway (radosgw) on
 * 127.0.0.1, started by `tests/fixtures/ceph_rgw.sh` with its own state
 * folder and free ports, so test files running in parallel do not collide.
 *
 * Typical use, one cluster per test file:
 *
 * ```ts ignore
 * import { ignoreWithoutCeph, sharedCeph } from "./_ceph.ts";
 * Deno.test({ name: "…", ignore: ignoreWithoutCeph(), fn: async () => {
 *   const ceph = await sharedCeph(); // started once per file, killed at unload
 *   const store = ceph.store("some/prefix"); // an S3Store
 *   // or, for openStore / a child process: ceph.url("some/prefix") with ceph.env()
 * }});
 * ```
 *
 * @module
 */

import { skipUnless } from "./_requires.ts";
import { AwsClient } from "../src/store/_deps.ts";
import { S3Store, type S3StoreTuning } from "../src/store/s3_store.ts";

/** Every program the start script needs. */
const PROGRAMS = [
  "ceph",
  "ceph-mon",
  "ceph-osd",
  "ceph-authtool",
  "monmaptool",
  "radosgw",
  "radosgw-admin",
  "uuidgen",
  "curl",
] as const;

const INSTALL_HINT =
  "apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd uuid-runtime curl";

const SCRIPT = new URL("./fixtures/ceph_rgw.sh", import.meta.url).pathname;

/** A running gateway with one bucket. */
export interface CephGateway {
  /** The S3 endpoint, `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The test user's access key. */
  accessKey: string;
  /** The test user's secret key. */
  secretKey: string;
  /** A bucket created for the tests. */
  bucket: string;
  /** The cluster's state folder. */
  base: string;
  /**
   * A store on `prefix` in the test bucket.
   *
   * @param prefix Key prefix inside the bucket.
   * @param options Tuning, or another endpoint (e.g. a proxy in front of the gateway).
   * @returns The store.
   */
  store(prefix: string, options?: S3StoreTuning & { endpoint?: string }): S3Store;
  /**
   * The `s3://` URL of `prefix` in the test bucket, for `openStore` and CLIs.
   *
   * @param prefix Key prefix inside the bucket.
   * @returns `s3://<bucket>/<prefix>`.
   */
  url(prefix: string): string;
  /**
   * The `AWS_*` variables that point `S3Store.fromUrl` (in this process or a
   * child process) at the gateway, or at a proxy in front of it.
   *
   * @param endpoint Another endpoint (default: the gateway).
   * @returns Environment variables.
   */
  env(endpoint?: string): Record<string, string>;
  /**
   * Stop the cluster and delete its state.
   *
   * @param mode `"kill"` (SIGKILL, instant; the default) or `"stop"` (graceful).
   */
  stop(mode?: "kill" | "stop"): Promise<void>;
}

/**
 * The programs of {@link PROGRAMS} that are not on `PATH`.
 *
 * @returns Missing program names (empty if Ceph is installed).
 */
export function missingCephPrograms(): string[] {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
  return PROGRAMS.filter((name) =>
    !dirs.some((dir) => {
      try {
        return Deno.statSync(`${dir}/${name}`).isFile;
      } catch {
        return false;
      }
    })
  );
}

/**
 * Whether the Ceph programs are installed.
 *
 * @returns `true` if every program the start script needs is on `PATH`.
 */
export function cephAvailable(): boolean {
  return missingCephPrograms().length === 0;
}

/**
 * For `Deno.test({ ignore })`: skip Ceph tests when Ceph is missing, unless
 * `UME_REQUIRE_ALL=1` (CI), where they run and fail with an install hint.
 *
 * @returns `true` if the test should be ignored.
 */
export function ignoreWithoutCeph(): boolean {
  return skipUnless({
    what: `a Ceph radosgw S3 server (${missingCephPrograms().join(", ")} missing)`,
    available: cephAvailable(),
    install:
      "apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd uuid-runtime curl",
  });
}

/**
 * A free TCP port on 127.0.0.1 (bound and released; a small race remains).
 *
 * @returns The port number.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function runScript(
  command: "start" | "stop" | "kill",
  env: Record<string, string>,
): Promise<{ ok: boolean; stderr: string }> {
  const output = await new Deno.Command("bash", {
    args: [SCRIPT, command],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { ok: output.success, stderr: new TextDecoder().decode(output.stderr) };
}

/**
 * Start a gateway: own state folder under the system temp folder, free mon
 * and gateway ports, a test user, and a bucket.
 *
 * @param options `bucket` name (default `"ume-test"`), `memstoreBytes` (default 1 GiB).
 * @returns The running gateway.
 * @throws {Error} If Ceph is not installed (with the `apt-get` line) or does not start.
 */
export async function startCeph(
  options: { bucket?: string; memstoreBytes?: number } = {},
): Promise<CephGateway> {
  const missing = missingCephPrograms();
  if (missing.length > 0) {
    throw new Error(
      `Cannot start the Ceph S3 gateway: ${missing.join(", ")} not installed: ${INSTALL_HINT}`,
    );
  }
  const base = await Deno.makeTempDir({ prefix: "ume-ceph-" });
  const accessKey = "AKIAUMETEST000000001";
  const secretKey = "ume-test-secret";
  const bucket = options.bucket ?? "ume-test";
  let env: Record<string, string> = {};
  let started = false;
  for (let attempt = 1; attempt <= 3 && !started; attempt++) {
    // A port picked free can be taken before the daemon binds it: pick again and retry.
    env = {
      BASE: base,
      RGW_PORT: String(freePort()),
      MON_PORT: String(freePort()),
      S3_ACCESS_KEY: accessKey,
      S3_SECRET_KEY: secretKey,
      MEMSTORE_BYTES: String(options.memstoreBytes ?? 2 ** 30),
    };
    const result = await runScript("start", env);
    started = result.ok;
    if (!started && attempt === 3) {
      await runScript("kill", env);
      await Deno.remove(base, { recursive: true }).catch(() => {});
      throw new Error(`Cannot start the Ceph S3 gateway: ${result.stderr.trim()}`);
    }
  }
  const endpoint = `http://127.0.0.1:${env.RGW_PORT}`;
  let stopped = false;
  const gateway: CephGateway = {
    endpoint,
    accessKey,
    secretKey,
    bucket,
    base,
    store(prefix: string, tuning: S3StoreTuning & { endpoint?: string } = {}): S3Store {
      return new S3Store({
        ...tuning,
        bucket,
        prefix,
        endpoint: tuning.endpoint ?? endpoint,
        credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
      });
    },
    url(prefix: string): string {
      return `s3://${bucket}/${prefix}`;
    },
    env(other?: string): Record<string, string> {
      return {
        AWS_ACCESS_KEY_ID: accessKey,
        AWS_SECRET_ACCESS_KEY: secretKey,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_S3: other ?? endpoint,
      };
    },
    async stop(mode: "kill" | "stop" = "kill"): Promise<void> {
      if (stopped) return;
      stopped = true;
      await runScript(mode, env);
      await Deno.remove(base, { recursive: true }).catch(() => {});
    },
  };
  await createBucket(gateway);
  addEventListener("unload", () => {
    if (!stopped) killSync(gateway);
  });
  return gateway;
}

async function createBucket(gateway: CephGateway): Promise<void> {
  const client = new AwsClient({
    accessKeyId: gateway.accessKey,
    secretAccessKey: gateway.secretKey,
    service: "s3",
    region: "us-east-1",
    retries: 0,
  });
  const response = await fetch(
    await client.sign(`${gateway.endpoint}/${gateway.bucket}`, { method: "PUT" }),
  );
  const text = await response.text();
  if (!response.ok) {
    await gateway.stop();
    throw new Error(`Cannot create test bucket "${gateway.bucket}": ${response.status} ${text}`);
  }
}

/** SIGKILL the daemons and delete the state folder, synchronously (for `unload`). */
function killSync(gateway: CephGateway): void {
  for (const name of ["client.rgw.a", "osd.0", "mon.a"]) {
    try {
      const pid = Number(Deno.readTextFileSync(`${gateway.base}/run/${name}.pid`).trim());
      if (pid > 1) Deno.kill(pid, "SIGKILL");
    } catch {
      // Not running.
    }
  }
  try {
    Deno.removeSync(gateway.base, { recursive: true });
  } catch {
    // Already gone.
  }
}

let shared: Promise<CephGateway> | undefined;

/**
 * One gateway per test file (per process): started on first use, killed when
 * the process unloads.
 *
 * @returns The shared gateway.
 */
export function sharedCeph(): Promise<CephGateway> {
  shared ??= startCeph();
  return shared;
}
