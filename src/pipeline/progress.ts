/**
 * Progress events emitted by long-running pipeline steps.
 *
 * @module
 */

/** A progress update; the CLI renders it (a live bar or milestone lines). */
export interface ProgressEvent {
  /** What is running. */
  phase: "prepare" | "resume-check" | "generate" | "verify" | "splits" | "manifest" | "validate";
  /** Units done so far (samples for generate, chunks otherwise). */
  done: number;
  /** Units in total. */
  total: number;
  /** Unit name for display, e.g. `"samples"`. */
  unit: string;
  /** Milliseconds since the phase started. */
  elapsedMs: number;
  /** Optional note, e.g. a world id or a resumed-chunk count. */
  note?: string;
}

/** Receives progress events. */
export type ProgressListener = (event: ProgressEvent) => void;
