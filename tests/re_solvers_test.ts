import assert from "node:assert/strict";
import { matMul } from "../src/numeric/linalg.ts";
import { keyedStream } from "../src/numeric/rng.ts";
import { cyclicReduction, timeIteration } from "./_re_solvers.ts";

const SOLVERS = [["cyclicReduction", cyclicReduction], ["timeIteration", timeIteration]] as const;

for (const [name, solver] of SOLVERS) {
  Deno.test(`${name}() finds the stable root of a scalar quadratic`, () => {
    // 2 (x − 0.8)(x − 1.25 ) = 2x² − 4.1x + 2: roots 0.8 and 1.25.
    const { x, iterations } = solver(
      new Float64Array([2]),
      new Float64Array([-4.1]),
      new Float64Array([2]),
      1,
    );
    assert.ok(Math.abs(x[0] - 0.8) < 1e-11, `got ${x[0]}`);
    assert.ok(iterations >= 1);
  });

  Deno.test(`${name}() recovers a known 3x3 stable solvent`, () => {
    // A2 = I, A1 = −(S + U), A0 = U S: the pencil factors as (λI − U)(λI − S),
    // so S is the solvent with all eigenvalues inside the unit circle when
    // ρ(S) < 1 < min |eig(U)|.
    const rng = keyedStream(7, "re_solvers_test", 0, 0);
    for (let trial = 0; trial < 20; trial++) {
      const n = 3;
      const s = new Float64Array(n * n);
      const u = new Float64Array(n * n);
      for (let i = 0; i < n * n; i++) {
        s[i] = rng.uniform(-0.25, 0.25); // ‖S‖∞ ≤ 0.75
        u[i] = rng.uniform(-0.3, 0.3);
      }
      for (let i = 0; i < n; i++) u[i * n + i] += 2.5; // eigenvalues within 0.9 of 2.5
      const a2 = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
      const a1 = new Float64Array(n * n);
      for (let i = 0; i < n * n; i++) a1[i] = -(s[i] + u[i]);
      const a0 = matMul(u, s, n, n, n);
      const { x } = solver(a0, a1, a2, n);
      for (let i = 0; i < n * n; i++) {
        assert.ok(Math.abs(x[i] - s[i]) < 1e-11, `entry ${i}: ${x[i]} vs ${s[i]}`);
      }
    }
  });

  Deno.test(`${name}() throws when there is no stable solvent`, () => {
    // x² − 3x + 2.5 = 0 has complex roots of modulus √2.5 > 1: no stable solvent.
    assert.throws(
      () =>
        solver(new Float64Array([2.5]), new Float64Array([-3]), new Float64Array([1]), 1, {
          maxIter: 500,
        }),
      /did not converge|diverged|Singular/,
    );
  });
}

Deno.test("cyclicReduction() rejects mismatched shapes", () => {
  assert.throws(
    () => cyclicReduction(new Float64Array(4), new Float64Array(4), new Float64Array(3), 2),
    TypeError,
  );
});
