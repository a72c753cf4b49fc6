/**
 * Small dense linear algebra on row-major `Float64Array`s, written for the
 * 2x2 to 12x12 matrices of the simulators (no allocation-heavy objects).
 *
 * A matrix with `r` rows and `c` columns stores entry (i, j) at `i * c + j`.
 *
 * @module
 */

import type { Xoshiro128 } from "./rng.ts";

/**
 * The n x n identity matrix.
 *
 * @param n Size.
 * @returns A new matrix.
 *
 * @example Build I_2
 * ```ts
 * import { identity } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(identity(2)), [1, 0, 0, 1]);
 * ```
 */
export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/**
 * Matrix product `a (n x k) * b (k x m)`.
 *
 * @param a Left factor, n x k.
 * @param b Right factor, k x m.
 * @param n Rows of a.
 * @param k Columns of a = rows of b.
 * @param m Columns of b.
 * @param out Optional output (n x m); must not alias a or b.
 * @returns The product, n x m.
 *
 * @example Multiply 2x2 matrices
 * ```ts
 * import { matMul } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * const p = matMul(new Float64Array([1, 2, 3, 4]), new Float64Array([0, 1, 1, 0]), 2, 2, 2);
 * assert.deepEqual(Array.from(p), [2, 1, 4, 3]);
 * ```
 */
export function matMul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  k: number,
  m: number,
  out: Float64Array = new Float64Array(n * m),
): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * k + l] * b[l * m + j];
      out[i * m + j] = s;
    }
  }
  return out;
}

/**
 * Matrix-vector product `a (n x m) * x (m)`.
 *
 * @param a Matrix, n x m.
 * @param x Vector of length m.
 * @param n Rows of a.
 * @param m Columns of a.
 * @param out Optional output (length n); must not alias x.
 * @returns The product, length n.
 *
 * @example Apply a matrix
 * ```ts
 * import { matVec } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(matVec(new Float64Array([1, 2, 3, 4]), new Float64Array([1, 1]), 2, 2)), [3, 7]);
 * ```
 */
export function matVec(
  a: ArrayLike<number>,
  x: ArrayLike<number>,
  n: number,
  m: number,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[i * m + j] * x[j];
    out[i] = s;
  }
  return out;
}

/**
 * Transpose of an n x m matrix.
 *
 * @param a Matrix, n x m.
 * @param n Rows.
 * @param m Columns.
 * @returns The transpose, m x n.
 *
 * @example Transpose a row
 * ```ts
 * import { transpose } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(transpose(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3)), [1, 4, 2, 5, 3, 6]);
 * ```
 */
export function transpose(a: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j];
  return out;
}

/** An LU factorisation with partial pivoting, `P a = L U`. */
export interface LuFactors {
  /** Size. */
  n: number;
  /** L (unit lower, below the diagonal) and U (on and above), packed. */
  lu: Float64Array;
  /** Row permutation: row i of `P a` is row `piv[i]` of a. */
  piv: Int32Array;
}

/**
 * LU factorisation with partial pivoting.
 *
 * @param a Square matrix, n x n (not modified).
 * @param n Size.
 * @returns The factors.
 * @throws {RangeError} If a pivot is exactly zero or not finite (singular matrix).
 *
 * @example Factor and solve
 * ```ts
 * import { luFactor, luSolve } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * const f = luFactor(new Float64Array([0, 2, 1, 1]), 2);
 * assert.deepEqual(Array.from(luSolve(f, new Float64Array([4, 3]))), [1, 2]);
 * ```
 */
export function luFactor(a: ArrayLike<number>, n: number): LuFactors {
  const lu = Float64Array.from(a as ArrayLike<number>);
  const piv = new Int32Array(n);
  for (let i = 0; i < n; i++) piv[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > 0) || !Number.isFinite(best)) {
      throw new RangeError(`Singular matrix: zero pivot in column ${k}`);
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j];
        lu[k * n + j] = lu[p * n + j];
        lu[p * n + j] = t;
      }
      const t = piv[k];
      piv[k] = piv[p];
      piv[p] = t;
    }
    const d = lu[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= d);
      if (f !== 0) { for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j]; }
    }
  }
  return { n, lu, piv };
}

