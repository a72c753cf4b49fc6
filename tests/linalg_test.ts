import assert from "node:assert/strict";
import {
  cholesky,
  haarOrthogonal,
  householderQr,
  identity,
  inverse,
  luFactor,
  luSolve,
  matMul,
  matVec,
  norm1,
  solve,
  solveMatrix,
  transpose,
} from "../src/numeric/linalg.ts";
import { keyedStream, STREAM, type Xoshiro128 } from "../src/numeric/rng.ts";
import {
  CholeskyDecomposition,
  inverse as mlInverse,
  LuDecomposition,
  Matrix,
  QrDecomposition,
  solve as mlSolve,
} from "./_deps.ts";
import { assertClose, fromMatrix, toMatrix } from "./_eigen.ts";

function randomMatrix(rng: Xoshiro128, r: number, c: number): Float64Array {
  return rng.fillNormal(new Float64Array(r * c));
}

/** A random well-conditioned n x n matrix: N(0, 1) entries plus n on the diagonal. */
function wellConditioned(rng: Xoshiro128, n: number): Float64Array {
  const a = randomMatrix(rng, n, n);
  for (let i = 0; i < n; i++) a[i * n + i] += n;
  return a;
}

/** A random symmetric positive definite matrix `G Gᵀ + I`. */
function spd(rng: Xoshiro128, n: number): Float64Array {
  const g = randomMatrix(rng, n, n);
  const a = matMul(g, transpose(g, n, n), n, n, n);
  for (let i = 0; i < n; i++) a[i * n + i] += 1;
  return a;
}

const rngFor = (seed: number): Xoshiro128 => keyedStream(seed, "linalg_test", 0, STREAM.SPARE);

Deno.test("matMul() and matVec() match ml-matrix mmul", () => {
  const rng = rngFor(1);
  for (const [n, k, m] of [[5, 3, 4], [1, 6, 2], [4, 4, 4]]) {
    const a = randomMatrix(rng, n, k);
    const b = randomMatrix(rng, k, m);
    const ref = fromMatrix(toMatrix(a, n, k).mmul(toMatrix(b, k, m)));
    assertClose(matMul(a, b, n, k, m), ref, 1e-14, `matMul ${n}x${k}x${m}`);
    const x = randomMatrix(rng, k, 1);
    const refV = fromMatrix(toMatrix(a, n, k).mmul(toMatrix(x, k, 1)));
    assertClose(matVec(a, x, n, k), refV, 1e-14, `matVec ${n}x${k}`);
  }
});

Deno.test("transpose(), identity() and norm1() are right on small cases", () => {
  const rng = rngFor(2);
  const a = randomMatrix(rng, 3, 5);
  assert.deepEqual(Array.from(transpose(a, 3, 5)), fromMatrix(toMatrix(a, 3, 5).transpose()));
  assert.deepEqual(Array.from(transpose(transpose(a, 3, 5), 5, 3)), Array.from(a));
  assert.deepEqual(Array.from(identity(3)), fromMatrix(Matrix.eye(3, 3)));
  const colSums = [0, 1, 2, 3, 4].map((j) =>
    [0, 1, 2].reduce((s, i) => s + Math.abs(a[i * 5 + j]), 0)
  );
  assert.equal(norm1(a, 3, 5), Math.max(...colSums));
});

Deno.test("luFactor() satisfies P a = L U and luSolve() matches ml-matrix solve", () => {
  const rng = rngFor(3);
  for (const n of [1, 2, 3, 6, 12]) {
    const a = wellConditioned(rng, n);
    const f = luFactor(a, n);
    // Rebuild P a and L U from the packed factors.
    const lower = identity(n);
    const upper = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (j < i) lower[i * n + j] = f.lu[i * n + j];
        else upper[i * n + j] = f.lu[i * n + j];
      }
    }
    const pa = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pa[i * n + j] = a[f.piv[i] * n + j];
    assertClose(matMul(lower, upper, n, n, n), pa, 1e-13, `P a = L U (n = ${n})`);
    // Partial pivoting keeps every multiplier at most 1 in magnitude.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) assert.ok(Math.abs(lower[i * n + j]) <= 1);
    }
    const b = randomMatrix(rng, n, 1);
    const ref = fromMatrix(mlSolve(toMatrix(a, n, n), toMatrix(b, n, 1)));
    assertClose(luSolve(f, b), ref, 1e-12, `luSolve (n = ${n})`);
    assertClose(solve(a, b, n), ref, 1e-12, `solve (n = ${n})`);
    // ml-matrix LU gives the same determinant as the product of our pivots.
    let det = f.piv.reduce((s, _, i) => s * f.lu[i * n + i], 1);
    const perm = Array.from(f.piv);
    for (let i = 0; i < n; i++) {
      while (perm[i] !== i) {
        const j = perm[i];
        [perm[i], perm[j]] = [perm[j], perm[i]];
        det = -det;
      }
    }
    const mlDet = new LuDecomposition(toMatrix(a, n, n)).determinant;
    assert.ok(Math.abs(det - mlDet) <= 1e-10 * Math.abs(mlDet), `determinant (n = ${n})`);
  }
});

Deno.test("luFactor() needs pivoting on a zero leading entry and rejects singular matrices", () => {
  assert.deepEqual(Array.from(solve(new Float64Array([0, 1, 1, 0]), new Float64Array([2, 3]), 2)), [
    3,
    2,
  ]);
  assert.throws(() => luFactor(new Float64Array([1, 2, 2, 4]), 2), RangeError);
  assert.throws(() => luFactor(new Float64Array(9), 3), /Singular matrix/);
  assert.throws(() => luFactor(new Float64Array([NaN, 0, 0, 1]), 2), RangeError);
});

