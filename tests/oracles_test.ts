import assert from "node:assert/strict";
import { ORACLE_FILE, ORACLE_FIXTURE } from "./_oracles.ts";

/** Significant digits of a printed number, and the exponent of its leading digit. */
function printed(v: number): { digits: number; exponent: number } {
  const [mantissa, exp] = Math.abs(v).toExponential().split("e");
  return { digits: mantissa.replace(".", "").length, exponent: Number(exp) };
}

/** Half a unit in the 6th significant digit of v (0 for an exact zero). */
function halfUnitSixthDigit(v: number): number {
  return v === 0 ? 0 : 5 * 10 ** (printed(v).exponent - 6);
}

/** The sane ceiling of a tolerance: 1e-5 relative, 1e-5 absolute below 1. */
function ceiling(v: number): number {
  return 1e-5 * Math.max(1, Math.abs(v));
}

Deno.test("simulator_oracles.json is plain JSON inside the repository", async () => {
  assert.equal(ORACLE_FIXTURE.protocol, "file:");
  const repo = new URL("../", import.meta.url).href;
  assert.ok(ORACLE_FIXTURE.href.startsWith(repo), `${ORACLE_FIXTURE.href} is outside ${repo}`);
  // Strict JSON: no bare Infinity/NaN (JSON.parse without a reviver accepts it).
  const raw = JSON.parse(await Deno.readTextFile(ORACLE_FIXTURE));
  assert.equal(raw.cases.length, ORACLE_FILE.cases.length);
  assert.match(ORACLE_FILE.tolerance_note, /half a unit in the 6th significant digit/);
  // The non-finite strings are restored as numbers: the Hansen cases have ν = ∞.
  const hansen = ORACLE_FILE.cases.filter((c) => c.case.startsWith("Hansen"));
  assert.equal(hansen.length, 2);
  for (const c of hansen) assert.equal((c.theta as Record<string, number>).frisch, Infinity);
});

Deno.test("simulator_oracles.json states a tolerance for every IRF value that its printed digits can meet", () => {
  const worlds = new Set<string>();
  let n = 0;
  for (const c of ORACLE_FILE.cases) {
    worlds.add(c.world);
    assert.ok(!("abs_tol" in c), `${c.case}: a single abs_tol is no longer used`);
    assert.deepEqual(Object.keys(c.irf_tol), Object.keys(c.irf), `${c.case}: irf_tol horizons`);
    assert.ok(Object.keys(c.irf).length > 0, `${c.case}: no IRF values`);
    for (const [h, row] of Object.entries(c.irf)) {
      const tols = c.irf_tol[h];
      assert.equal(tols.length, row.length, `${c.case} h = ${h}: one tolerance per value`);
      row.forEach((v, j) => {
        const tol = tols[j];
        const what = `${c.case} h = ${h} column ${j}: value ${v}, tol ${tol}`;
        assert.ok(Number.isFinite(v), what);
        // The premise of the rule: values were printed to at most 6 significant digits.
        assert.ok(printed(v).digits <= 6, `${what}: more than 6 significant digits`);
        // The printed digits can meet it (strictly: a solver margin on top) ...
        assert.ok(tol > halfUnitSixthDigit(v), `${what}: not above the rounding error`);
        // ... and it is not loose.
        assert.ok(tol <= ceiling(v), `${what}: above 1e-5 max(1, |v|)`);
        n++;
      });
    }
    for (const [name, tols] of Object.entries(c.extra_tol ?? {})) {
      const ref = (c.extra as Record<string, unknown>)[name];
      assert.ok(Array.isArray(ref) && ref.length === tols.length, `${c.case}: extra_tol.${name}`);
      ref.forEach((v: number, i: number) => {
        // Printed to 6 decimal places: half a unit in the 6th decimal.
        assert.ok(tols[i] > 5e-7, `${c.case} ${name}[${i}]`);
        assert.ok(tols[i] <= ceiling(v), `${c.case} ${name}[${i}]`);
      });
    }
  }
  assert.deepEqual([...worlds].sort(), ["nk", "rbc", "switching", "var"]);
  assert.equal(n, 116);
});
