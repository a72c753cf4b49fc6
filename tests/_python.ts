/**
 * The Python readers the tests run our datasets through, each a Debian
 * python3 with its own zarr-python and xarray:
 *
 * - `bookworm`: this machine's python3 (Debian 12: zarr-python 2.13, xarray
 *   2023.01; reads format 2 only);
 * - `trixie`: a Debian 13 chroot (zarr-python 3.0, xarray 2025.03, pandas 2.2;
 *   trixie packages no Parquet engine);
 * - `forky`: a Debian testing chroot (zarr-python 3.4, xarray 2026, pandas 2.3
 *   with pyarrow, for `pandas.read_parquet`).
 *
 * `.ci/zarr-readers` builds the chroots under `$UME_CHROOTS` (default
 * `/var/cache/ume-data`). A run copies what it needs into a temporary folder
 * under the chroot's `/tmp` and starts python3 there with `chroot` (as root)
 * or `unshare --map-root-user chroot` (otherwise): nothing is mounted.
 *
 * @module
 */

import { join } from "node:path";
import type { Requirement } from "./_requires.ts";

/** A python3 with zarr-python and xarray that a test can run code in. */
export interface PythonReader extends Requirement {
  /** Short name: `bookworm`, `trixie` or `forky`. */
  name: string;
  /** A new empty folder this python3 can read, as a path of this machine. */
  tempDir(prefix: string): Promise<string>;
  /**
   * Run `python3 ...args` in `cwd` (a folder made by {@link tempDir}), with a
   * clean environment.
   */
  run(args: string[], cwd: string): Promise<PythonResult>;
}

/** What a python3 run printed, and how it ended. */
export interface PythonResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

const ENV = {
  PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
  HOME: "/tmp",
  LANG: "C.UTF-8",
  PYTHONDONTWRITEBYTECODE: "1",
};
const decoder = new TextDecoder();

function works(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null", env: ENV, clearEnv: true })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function runCommand(cmd: string, args: string[], cwd?: string): Promise<PythonResult> {
  const out = await new Deno.Command(cmd, { args, cwd, env: ENV, clearEnv: true }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** This machine's python3 with zarr-python 2 (Debian 12's python3-zarr, python3-xarray). */
function bookworm(): PythonReader {
  const python = ["/usr/bin/python3", "python3"].find((p) =>
    works(p, ["-c", "import zarr, xarray; assert zarr.__version__.startswith('2.')"])
  );
  return {
    name: "bookworm",
    what: "zarr-python 2 and xarray on this machine (python3-zarr, python3-xarray)",
    available: python !== undefined,
    install: "apt-get install -y --no-install-recommends python3-zarr python3-xarray",
    tempDir: (prefix) => Deno.makeTempDir({ prefix }),
    run: (args, cwd) => runCommand(python ?? "python3", args, cwd),
  };
}

/** The folder that holds the chroots `.ci/zarr-readers` builds. */
export const CHROOTS: string = Deno.env.get("UME_CHROOTS") ?? "/var/cache/ume-data";

/** A chroot built by `.ci/zarr-readers <suite>`. */
function chroot(suite: "trixie" | "forky", what: string): PythonReader {
  const root = join(CHROOTS, suite);
  let built = false;
  try {
    built = Deno.statSync(join(root, "etc/ume-zarr-readers")).isFile;
  } catch { /* not built */ }
  // chroot needs CAP_SYS_CHROOT: root has it, anyone else gets it in a user namespace
  const enter = Deno.uid() === 0 ? ["chroot"] : ["unshare", "--map-root-user", "chroot"];
  const available = built &&
    works(enter[0], [...enter.slice(1), root, "/usr/bin/python3", "-c", ""]);
  return {
    name: suite,
    what: `${what} in a Debian ${suite} chroot at ${root}`,
    available,
    install: `sudo .ci/zarr-readers ${suite}`,
    tempDir: (prefix) => Deno.makeTempDir({ dir: join(root, "tmp"), prefix }),
    run(args, cwd): Promise<PythonResult> {
      if (!cwd.startsWith(`${root}/tmp/`)) {
        throw new Error(`${cwd} is not inside the ${suite} chroot's /tmp`);
      }
      const inside = cwd.slice(root.length);
      return runCommand(enter[0], [
        ...enter.slice(1),
        root,
        "/usr/bin/env",
        "-C",
        inside,
        "/usr/bin/python3",
        ...args,
      ]);
    },
  };
}

/** Debian 12's zarr-python 2.13 + xarray 2023.01 (this machine). */
export const BOOKWORM: PythonReader = bookworm();
/** Debian 13's zarr-python 3.0 + xarray 2025.03 + pandas 2.2 (chroot). */
export const TRIXIE: PythonReader = chroot("trixie", "zarr-python 3.0 and xarray 2025.03");
/** Debian testing's zarr-python 3.4 + xarray 2026 + pandas with pyarrow (chroot). */
export const FORKY: PythonReader = chroot("forky", "zarr-python 3.4, xarray and pandas + pyarrow");

/** Copy the folder `from` (recursively) to `to`, which must not exist yet. */
export async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(join(from, e.name), join(to, e.name));
    else await Deno.copyFile(join(from, e.name), join(to, e.name));
  }
}