/**
 * Solve `a x = b` from an LU factorisation, for one right-hand side.
 *
 * @param f Factors from {@link luFactor}.
 * @param b Right-hand side, length n.
 * @returns x, length n.
 *
 * @example See {@link luFactor}.
 * ```ts
 * import { luFactor, luSolve } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(luSolve(luFactor(new Float64Array([2]), 1), new Float64Array([4]))), [2]);
 * ```
 */
export function luSolve(f: LuFactors, b: ArrayLike<number>): Float64Array {
  const { n, lu, piv } = f;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = b[piv[i]];
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let j = 0; j < i; j++) s -= lu[i * n + j] * x[j];
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j];
    x[i] = s / lu[i * n + i];
  }
  return x;
}

/**
 * Solve `a X = b` for a matrix right-hand side b (n x m).
 *
 * @param a Square matrix, n x n.
 * @param b Right-hand side, n x m.
 * @param n Size of a.
 * @param m Columns of b.
 * @returns X, n x m.
 * @throws {RangeError} If a is singular.
 *
 * @example Solve with two right-hand sides
 * ```ts
 * import { solveMatrix } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * const x = solveMatrix(new Float64Array([2, 0, 0, 4]), new Float64Array([2, 4, 4, 8]), 2, 2);
 * assert.deepEqual(Array.from(x), [1, 2, 1, 2]);
 * ```
 */
export function solveMatrix(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  m: number,
): Float64Array {
  const f = luFactor(a, n);
  const out = new Float64Array(n * m);
  const col = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) col[i] = b[i * m + j];
    const x = luSolve(f, col);
    for (let i = 0; i < n; i++) out[i * m + j] = x[i];
  }
  return out;
}

/**
 * Solve `a x = b` for one vector.
 *
 * @param a Square matrix, n x n.
 * @param b Right-hand side, length n.
 * @param n Size.
 * @returns x, length n.
 * @throws {RangeError} If a is singular.
 *
 * @example Solve a 2x2 system
 * ```ts
 * import { solve } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(solve(new Float64Array([1, 1, 1, -1]), new Float64Array([3, 1]), 2)), [2, 1]);
 * ```
 */
export function solve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  return luSolve(luFactor(a, n), b);
}

/**
 * Inverse of a square matrix.
 *
 * @param a Square matrix, n x n.
 * @param n Size.
 * @returns The inverse.
 * @throws {RangeError} If a is singular.
 *
 * @example Invert a diagonal matrix
 * ```ts
 * import { inverse } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(inverse(new Float64Array([2, 0, 0, 4]), 2)), [0.5, 0, 0, 0.25]);
 * ```
 */
export function inverse(a: ArrayLike<number>, n: number): Float64Array {
  return solveMatrix(a, identity(n), n, n);
}

/**
 * Cholesky factor L (lower triangular, positive diagonal) with `a = L Lᵀ`.
 *
 * @param a Symmetric positive definite matrix, n x n.
 * @param n Size.
 * @returns L, n x n.
 * @throws {RangeError} If a is not positive definite.
 *
 * @example Factor a covariance
 * ```ts
 * import { cholesky } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Array.from(cholesky(new Float64Array([4, 2, 2, 5]), 2)), [2, 0, 1, 2]);
 * ```
 */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0)) throw new RangeError(`Matrix is not positive definite (pivot ${j} is ${d})`);
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/**
 * Householder QR of a square matrix, `a = Q R`, with the signs fixed so that
 * `diag(R) >= 0`.
 *
 * @param a Square matrix, n x n (not modified).
 * @param n Size.
 * @returns Q (orthogonal) and R (upper triangular), both n x n.
 *
 * @example Q is orthogonal and QR reproduces a
 * ```ts
 * import { householderQr, matMul } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * const a = new Float64Array([1, 2, 3, 4]);
 * const { q, r } = householderQr(a, 2);
 * const back = matMul(q, r, 2, 2, 2);
 * for (let i = 0; i < 4; i++) assert.ok(Math.abs(back[i] - a[i]) < 1e-12);
 * assert.ok(r[0] > 0 && r[3] > 0 && Math.abs(r[2]) < 1e-15);
 * ```
 */
