// deno-lint-ignore-file no-console
/**
 * Start-up cost of each link of the AWS credential chain: a fresh process
 * (a cleared environment with only that link's variables) from the dynamic
 * import of `src/store/aws_credentials.ts` to its first credentials, against
 * the stand-ins of `tests/_aws_standins.ts` on 127.0.0.1. Keys in the
 * environment load no SDK package; the other links load their AWS SDK
 * provider, which is what this measures (the stand-ins answer at once).
 * Every process and every worker thread that opens an S3 store pays it once.
 *
 * Run: `deno run -A bench/credentials_bench.ts [--runs 5]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCredentialStandIn } from "../tests/_aws_standins.ts";

const { values } = parseArgs({ args: Deno.args, options: { runs: { type: "string" } } });
const runs = Number(values.runs ?? 5);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PROBE = `const t0 = performance.now();
const { awsCredentialChain } = await import(${
  JSON.stringify(new URL("../src/store/aws_credentials.ts", import.meta.url).href)
});
await awsCredentialChain()();
console.log(performance.now() - t0);`;

const denoDir: string = JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .output()).stdout,
  ),
).denoDir;
const standIn = startCredentialStandIn({ accessKeyId: "AK", secretAccessKey: "SK" });
const dir = await Deno.makeTempDir({ prefix: "ume-credbench-" });
try {
  const home = join(dir, "home");
  await Deno.mkdir(join(home, ".aws"), { recursive: true });
  await Deno.writeTextFile(
    join(home, ".aws", "credentials"),
    "[default]\naws_access_key_id = AK\naws_secret_access_key = SK\n",
  );
  await Deno.writeTextFile(join(dir, "token"), "jwt");
  const empty = join(dir, "empty");
  await Deno.mkdir(empty);
  const links: [string, Record<string, string>][] = [
    ["environment", { HOME: empty, AWS_ACCESS_KEY_ID: "AK", AWS_SECRET_ACCESS_KEY: "SK" }],
    ["shared files", { HOME: home, AWS_EC2_METADATA_DISABLED: "true" }],
    [
      "web identity",
      {
        HOME: empty,
        AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/ume-job",
        AWS_ENDPOINT_URL_STS: standIn.endpoint,
      },
    ],
    ["container", { HOME: empty, AWS_CONTAINER_CREDENTIALS_FULL_URI: standIn.containerUrl }],
    ["instance metadata", { HOME: empty, AWS_EC2_METADATA_SERVICE_ENDPOINT: standIn.endpoint }],
  ];
  console.log(`time to the first credentials in a fresh process, ms (${runs} runs, median)`);
  for (const [link, vars] of links) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--config", join(ROOT, "deno.json"), PROBE],
        clearEnv: true,
        env: { PATH: Deno.env.get("PATH") ?? "", DENO_DIR: denoDir, NO_COLOR: "1", ...vars },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(`${link}: ${new TextDecoder().decode(out.stderr)}`);
      times.push(Number(new TextDecoder().decode(out.stdout)));
    }
    times.sort((a, b) => a - b);
    console.log(
      `${link.padEnd(18)} ${times[times.length >> 1].toFixed(0).padStart(5)}  (${
        times.map((t) => t.toFixed(0)).join(" ")
      })`,
    );
  }
} finally {
  await standIn.close();
  await Deno.remove(dir, { recursive: true });
}
