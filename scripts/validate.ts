// deno-lint-ignore-file no-console
/**
 * `deno task validate`: check a dataset against its manifest (read-only).
 *
 * Exit codes: 0 all checks passed, 1 problems found (or runtime failure),
 * 2 bad input.
 *
 * @module
 */

import { parseIntegerOption } from "../src/pipeline/config.ts";
import { DEFAULT_RESIMULATE, validateDataset } from "../src/pipeline/validate.ts";
import { parseFlags, printJson, runMain } from "./_cli.ts";
import { refuseMemoryLocation, VALIDATE_FLAGS } from "./_flags.ts";
import { createProgressReporter } from "./_progress.ts";

const HELP = `Usage: deno task validate [options]

Check every claim of a dataset (read-only): manifest.json leaf by leaf against the
manifest this code writes for its recorded configuration and the stored data (names,
units, bounds, priors, shocks, rules, thresholds, seeds, shapes, digests, sizes,
rejections, realized splits; only created_at and git_hash are provenance); every Zarr
metadata document and attribute; every key (stray files, unknown folders, a leftover
.ume/ ledger); every chunk present, matching its SHA-256, decodable, finite, theta within
the prior bounds; splits.json rebuilt exactly from the stored statistics and the split
seed; and K re-simulated samples per world compared byte for byte (catches an edited
seed). Every problem is located: a store key, <key>#/json/pointer, or
manifest.json#/json/pointer.

Options:
  --path PATH|URL     the dataset (default ${VALIDATE_FLAGS.path.default}; s3://bucket/prefix works)
  --world LIST        only these worlds (comma-separated)
  --resimulate K      re-simulate K random samples per world and compare bytes
                      (default ${DEFAULT_RESIMULATE}; 0 skips)
  --json              print the full report as JSON on stdout
  --quiet             no progress output
  -h, --help          show this help

Exit codes: 0 valid; 1 problems found (or a runtime failure); 2 bad input: a bad flag, a
path that holds no finished dataset (the message says what it holds), or a dataset whose
manifest is in the layout before 0.2.0 (one line: which version wrote it, what to do).`;

async function main(): Promise<number> {
  const values = parseFlags(Deno.args, VALIDATE_FLAGS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  refuseMemoryLocation("--path", values.path);
  const resimulate = values.resimulate === undefined
    ? undefined
    : parseIntegerOption("resimulate", values.resimulate, 0, 1_000_000);
  const progress = createProgressReporter({ quiet: values.quiet ?? false });
  const report = await validateDataset(values.path, {
    worlds: values.world?.split(",").map((s) => s.trim()).filter((s) => s),
    resimulate,
    onProgress: progress.update,
  });
  progress.done();
  if (values.json) {
    printJson(report);
  } else {
    const checks = Object.values(report.checks).reduce((a, b) => a + b, 0);
    console.log(
      `${report.path}: ${report.ok ? "valid" : `INVALID, ${report.problems.length} problem(s)`} (${
        report.worlds.join(", ") || "no worlds"
      }; ${checks} checks, ${report.chunksVerified} chunks, ${
        (report.bytesRead / 1e6).toFixed(1)
      } MB read, ${report.samplesResimulated} samples re-simulated, ${
        report.seconds.toFixed(1)
      } s)`,
    );
    const shown = report.problems.slice(0, 50);
    for (const p of shown) console.log(`  [${p.check}] ${p.location}: ${p.message}`);
    if (report.problems.length > shown.length) {
      console.log(`  ... and ${report.problems.length - shown.length} more (use --json for all)`);
    }
  }
  return report.ok ? 0 : 1;
}

if (import.meta.main) runMain(main);
