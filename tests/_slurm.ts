/**
 * Test fixture: a throw-away single-node Slurm cluster (munged, slurmctld,
 * slurmd) on 127.0.0.1, started by `tests/fixtures/slurm_local.sh` with its
 * own state folder, munge key and free ports, and stopped again: every job
 * cancelled and waited for, then the daemons. The daemons and the jobs run
 * as the user of the tests, root or not.
 *
 * ```ts ignore
 * import { ignoreWithoutSlurm, startSlurm } from "./_slurm.ts";
 * Deno.test({ name: "…", ignore: ignoreWithoutSlurm(), fn: async () => {
 *   const slurm = await startSlurm();
 *   try {
 *     const id = await slurm.run("sbatch", ["--parsable", "--wrap", "true"]);
 *   } finally {
 *     await slurm.stop();
 *   }
 * }});
 * ```
 *
 * @module
 */

import { freePort } from "./_ceph.ts";
import { skipUnless } from "./_requires.ts";

/** Every program the start script and the tests run. */
const PROGRAMS = [
  "munged",
  "slurmctld",
  "slurmd",
  "sbatch",
  "squeue",
  "scontrol",
  "scancel",
  "sinfo",
] as const;

const INSTALL_HINT = "apt-get install -y --no-install-recommends slurm-wlm munge";

const SCRIPT = new URL("./fixtures/slurm_local.sh", import.meta.url).pathname;

/** One job (or one array task) as `squeue` lists it. */
export interface SlurmJob {
  /** `JobState`, e.g. `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`. */
  state: string;
  /** Why it waits, e.g. `BeginTime`, `Dependency`, `DependencyNeverSatisfied`, `None`. */
  reason: string;
}

/** A running cluster. */
export interface SlurmCluster {
  /** The cluster's state folder (configuration, logs, job output in `jobs/`). */
  base: string;
  /**
   * The environment that points Slurm's clients at this cluster.
   *
   * @returns `SLURM_CONF`.
   */
  env(): Record<string, string>;
  /**
   * Run a Slurm client (`sbatch`, `scontrol`, ...) against this cluster.
   *
   * @param program The client.
   * @param args Its arguments.
   * @param options Its working folder and more environment.
   * @returns Its stdout, trimmed.
   * @throws {Error} If it exits non-zero, with its stderr.
   */
  run(
    program: string,
    args: string[],
    options?: { cwd?: string; env?: Record<string, string> },
  ): Promise<string>;
  /**
   * Every job and array task the controller knows, finished ones included.
   *
   * @returns Jobs by id (`<id>`, or `<array id>_<index>` for array tasks).
   */
  jobs(): Promise<Map<string, SlurmJob>>;
  /**
   * One field of `scontrol show job` for a job or array task.
   *
   * @param id The job id or `<array id>_<index>`.
   * @param field The field, e.g. `Restarts`.
   * @returns Its value.
   */
  field(id: string, field: string): Promise<string>;
  /**
   * The jobs' output files and the end of the daemons' logs, for failure messages.
   *
   * @returns Text.
   */
  logs(): Promise<string>;
  /** Cancel every job, wait for it to end, stop the daemons and delete the state folder. */
  stop(): Promise<void>;
}

/**
 * The programs of {@link PROGRAMS} that are not on `PATH`.
 *
 * @returns Missing program names (empty if Slurm and munge are installed).
 */
