// deno-lint-ignore-file no-console
/**
 * `deno task finalize`: finish a sharded run (or a run cut off during its
 * last step): check that every shard wrote every chunk, then write the
 * splits and `manifest.json`. Thin CLI over `src/pipeline/generate.ts`.
 *
 * @module
 */

import { finalizeDataset } from "../src/pipeline/finalize.ts";
import { gitHash } from "../src/manifest/git_hash.ts";
import { createProgressReporter } from "./_progress.ts";
import { formatSummary } from "./_summary.ts";
import { parseFlags, printJson, runMain } from "./_cli.ts";
import { FINALIZE_FLAGS, refuseMemoryLocation } from "./_flags.ts";

const HELP = `Usage: deno task finalize [--output PATH|URL] [options]

Finish a sharded run: after every \`deno task generate --shard i/N\` process has
finished, check that every chunk of every world was written (and is the size the
shard recorded), then build the splits and write manifest.json. Also finishes a
run that was cut off while writing its manifest.

Options:
  --output PATH|URL     the run's output folder or s3://bucket/prefix
                        (default ${FINALIZE_FLAGS.output.default})
  --json                print the summary as JSON on stdout
  --quiet               no progress output
  -h, --help            show this help

Exit codes: 0 success; 1 chunks missing or damaged, or a runtime failure (rerun the
shards that wrote them, then finalize again); 2 bad input (no run at --output).`;

async function main(): Promise<number> {
  const v = parseFlags(Deno.args, FINALIZE_FLAGS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const output = v.output;
  refuseMemoryLocation("--output", output);
  const progress = createProgressReporter({ quiet: v.quiet ?? false });
  const repo = await gitHash(new URL("..", import.meta.url).pathname);
  const summary = await finalizeDataset(output, { onProgress: progress.update, gitHash: repo });
  progress.done();
  if (v.json) printJson(summary);
  else console.log(formatSummary(summary));
  return 0;
}

if (import.meta.main) {
  runMain(main, {
    recovery: () =>
      "to continue, fix the cause and rerun deno task finalize with the same --output: " +
      "it checks every chunk again and finishes the run",
  });
}
