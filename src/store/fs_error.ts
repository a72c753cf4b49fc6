/**
 * File-system failures in our words: what is wrong with the path and how to
 * fix it, never the runtime's advice to grant every permission.
 *
 * @module
 */

/** Folders whose contents the Deno runtime never lets a task touch without `--allow-all`. */
export const SYSTEM_FOLDERS: readonly string[] = ["/proc", "/sys", "/dev"];

/**
 * The system folder (`/proc`, `/sys`, `/dev`) that holds an absolute path, if any.
 *
 * @param absolutePath An absolute path.
 * @returns The folder, or `undefined`.
 *
 * @example
 * ```ts
 * import { systemFolderOf } from "./fs_error.ts";
 * import assert from "node:assert/strict";
 * assert.equal(systemFolderOf("/proc/ume"), "/proc");
 * assert.equal(systemFolderOf("/processed/ume"), undefined);
 * ```
 */
export function systemFolderOf(absolutePath: string): string | undefined {
  return SYSTEM_FOLDERS.find((f) => absolutePath === f || absolutePath.startsWith(`${f}/`));
}

/**
 * Whether an error (or any error in its cause chain) is the runtime refusing
 * an operation this process holds no permission for.
 *
 * @param error Any thrown value.
 * @returns `true` for `Deno.errors.NotCapable` (or the older `PermissionDenied`
 *   raised by a permission check) anywhere in the chain.
 *
 * @example
 * ```ts
 * import { isPermissionDenial } from "./fs_error.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isPermissionDenial(new Error("x", { cause: new Deno.errors.NotCapable("y") })));
 * assert.ok(!isPermissionDenial(new Deno.errors.NotFound("z")));
 * ```
 */
export function isPermissionDenial(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof Deno.errors.NotCapable) return true;
  }
  return false;
}

/**
 * Explain a failed file-system operation on `path` in plain words.
 *
 * @param error What the runtime threw.
 * @param path The path concerned, as the user gave it.
 * @returns A phrase for after a colon, e.g. `"no such file or folder"`.
 *
 * @example The runtime's permission advice is replaced
 * ```ts
 * import { describeFsError } from "./fs_error.ts";
 * import assert from "node:assert/strict";
 * const denied = new Deno.errors.NotCapable('Requires all access to "/proc/ume", run again with the --allow-all flag');
 * const text = describeFsError(denied, "/proc/ume");
 * assert.match(text, /system folder/);
 * assert.doesNotMatch(text, /allow-all/);
 * assert.equal(describeFsError(new Deno.errors.NotFound("x"), "a"), "no such file or folder");
 * ```
 */
export function describeFsError(error: unknown, path: string): string {
  if (error instanceof Deno.errors.NotCapable) {
    const system = path.startsWith("/") ? systemFolderOf(path) : undefined;
    return system !== undefined
      ? `${system} is a system folder that ume-data tasks may not use: choose a folder of your own`
      : `this task is not permitted to access it (each task may write only under its own output, see "Permissions" in the README)`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission denied by the operating system (check the owner and mode of the folder)";
  }
  if (error instanceof Deno.errors.NotFound) return "no such file or folder";
  if (error instanceof Deno.errors.NotADirectory) {
    return "a part of the path is a file, not a folder";
  }
  if (error instanceof Deno.errors.IsADirectory) return "it is a folder, not a file";
  if (error instanceof Deno.errors.AlreadyExists) return "it already exists";
  const message = error instanceof Error ? error.message : String(error);
  if (/os error 36\b/.test(message)) {
    return "the path is too long for the file system (at most 4,095 bytes, 255 per name)";
  }
  if (/os error 30\b/.test(message)) return "the file system is read-only";
  if (/os error 28\b/.test(message)) return "no space left on the device";
  return message;
}