export function householderQr(
  a: ArrayLike<number>,
  n: number,
): { q: Float64Array; r: Float64Array } {
  const r = Float64Array.from(a as ArrayLike<number>);
  const q = identity(n);
  const v = new Float64Array(n);
  for (let k = 0; k < n - 1; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += r[i * n + k] * r[i * n + k];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = r[k * n + k] > 0 ? -norm : norm;
    let vnorm = 0;
    for (let i = 0; i < n; i++) v[i] = 0;
    for (let i = k; i < n; i++) v[i] = r[i * n + k];
    v[k] -= alpha;
    for (let i = k; i < n; i++) vnorm += v[i] * v[i];
    if (vnorm === 0) continue;
    // r <- (I - 2 v vᵀ / vᵀv) r ; q <- q (I - 2 v vᵀ / vᵀv)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += v[i] * r[i * n + j];
      const f = (2 * s) / vnorm;
      for (let i = k; i < n; i++) r[i * n + j] -= f * v[i];
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = k; j < n; j++) s += q[i * n + j] * v[j];
      const f = (2 * s) / vnorm;
      for (let j = k; j < n; j++) q[i * n + j] -= f * v[j];
    }
  }
  for (let k = 0; k < n; k++) {
    if (r[k * n + k] < 0) {
      for (let j = 0; j < n; j++) r[k * n + j] = -r[k * n + j];
      for (let i = 0; i < n; i++) q[i * n + k] = -q[i * n + k];
    }
  }
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) r[i * n + j] = 0;
  return { q, r };
}

/**
 * A Haar-distributed random orthogonal matrix: the Q of the QR
 * factorisation of an n x n N(0, 1) matrix, with `diag(R) > 0`.
 *
 * @param rng The random stream (consumes n * n normals).
 * @param n Size.
 * @returns Q, n x n, orthogonal.
 *
 * @example Draw a 3x3 rotation-or-reflection
 * ```ts
 * import { haarOrthogonal, matMul, transpose } from "./linalg.ts";
 * import { keyedStream } from "./rng.ts";
 * import assert from "node:assert/strict";
 * const q = haarOrthogonal(keyedStream(1, "lss", 0, 3), 3);
 * const qtq = matMul(transpose(q, 3, 3), q, 3, 3, 3);
 * for (let i = 0; i < 3; i++) assert.ok(Math.abs(qtq[i * 4] - 1) < 1e-12);
 * ```
 */
export function haarOrthogonal(rng: Xoshiro128, n: number): Float64Array {
  const g = new Float64Array(n * n);
  rng.fillNormal(g);
  return householderQr(g, n).q;
}

/**
 * Induced 1-norm (maximum absolute column sum) of an n x m matrix.
 *
 * @param a Matrix, n x m.
 * @param n Rows.
 * @param m Columns.
 * @returns The norm.
 *
 * @example Column sums
 * ```ts
 * import { norm1 } from "./linalg.ts";
 * import assert from "node:assert/strict";
 * assert.equal(norm1(new Float64Array([1, -2, 3, 4]), 2, 2), 6);
 * ```
 */
export function norm1(a: ArrayLike<number>, n: number, m: number): number {
  let best = 0;
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a[i * m + j]);
    if (s > best) best = s;
  }
  return best;
}
