// deno-lint-ignore-file no-console
/**
 * Simulation throughput per world, single thread: complete samples per second
 * (theta draw, shocks, trajectory, every IRF, metadata) at T = 200, H = 40.
 *
 * Run: `deno run -A bench/simulators_bench.ts [--samples N] [--world id,...]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { getWorld, listWorlds } from "../src/simulators/registry.ts";

/** Result for one world. */
export interface SimBenchRow {
  /** World id. */
  world: string;
  /** Samples simulated. */
  samples: number;
  /** Wall seconds. */
  seconds: number;
  /** Samples per second (one core). */
  samplesPerSecond: number;
  /** Rejections per sample. */
  rejectionRate: number;
}

/**
 * Time `generateSample` for each world.
 *
 * @param worlds World ids.
 * @param samples Samples per world (after a short warm-up).
 * @param T Trajectory length.
 * @param H IRF horizon.
 * @returns One row per world.
 */
export function benchSimulators(
  worlds: string[],
  samples: number,
  T = 200,
  H = 40,
): SimBenchRow[] {
  const rows: SimBenchRow[] = [];
  for (const id of worlds) {
    const w = getWorld(id);
    for (let i = 0; i < Math.min(200, samples); i++) w.generateSample(1_000_000 + i, T, H);
    let rejections = 0;
    const t0 = performance.now();
    for (let i = 0; i < samples; i++) rejections += w.generateSample(i, T, H).nRejections;
    const seconds = (performance.now() - t0) / 1000;
    rows.push({
      world: id,
      samples,
      seconds,
      samplesPerSecond: samples / seconds,
      rejectionRate: rejections / samples,
    });
  }
  return rows;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { samples: { type: "string", default: "5000" }, world: { type: "string" } },
  });
  const worlds = values.world ? values.world.split(",") : listWorlds();
  const rows = benchSimulators(worlds, Number(values.samples));
  console.log("world      samples/s/core   rejections/sample");
  for (const r of rows) {
    console.log(
      `${r.world.padEnd(10)} ${r.samplesPerSecond.toFixed(0).padStart(14)}   ${
        r.rejectionRate.toFixed(4)
      }`,
    );
  }
}