export function missingSlurmPrograms(): string[] {
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
 * For `Deno.test({ ignore })`: skip Slurm tests when Slurm or munge is
 * missing, unless `UME_REQUIRE_ALL=1` (CI), where they run and fail with an
 * install hint.
 *
 * @returns `true` if the test should be ignored.
 */
export function ignoreWithoutSlurm(): boolean {
  const missing = missingSlurmPrograms();
  return skipUnless({
    what: `a Slurm cluster (${missing.join(", ")} missing)`,
    available: missing.length === 0,
    install: INSTALL_HINT,
  });
}

function scriptCommand(command: "start" | "stop", env: Record<string, string>): Deno.Command {
  return new Deno.Command("bash", {
    args: [SCRIPT, command],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
}

/** The last `lines` lines of a text file, or a note that it is not there. */
async function tail(path: string, lines: number): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(none)";
  }
}

/**
 * Start a cluster: own state folder under the system temp folder, own munge
 * key and socket, free controller and node ports, one node (`localhost`, 16
 * CPUs as far as Slurm knows) in one partition (`debug`).
 *
 * @returns The running cluster; stop it with {@link SlurmCluster.stop}
 *   (it is stopped at unload too, if the test did not).
 * @throws {Error} If Slurm cannot run here (with the `apt-get` line) or does not start.
 */
export async function startSlurm(): Promise<SlurmCluster> {
  const missing = missingSlurmPrograms();
  if (missing.length > 0) {
    throw new Error(
      `Cannot start a Slurm cluster: ${missing.join(", ")} not installed: ${INSTALL_HINT}`,
    );
  }
  const base = await Deno.makeTempDir({ prefix: "ume-slurm-" });
  const conf = `${base}/slurm.conf`;
  let env: Record<string, string> = {};
  for (let attempt = 1;; attempt++) {
    // A port picked free can be taken before the daemon binds it: pick again and retry.
    env = {
      BASE: base,
      SLURMCTLD_PORT: String(freePort()),
      SLURMD_PORT: String(freePort()),
    };
    const out = await scriptCommand("start", env).output();
    if (out.success) break;
    if (attempt === 3) {
      await scriptCommand("stop", env).output();
      await Deno.remove(base, { recursive: true }).catch(() => {});
      throw new Error(
        `Cannot start a Slurm cluster: ${new TextDecoder().decode(out.stderr).trim()}`,
      );
    }
  }
  let stopped = false;
  const onUnload = (): void => {
    if (stopped) return;
    stopped = true;
    scriptCommand("stop", env).outputSync();
    try {
      Deno.removeSync(base, { recursive: true });
    } catch { /* already gone */ }
  };
  addEventListener("unload", onUnload);

  const cluster: SlurmCluster = {
    base,
    env: () => ({ SLURM_CONF: conf }),
    async run(program, args, options = {}): Promise<string> {
      const out = await new Deno.Command(program, {
        args,
        cwd: options.cwd,
        env: { ...options.env, SLURM_CONF: conf },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const d = new TextDecoder();
      if (!out.success) {
        throw new Error(`${program} ${args.join(" ")} failed: ${d.decode(out.stderr).trim()}`);
      }
      return d.decode(out.stdout).trim();
    },
    async jobs(): Promise<Map<string, SlurmJob>> {
      const text = await cluster.run("squeue", ["-h", "-r", "-t", "all", "-o", "%i|%T|%r"]);
      const jobs = new Map<string, SlurmJob>();
      for (const line of text.split("\n")) {
        const [id, state, reason] = line.trim().split("|");
        if (id) jobs.set(id, { state, reason });
      }
      return jobs;
    },
    async field(id, name): Promise<string> {
      const text = await cluster.run("scontrol", ["show", "job", "-o", id]);
      const match = text.match(new RegExp(`(?:^| )${name}=(\\S*)`));
      if (!match) throw new Error(`scontrol show job ${id} has no ${name}: ${text}`);
      return match[1];
    },
    async logs(): Promise<string> {
      const parts: string[] = [];
      try {
        const names = [...Deno.readDirSync(`${base}/jobs`)].map((e) => e.name).sort();
        for (const name of names) {
          parts.push(`--- ${name}\n${await tail(`${base}/jobs/${name}`, 20)}`);
        }
      } catch { /* no job output */ }
      for (const log of ["slurmctld.log", "slurmd.log"]) {
        parts.push(`--- ${log} (end)\n${await tail(`${base}/log/${log}`, 30)}`);
      }
      return parts.join("\n");
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      removeEventListener("unload", onUnload);
      const out = await scriptCommand("stop", env).output();
      await Deno.remove(base, { recursive: true }).catch(() => {});
      if (!out.success) {
        throw new Error(`Stopping Slurm failed: ${new TextDecoder().decode(out.stderr)}`);
      }
    },
  };
  return cluster;
}
