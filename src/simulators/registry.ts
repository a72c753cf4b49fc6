/**
 * The registry of simulator worlds.
 *
 * @module
 */

import { lssWorld } from "./lss.ts";
import { nkWorld } from "./nk.ts";
import { rbcWorld } from "./rbc.ts";
import { switchingWorld } from "./switching.ts";
import { varWorld } from "./var.ts";
import { zlbWorld } from "./zlb.ts";
import { WORLD_IDS, type WorldAdapter, type WorldId } from "./types.ts";

const WORLDS: Readonly<Record<WorldId, WorldAdapter>> = {
  lss: lssWorld,
  var: varWorld,
  nk: nkWorld,
  rbc: rbcWorld,
  switching: switchingWorld,
  zlb: zlbWorld,
};

/**
 * The ids of every world, in canonical order.
 *
 * @returns `["lss", "var", "nk", "rbc", "switching", "zlb"]`.
 *
 * @example List the worlds
 * ```ts
 * import { listWorlds } from "./registry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(listWorlds().length, 6);
 * ```
 */
export function listWorlds(): WorldId[] {
  return [...WORLD_IDS];
}

/**
 * Whether a string is a known world id.
 *
 * @param id A candidate id.
 * @returns True for the six world ids.
 *
 * @example Check ids
 * ```ts
 * import { isWorldId } from "./registry.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isWorldId("nk"));
 * assert.ok(!isWorldId("dsge"));
 * ```
 */
export function isWorldId(id: string): id is WorldId {
  return (WORLD_IDS as readonly string[]).includes(id);
}

/**
 * The adapter of one world.
 *
 * @param id The world id.
 * @returns The adapter.
 * @throws {RangeError} For an unknown id (the message lists the known ones).
 *
 * @example Simulate one sample
 * ```ts
 * import { getWorld } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const nk = getWorld("nk");
 * const s = nk.generateSample(42, 20, 8);
 * assert.equal(s.trajectories.length, 20 * 3);
 * ```
 */
export function getWorld(id: string): WorldAdapter {
  if (!isWorldId(id)) {
    throw new RangeError(`Unknown world "${id}": choose one of ${WORLD_IDS.join(", ")}`);
  }
  return WORLDS[id];
}
