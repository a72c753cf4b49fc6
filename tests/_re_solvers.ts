/**
 * Generic solvers of the matrix quadratic `A2 X² + A1 X + A0 = 0` for its
 * stable solvent X (the rational-expectations law of motion
 * `y_t = X y_{t-1} + ...` of `A0 y_{t-1} + A1 y_t + A2 E_t y_{t+1} = 0`).
 *
 * Test-time oracles only (cyclic reduction, Bini–Meini, as in Dynare's
 * `cycle_reduction.m`; linear time iteration, Rendahl 2017): they cross-check
 * the scalar closed-form solvers of the nk, zlb and rbc worlds with
 * independent numerics.
 * Matrices are row-major n x n `Float64Array`s.
 *
 * @module
 */

import { luFactor, luSolve, matMul, norm1, solveMatrix } from "../src/numeric/linalg.ts";

/** Options of the matrix-quadratic solvers. */
export interface ReSolverOptions {
  /** Convergence tolerance (default 1e-13, see each solver). */
  tol?: number;
  /** Maximum number of iterations (default 100 for cyclic reduction, 100000 for time iteration). */
  maxIter?: number;
}

/** The stable solvent and the number of iterations it took. */
export interface ReSolution {
  /** The solvent X, n x n, row-major. */
  x: Float64Array;
  /** Iterations performed. */
  iterations: number;
}