Deno.test("inverse() and solveMatrix() match ml-matrix inverse and solve", () => {
  const rng = rngFor(4);
  for (const n of [1, 3, 5, 12]) {
    const a = wellConditioned(rng, n);
    const inv = inverse(a, n);
    assertClose(inv, fromMatrix(mlInverse(toMatrix(a, n, n))), 1e-12, `inverse (n = ${n})`);
    assertClose(matMul(a, inv, n, n, n), identity(n), 1e-12, `a a⁻¹ = I (n = ${n})`);
    const b = randomMatrix(rng, n, 4);
    const ref = fromMatrix(mlSolve(toMatrix(a, n, n), toMatrix(b, n, 4)));
    assertClose(solveMatrix(a, b, n, 4), ref, 1e-12, `solveMatrix (n = ${n})`);
  }
});

Deno.test("cholesky() matches ml-matrix CholeskyDecomposition and rejects indefinite matrices", () => {
  const rng = rngFor(5);
  for (const n of [1, 2, 3, 6, 10]) {
    const a = spd(rng, n);
    const l = cholesky(a, n);
    const ref = fromMatrix(new CholeskyDecomposition(toMatrix(a, n, n)).lowerTriangularMatrix);
    assertClose(l, ref, 1e-12, `cholesky (n = ${n})`);
    assertClose(matMul(l, transpose(l, n, n), n, n, n), a, 1e-12, `L Lᵀ = a (n = ${n})`);
    for (let i = 0; i < n; i++) {
      assert.ok(l[i * n + i] > 0);
      for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
    }
  }
  assert.throws(() => cholesky(new Float64Array([1, 2, 2, 1]), 2), /not positive definite/);
  assert.throws(() => cholesky(new Float64Array([-1]), 1), RangeError);
});

Deno.test("householderQr() gives orthogonal Q, upper R with a non-negative diagonal, and matches ml-matrix QR up to signs", () => {
  const rng = rngFor(6);
  for (const n of [1, 2, 3, 4, 8]) {
    for (let rep = 0; rep < 20; rep++) {
      const a = randomMatrix(rng, n, n);
      const { q, r } = householderQr(a, n);
      assertClose(matMul(transpose(q, n, n), q, n, n, n), identity(n), 1e-13, "QᵀQ = I");
      assertClose(matMul(q, r, n, n, n), a, 1e-13, "QR = a");
      for (let i = 0; i < n; i++) {
        assert.ok(r[i * n + i] >= 0, "diag(R) >= 0");
        for (let j = 0; j < i; j++) assert.equal(r[i * n + j], 0, "R is upper triangular");
      }
      // QR of a nonsingular matrix is unique up to the signs of the rows of R.
      const mlR = fromMatrix(new QrDecomposition(toMatrix(a, n, n)).upperTriangularMatrix);
      for (let i = 0; i < n; i++) {
        const sign = Math.sign(mlR[i * n + i]) || 1;
        for (let j = 0; j < n; j++) {
          assert.ok(Math.abs(r[i * n + j] - sign * mlR[i * n + j]) < 1e-12, "R matches ml-matrix");
        }
      }
    }
  }
});

Deno.test("haarOrthogonal() is orthogonal with Haar moments (E Q_ij = 0, E Q_ij² = 1/n, E Q_00⁴ = 3/(n(n+2)))", () => {
  const n = 3;
  const draws = 4000;
  const rng = rngFor(7);
  const sum = new Float64Array(n * n);
  const sum2 = new Float64Array(n * n);
  let sum4 = 0;
  let nNegativeDet = 0;
  for (let d = 0; d < draws; d++) {
    const q = haarOrthogonal(rng, n);
    if (d < 200) {
      assertClose(matMul(q, transpose(q, n, n), n, n, n), identity(n), 1e-13, "Q Qᵀ = I");
    }
    const det = new LuDecomposition(toMatrix(q, n, n)).determinant;
    assert.ok(Math.abs(Math.abs(det) - 1) < 1e-12, "|det Q| = 1");
    if (det < 0) nNegativeDet++;
    for (let i = 0; i < n * n; i++) {
      sum[i] += q[i];
      sum2[i] += q[i] * q[i];
    }
    sum4 += q[0] ** 4;
  }
  // Each entry is a coordinate of a uniform point on the sphere S^{n-1}.
  const seMean = Math.sqrt(1 / n / draws);
  const seSecond = Math.sqrt((3 / (n * (n + 2)) - 1 / n ** 2) / draws);
  const seFourth = Math.sqrt(
    (105 / (n * (n + 2) * (n + 4) * (n + 6)) - (3 / (n * (n + 2))) ** 2) / draws,
  );
  for (let i = 0; i < n * n; i++) {
    assert.ok(Math.abs(sum[i] / draws) < 4.5 * seMean, `E Q_${i} = 0: got ${sum[i] / draws}`);
    assert.ok(Math.abs(sum2[i] / draws - 1 / n) < 4.5 * seSecond, `E Q_${i}² = 1/n`);
  }
  assert.ok(Math.abs(sum4 / draws - 3 / (n * (n + 2))) < 4.5 * seFourth, "E Q_00⁴");
  // Haar on O(n): det = ±1 with equal probability.
  assert.ok(
    Math.abs(nNegativeDet / draws - 0.5) < 4.5 * Math.sqrt(0.25 / draws),
    "P(det = −1) = 1/2",
  );
});

Deno.test("haarOrthogonal() is a pure function of its stream", () => {
  const a = haarOrthogonal(rngFor(8), 4);
  const b = haarOrthogonal(rngFor(8), 4);
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.notDeepEqual(Array.from(a), Array.from(haarOrthogonal(rngFor(9), 4)));
});
