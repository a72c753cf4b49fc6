/**
 * The reference oracles of `shared/reference/simulator_oracles.json`.
 *
 * The file is written by Python's json module, which spells non-finite
 * floats as bare `Infinity` / `NaN` (not JSON): they are mapped to
 * `Infinity` / `NaN` numbers here, in one place.
 *
 * @module
 */

/** One oracle case; `theta` and `extra` vary by world, so callers narrow them. */
export interface OracleCase<Theta = Record<string, unknown>, Extra = Record<string, unknown>> {
  world: string;
  case: string;
  source: string;
  theta: Theta;
  shock: string;
  shock_size: number;
  irf: Record<string, number[]>;
  extra: Extra;
  abs_tol: number;
}

const TEXT = await Deno.readTextFile(
  new URL("../../shared/reference/simulator_oracles.json", import.meta.url),
);
const INF = "__ume_infinity__", NEG_INF = "__ume_neg_infinity__", NAN = "__ume_nan__";
const ALL: OracleCase[] = JSON.parse(
  TEXT.replace(/(?<=[:\[,]\s*)-Infinity\b/g, `"${NEG_INF}"`)
    .replace(/(?<=[:\[,]\s*)Infinity\b/g, `"${INF}"`)
    .replace(/(?<=[:\[,]\s*)NaN\b/g, `"${NAN}"`),
  (_key, value) =>
    value === INF ? Infinity : value === NEG_INF ? -Infinity : value === NAN ? NaN : value,
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
  return ALL.filter((o) => o.world === world) as unknown as OracleCase<Theta, Extra>[];
}
