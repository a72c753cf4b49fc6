/**
 * The default dataset location and the batch engines' shard index
 * variables: the parts of the `generate` configuration that the task
 * launcher (`scripts/launch.ts`) needs to grant a run its permissions. This
 * module imports nothing, so the launcher loads no npm package.
 *
 * @module
 */

/**
 * Where every task reads or writes its dataset when no path is given,
 * relative to the current folder (`deno task` runs in the repository).
 *
 * @example
 * ```ts
 * import { DEFAULT_OUTPUT } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_OUTPUT, "./datasets/v1.0");
 * ```
 */
export const DEFAULT_OUTPUT = "./datasets/v1.0";

/**
 * The variables `--shard auto/N` reads, in the order they are tried:
 * Kubernetes Indexed Jobs, AWS Batch array jobs, Slurm job arrays.
 *
 * @example
 * ```ts
 * import { SHARD_INDEX_VARIABLES } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * assert.equal(SHARD_INDEX_VARIABLES[0], "JOB_COMPLETION_INDEX");
 * ```
 */
export const SHARD_INDEX_VARIABLES: readonly string[] = [
  "JOB_COMPLETION_INDEX",
  "AWS_BATCH_JOB_ARRAY_INDEX",
  "SLURM_ARRAY_TASK_ID",
];
