// deno-lint-ignore-file no-console
/**
 * Renders progress on stderr: a live bar with rate and ETA on a terminal, a
 * few milestone lines (every 10%) otherwise.
 *
 * @module
 */

import type { ProgressEvent } from "../src/pipeline/progress.ts";

/** A progress renderer. */
export interface ProgressReporter {
  /** Render one event. */
  update: (event: ProgressEvent) => void;
  /** Finish the current line. */
  done: () => void;
}

/**
 * Create a renderer writing to stderr.
 *
 * @param options `quiet` disables output.
 * @returns The renderer.
 */
export function createProgressReporter(options: { quiet: boolean }): ProgressReporter {
  const tty = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  let lastPhase = "";
  let lastDecile = -1;
  let lastDraw = 0;
  let open = false;
  function write(text: string): void {
    Deno.stderr.writeSync(encoder.encode(text));
  }
  function update(e: ProgressEvent): void {
    if (options.quiet) return;
    const frac = e.total > 0 ? e.done / e.total : 1;
    const secs = e.elapsedMs / 1000;
    const rate = secs > 0 ? e.done / secs : 0;
    const eta = rate > 0 ? (e.total - e.done) / rate : NaN;
    const label = `${e.phase}${e.note ? ` (${e.note})` : ""}`;
    const stats = `${e.done}/${e.total} ${e.unit}, ${fmtRate(rate)} ${e.unit}/s, ${
      Number.isFinite(eta) ? `ETA ${fmtTime(eta)}` : "ETA -"
    }`;
    if (tty) {
      const now = performance.now();
      if (e.phase === lastPhase && now - lastDraw < 100 && e.done < e.total) return;
      lastDraw = now;
      if (e.phase !== lastPhase && open) write("\n");
      lastPhase = e.phase;
      const width = 30;
      const filled = Math.round(frac * width);
      write(
        `\r\x1b[2K${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${
          (frac * 100).toFixed(1)
        }% ${stats}`,
      );
      open = true;
      return;
    }
    const decile = Math.floor(frac * 10);
    if (e.phase !== lastPhase) {
      lastPhase = e.phase;
      lastDecile = -1;
    }
    if (decile !== lastDecile) {
      lastDecile = decile;
      console.error(`${label}: ${(frac * 100).toFixed(0)}% ${stats}`);
    }
  }
  return {
    update,
    done(): void {
      if (open) write("\n");
      open = false;
    },
  };
}

function fmtRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

function fmtTime(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - 60 * m).toString().padStart(2, "0")}s`;
}
