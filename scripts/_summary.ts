/**
 * Human-readable run summary for the generate CLI.
 *
 * @module
 */

import type { GenerateSummary } from "../src/pipeline/run_types.ts";

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Format a run summary as a table.
 *
 * @param s The summary.
 * @returns Lines of text.
 */
export function formatSummary(s: GenerateSummary): string {
  const lines: string[] = [];
  if (s.note !== undefined) return `${s.output}: ${s.note}`;
  const what = s.finalized
    ? "dataset complete (manifest.json written)"
    : `shard ${s.shard?.index}/${s.shard?.count} written (when every shard is done: deno task finalize --output ${s.output})`;
  lines.push(`${s.output}: ${what} in ${s.seconds.toFixed(1)} s`);
  if (s.samplesPerSecond > 0) {
    lines.push(
      `throughput: ${s.samplesPerSecond.toFixed(0)} samples/s, ${
        s.rawMBPerSecond.toFixed(1)
      } MB/s raw`,
    );
  }
  lines.push("");
  lines.push(
    "world      samples  generated  resumed   samples/s/worker  stored      ratio  rejections  splits",
  );
  for (const w of s.worlds) {
    const splits = w.splits ? Object.entries(w.splits).map(([k, v]) => `${k}=${v}`).join(" ") : "-";
    lines.push(
      [
        w.world.padEnd(10),
        String(w.nSamples).padStart(7),
        String(w.samplesGenerated).padStart(10),
        String(w.chunksResumed).padStart(8),
        (w.samplesPerSecond > 0 ? w.samplesPerSecond.toFixed(0) : "-").padStart(18),
        mb(w.storedBytes).padStart(11),
        `${w.compressionRatio.toFixed(2)}x`.padStart(6),
        `${(100 * w.rejectionsPerSample).toFixed(2)}%`.padStart(11),
        ` ${splits}`,
      ].join(" "),
    );
  }
  const st = s.stageSeconds;
  lines.push("");
  lines.push(
    `stage time, summed over overlapping tasks: simulate ${st.simulate.toFixed(1)} s, pack ${
      st.pack.toFixed(1)
    } s, encode ${st.encode.toFixed(1)} s, hash ${st.hash.toFixed(1)} s, write ${
      st.write.toFixed(1)
    } s; verify ${st.verify.toFixed(1)} s, finalize ${st.finalize.toFixed(1)} s`,
  );
  return lines.join("\n");
}
