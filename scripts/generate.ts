// deno-lint-ignore-file no-console
/**
 * `deno task generate`: sample parameters, run the simulators, write the
 * dataset (Zarr + manifest.json). Thin CLI over `src/pipeline/generate.ts`.
 *
 * Exit codes: 0 success, 1 runtime failure (resumable), 2 bad input.
 *
 * @module
 */

import {
  checkConfigFile,
  type ConfigInput,
  type GenerateConfig,
  resolveConfig,
  UsageError,
} from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { openLocation } from "../src/pipeline/_open.ts";
import {
  readRunRecord,
  recordedOptions,
  runConfigFromManifest,
} from "../src/pipeline/run_config.ts";
import { MANIFEST_KEY } from "../src/dataset/keys.ts";
import { createProgressReporter } from "./_progress.ts";
import { formatSummary } from "./_summary.ts";
import { parseFlags, printJson, runMain } from "./_cli.ts";
import { GENERATE_FLAGS, refuseMemoryLocation } from "./_flags.ts";
import { describeFsError } from "../src/store/fs_error.ts";
import { gitHash } from "../src/manifest/git_hash.ts";

const HELP = `Usage: deno task generate [options]

Generate the training dataset: for every world, sample parameters, simulate
trajectories and IRFs, and write Zarr arrays plus manifest.json.
With no options: all six worlds, 10,000 samples each, into ./datasets/v1.0.

Options:
  --world LIST          all (default) or comma-separated ids: lss,var,nk,rbc,switching,zlb
  --n-samples N         samples per world (default 10000)
  --seed N              global seed; sample i uses seed N + i (default 42)
  --output PATH|URL     output folder or s3://bucket/prefix (default ./datasets/v1.0)
  --T N                 trajectory length (default 200)
  --H N                 IRF horizon, IRFs have H+1 points (default 40)
  --workers N           worker threads (default: number of cores)
  --version SEMVER      dataset version recorded in the manifest (default 1.0.0)
  --zarr-format 2|3     Zarr format (default 3; 2 for zarr-python 2.x readers)
  --dtype TYPE          float32 (default) or float64 (debug: stored = simulated in float64)
  --chunk-samples N     samples per chunk (default: about 1 MiB chunks)
  --split-seed N        seed of the random train/val/test split (default: --seed)
  --config FILE         JSON config file (schemas/generate_config.json); flags override it
  --resume              finish an interrupted run (skips verified chunks); options not
                        given are the interrupted run's (recorded in <output>/.ume/run.json)
  --overwrite           delete an existing dataset at --output first
  --shard i/N | auto/N  write only shard i of N (no splits, no manifest; then run
                        deno task finalize); auto takes i from JOB_COMPLETION_INDEX,
                        AWS_BATCH_JOB_ARRAY_INDEX or SLURM_ARRAY_TASK_ID
  --json                print the summary as JSON on stdout
  --quiet               no progress output
  -h, --help            show this help

Exit codes: 0 success; 1 runtime failure (rerun with --resume); 2 bad input, nothing
computed or written.`;

/**
 * The options of the run recorded at `output` (`.ume/run.json`, or the
 * manifest of a finished dataset), if they can be read there; a missing or
 * damaged record is left to the run to explain.
 */
async function recordedRunOptions(output: string): Promise<ConfigInput | undefined> {
  const store = await openLocation(output);
  try {
    const c = (await readRunRecord(store))?.config;
    if (c) return recordedOptions(c);
  } catch {
    return undefined;
  }
  try {
    const bytes = await store.get(MANIFEST_KEY);
    if (bytes === undefined) return undefined;
    return recordedOptions(runConfigFromManifest(JSON.parse(new TextDecoder().decode(bytes))));
  } catch {
    return undefined;
  }
}

/** How to continue after a runtime failure; set once the run is about to start. */
let recovery: string | undefined;

/** How to continue a run of `config` that failed after it started. */
function resumeHint(config: GenerateConfig): string {
  const keeps = "it keeps the chunks already written and verified";
  if (config.shard !== undefined) {
    return `to continue, rerun this shard the same way (the same options and --shard): ${keeps}; ` +
      `once every shard has finished, run deno task finalize`;
  }
  if (config.overwrite) {
    return `to continue, rerun the same command with --resume in place of --overwrite: ${keeps}`;
  }
  return `to continue, rerun the same command with --resume: ${keeps}`;
}

async function main(): Promise<number> {
  const v = parseFlags(Deno.args, GENERATE_FLAGS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const inputs: ConfigInput[] = [];
  if (v.config !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(v.config);
    } catch (e) {
      throw new UsageError(`Cannot read config file ${v.config}: ${describeFsError(e, v.config)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`Config file ${v.config} is not valid JSON: ${(e as Error).message}`);
    }
    inputs.push(checkConfigFile(json, v.config));
  }
  inputs.push({
    worlds: v.world,
    n_samples: v["n-samples"],
    seed: v.seed,
    output: v.output,
    T: v.T,
    H: v.H,
    workers: v.workers,
    version: v.version,
    zarr_format: v["zarr-format"],
    dtype: v.dtype,
    chunk_samples: v["chunk-samples"],
    split_seed: v["split-seed"],
    resume: v.resume,
    overwrite: v.overwrite,
    shard: v.shard,
  });
  const cores = navigator.hardwareConcurrency || 1;
  let config = resolveConfig(inputs, cores);
  refuseMemoryLocation("--output", config.output);
  if (config.resume) {
    // Every option not given (by a flag or the config file) is the interrupted run's.
    const recorded = await recordedRunOptions(config.output);
    if (recorded !== undefined) config = resolveConfig([recorded, ...inputs], cores);
  }
  const progress = createProgressReporter({ quiet: v.quiet ?? false });
  const repo = await gitHash(new URL("..", import.meta.url).pathname);
  const options = {
    onProgress: progress.update,
    gitHash: repo,
    onNotice: (message: string) => console.error(`note: ${message}`),
  };
  recovery = resumeHint(config);
  const summary = await generateDataset(config, options);
  progress.done();
  if (v.json) printJson(summary);
  else console.log(formatSummary(summary));
  return 0;
}

if (import.meta.main) runMain(main, { recovery: () => recovery });
