/**
 * The reference oracles of `tests/fixtures/simulator_oracles.json`, and the
 * one rule by which tests compare against them.
 *
 * The IRF values were printed to 6 significant digits, so each one carries a
 * rounding error of up to half a unit in its 6th digit. The fixture states the
 * tolerance of every value (`irf_tol`, parallel to `irf`; `extra_tol` for the
 * rounded entries of `extra`): that half unit plus a solver margin of 1e-9,
 * and the margin alone for an exact zero (see the fixture's `tolerance_note`;
 * `oracles_test.ts` checks the rule). Tests use these tolerances and no others.
 *
 * The fixture is plain JSON: non-finite numbers (the Frisch elasticity ∞ of
 * indivisible labour) are written as the strings `"Infinity"`, `"-Infinity"`
 * and `"NaN"`, which are mapped back to numbers here, in one place. No oracle
 * field holds one of those strings as text.
 *
 * @module
 */

import assert from "node:assert/strict";

/** One oracle case; `theta` and `extra` vary by world, so callers narrow them. */
export interface OracleCase<Theta = Record<string, unknown>, Extra = Record<string, unknown>> {
  world: string;
  case: string;
  source: string;
  theta: Theta;
  shock: string;
  shock_size: number;
  /** Response by horizon (`"0"`, `"1"`, …), one value per observable column. */
  irf: Record<string, number[]>;
  /** The tolerance of each `irf` value, same shape. */
  irf_tol: Record<string, number[]>;
  extra: Extra;
  /** Tolerances of the `extra` entries printed to 6 significant digits, same shapes. */
  extra_tol?: Record<string, number[]>;
}

/** The whole fixture file. */
export interface OracleFile {
  description: string;
  provenance: string;
  tolerance_note: string;
  cases: OracleCase[];
}

/** The fixture, relative to this module (never outside the repository). */
export const ORACLE_FIXTURE: URL = new URL("./fixtures/simulator_oracles.json", import.meta.url);

const NON_FINITE: Record<string, number> = {
  "Infinity": Infinity,
  "-Infinity": -Infinity,
  "NaN": NaN,
};

/** The parsed fixture, non-finite numbers restored. */
export const ORACLE_FILE: OracleFile = JSON.parse(
  await Deno.readTextFile(ORACLE_FIXTURE),
  (_key, value) => typeof value === "string" && value in NON_FINITE ? NON_FINITE[value] : value,
);

/**
 * The oracle cases of one world, in file order.
 *
 * @param world The world id.
 * @returns Its cases (typed by the caller).
 */
export function oraclesOf<Theta = Record<string, number>, Extra = Record<string, number>>(
  world: string,
): OracleCase<Theta, Extra>[] {
  return ORACLE_FILE.cases.filter((o) => o.world === world) as unknown as OracleCase<
    Theta,
    Extra
  >[];
}

/**
 * Assert that a computed IRF matches every value of an oracle case, each
 * within its stated tolerance `irf_tol[h][j]`.
 *
 * @param o The case.
 * @param at The computed response at horizon h in oracle column j.
 * @param what A label for failure messages.
 * @returns The number of values compared (at least one).
 */
export function assertOracleIrf(
  o: Pick<OracleCase<unknown, unknown>, "case" | "irf" | "irf_tol">,
  at: (h: number, j: number) => number,
  what: string = o.case,
): number {
  let n = 0;
  for (const [h, row] of Object.entries(o.irf)) {
    const tols = o.irf_tol[h];
    assert.ok(tols && tols.length === row.length, `${what}: no tolerance for every h = ${h} value`);
    row.forEach((ref, j) => {
      const got = at(Number(h), j);
      assert.ok(
        Math.abs(got - ref) <= tols[j],
        `${what} h = ${h} column ${j}: got ${got}, expected ${ref} (tol ${tols[j]})`,
      );
      n++;
    });
  }
  assert.ok(n > 0, `${what}: the oracle has no IRF values`);
  return n;
}

/**
 * Assert that computed values match a rounded `extra` entry of an oracle
 * case (one with an `extra_tol`), each within its stated tolerance.
 *
 * @param o The case.
 * @param name The `extra` entry, e.g. `"companion_eigs"`.
 * @param got The computed values, in the oracle's order.
 */
export function assertOracleExtra(
  o: Pick<OracleCase<unknown, Record<string, unknown>>, "case" | "extra" | "extra_tol">,
  name: string,
  got: ArrayLike<number>,
): void {
  const ref = o.extra[name];
  const tols = o.extra_tol?.[name];
  assert.ok(Array.isArray(ref) && tols, `${o.case}: extra ${name} has no stated tolerance`);
  assert.equal(got.length, ref.length, `${o.case}: extra ${name} length`);
  ref.forEach((v: number, i: number) =>
    assert.ok(
      Math.abs(got[i] - v) <= tols[i],
      `${o.case} ${name}[${i}]: got ${got[i]}, expected ${v} (tol ${tols[i]})`,
    )
  );
}