function checkShapes(
  a0: ArrayLike<number>,
  a1: ArrayLike<number>,
  a2: ArrayLike<number>,
  n: number,
): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Matrix size must be a positive integer: got ${n}`);
  }
  for (const [name, a] of [["a0", a0], ["a1", a1], ["a2", a2]] as const) {
    if (a.length !== n * n) {
      throw new TypeError(`Matrix ${name} must have n * n = ${n * n} entries: got ${a.length}`);
    }
  }
}

/**
 * Cyclic reduction (Bini–Meini; Dynare's `cycle_reduction`) for the stable
 * solvent of `A2 X² + A1 X + A0 = 0`.
 *
 * Iterates `F0 = a1⁻¹a0`, `F2 = a1⁻¹a2`, `a1 ← a1 − a0F2 − a2F0`,
 * `â ← â − a2F0`, `a0 ← −a0F0`, `a2 ← −a2F2` until `‖a0‖₁` and `‖a2‖₁` are
 * both below `tol`, then returns `X = −â⁻¹A0`. Converges quadratically when
 * the pencil has exactly n eigenvalues inside the unit circle.
 *
 * @param a0 A0, n x n.
 * @param a1 A1, n x n.
 * @param a2 A2, n x n.
 * @param n Size.
 * @param options `tol`: absolute 1-norm tolerance on a0 and a2 (default
 *   1e-13); `maxIter`: iteration cap (default 100).
 * @returns The solvent and the iteration count.
 * @throws {Error} If the iteration does not converge within `maxIter` or
 *   produces non-finite values.
 * @throws {RangeError} If a matrix to invert is singular.
 *
 * @example Scalar quadratic x² − 2.5x + 1 = 0 (roots 0.5 and 2)
 * ```ts
 * import { cyclicReduction } from "./_re_solvers.ts";
 * import assert from "node:assert/strict";
 * const { x } = cyclicReduction(new Float64Array([1]), new Float64Array([-2.5]), new Float64Array([1]), 1);
 * assert.ok(Math.abs(x[0] - 0.5) < 1e-14);
 * ```
 */
export function cyclicReduction(
  a0: ArrayLike<number>,
  a1: ArrayLike<number>,
  a2: ArrayLike<number>,
  n: number,
  options: ReSolverOptions = {},
): ReSolution {
  checkShapes(a0, a1, a2, n);
  const tol = options.tol ?? 1e-13;
  const maxIter = options.maxIter ?? 100;
  const nn = n * n;
  let c0 = Float64Array.from(a0);
  let c1 = Float64Array.from(a1);
  let c2 = Float64Array.from(a2);
  const hat = Float64Array.from(a1);
  const rhs = new Float64Array(n * 2 * n);
  const t02 = new Float64Array(nn);
  const t20 = new Float64Array(nn);
  const t00 = new Float64Array(nn);
  const t22 = new Float64Array(nn);
  for (let it = 1; it <= maxIter; it++) {
    // [F0 | F2] = a1⁻¹ [a0 | a2] with one factorisation.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        rhs[i * 2 * n + j] = c0[i * n + j];
        rhs[i * 2 * n + n + j] = c2[i * n + j];
      }
    }
    const f = solveMatrix(c1, rhs, n, 2 * n);
    const f0 = new Float64Array(nn);
    const f2 = new Float64Array(nn);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        f0[i * n + j] = f[i * 2 * n + j];
        f2[i * n + j] = f[i * 2 * n + n + j];
      }
    }
    matMul(c0, f2, n, n, n, t02);
    matMul(c2, f0, n, n, n, t20);
    matMul(c0, f0, n, n, n, t00);
    matMul(c2, f2, n, n, n, t22);
    const next1 = new Float64Array(nn);
    const next0 = new Float64Array(nn);
    const next2 = new Float64Array(nn);
    for (let i = 0; i < nn; i++) {
      next1[i] = c1[i] - t02[i] - t20[i];
      hat[i] -= t20[i];
      next0[i] = -t00[i];
      next2[i] = -t22[i];
    }
    c0 = next0;
    c1 = next1;
    c2 = next2;
    const e0 = norm1(c0, n, n);
    const e2 = norm1(c2, n, n);
    if (!Number.isFinite(e0) || !Number.isFinite(e2)) {
      throw new Error(`Cyclic reduction diverged: non-finite iterate at iteration ${it}`);
    }
    if (e0 < tol && e2 < tol) {
      const x = solveMatrix(hat, a0, n, n);
      for (let i = 0; i < nn; i++) x[i] = -x[i];
      return { x, iterations: it };
    }
  }
  throw new Error(
    `Cyclic reduction did not converge: tolerance ${tol} not reached in ${maxIter} iterations`,
  );
}

/**
 * Linear time iteration (Rendahl 2017) for the stable solvent of
 * `A2 X² + A1 X + A0 = 0`: `X ← −(A1 + A2 X)⁻¹ A0`, starting from X = 0.
 *
 * Stops when `‖X_new − X‖₁ ≤ tol · max(1, ‖X_new‖₁)`. Converges linearly, at
 * the rate of the largest stable root over the smallest unstable one.
 *
 * @param a0 A0, n x n.
 * @param a1 A1, n x n.
 * @param a2 A2, n x n.
 * @param n Size.
 * @param options `tol`: relative 1-norm step tolerance (default 1e-13);
 *   `maxIter`: iteration cap (default 100000).
 * @returns The solvent and the iteration count.
 * @throws {Error} If the iteration does not converge within `maxIter` or
 *   produces non-finite values.
 * @throws {RangeError} If `A1 + A2 X` is singular.
 *
 * @example Scalar quadratic x² − 2.5x + 1 = 0 (roots 0.5 and 2)
 * ```ts
 * import { timeIteration } from "./_re_solvers.ts";
 * import assert from "node:assert/strict";
 * const { x } = timeIteration(new Float64Array([1]), new Float64Array([-2.5]), new Float64Array([1]), 1);
 * assert.ok(Math.abs(x[0] - 0.5) < 1e-12);
 * ```
 */
export function timeIteration(
  a0: ArrayLike<number>,
  a1: ArrayLike<number>,
  a2: ArrayLike<number>,
  n: number,
  options: ReSolverOptions = {},
): ReSolution {
  checkShapes(a0, a1, a2, n);
  const tol = options.tol ?? 1e-13;
  const maxIter = options.maxIter ?? 100000;
  const nn = n * n;
  let x = new Float64Array(nn);
  const m = new Float64Array(nn);
  const col = new Float64Array(n);
  for (let it = 1; it <= maxIter; it++) {
    matMul(a2, x, n, n, n, m);
    for (let i = 0; i < nn; i++) m[i] += a1[i];
    const f = luFactor(m, n);
    const next = new Float64Array(nn);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) col[i] = a0[i * n + j];
      const v = luSolve(f, col);
      for (let i = 0; i < n; i++) next[i * n + j] = -v[i];
    }
    let step = 0;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.abs(next[i * n + j] - x[i * n + j]);
      if (s > step) step = s;
    }
    x = next;
    if (!Number.isFinite(step)) {
      throw new Error(`Time iteration diverged: non-finite iterate at iteration ${it}`);
    }
    if (step <= tol * Math.max(1, norm1(x, n, n))) return { x, iterations: it };
  }
  throw new Error(
    `Time iteration did not converge: tolerance ${tol} not reached in ${maxIter} iterations`,
  );
}
