/**
 * `deno task generate|finalize|validate|report` start here: the launcher
 * parses the task's arguments, works out what this run may touch
 * (`_permissions.ts`), and runs the task script in a new Deno process with
 * exactly those permissions. It forwards SIGINT and SIGTERM to the task and
 * exits with the task's exit code.
 *
 * The launcher itself holds `--allow-run` (to start Deno), `--allow-read`
 * (the config file, the git files) and the region and endpoint variables,
 * and imports no npm package.
 *
 * Usage: `deno run --allow-run --allow-read --allow-env=... scripts/launch.ts <task> [args]`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { UsageError } from "../src/usage_error.ts";
import { runMain } from "./_cli.ts";
import { TASK_NAMES, type TaskName } from "./_flags.ts";
import { permissionFlags, taskPermissions } from "./_permissions.ts";

/**
 * The arguments of `deno` that run `task` with `permissions` flags.
 *
 * @param task The task.
 * @param flags The permission flags (`permissionFlags`).
 * @param args The task's arguments, passed on unchanged.
 * @returns `["run", ...flags, "<repository>/scripts/<task>.ts", ...args]`.
 */
export function taskCommand(task: TaskName, flags: string[], args: readonly string[]): string[] {
  return ["run", ...flags, fileURLToPath(new URL(`./${task}.ts`, import.meta.url)), ...args];
}

async function main(): Promise<number> {
  const [task, ...args] = Deno.args;
  if (!(TASK_NAMES as readonly string[]).includes(task)) {
    throw new UsageError(`Unknown task "${task ?? ""}": expected one of ${TASK_NAMES.join(", ")}`);
  }
  const flags = permissionFlags(await taskPermissions(task as TaskName, args));
  const child = new Deno.Command(Deno.execPath(), {
    args: taskCommand(task as TaskName, flags, args),
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => {
        try {
          child.kill(signal);
        } catch { /* exited already */ }
      });
    } catch { /* not supported on this platform (SIGTERM on Windows) */ }
  }
  return (await child.status).code;
}

if (import.meta.main) runMain(main);
