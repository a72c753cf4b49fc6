/**
 * Construction helpers for the worlds whose parameters are drawn by an
 * algorithm rather than from independent uniforms (lss, var, switching).
 *
 * The central idea (a real Schur form run backwards): build a real
 * block-upper-triangular matrix T whose diagonal blocks carry chosen
 * eigenvalues (2x2 rotation-scaling blocks for complex pairs, 1x1 blocks for
 * real ones), then conjugate it by a Haar orthogonal Q. `A = Q T Qᵀ` has
 * exactly the eigenvalues of T, so the spectral radius is known without an
 * eigen-solver.
 *
 * Every function that draws random numbers documents the exact order of its
 * draws: that order is part of the versioned sampling algorithm (`lss_v1`,
 * `var_v1`), and changing it changes the datasets.
 *
 * @module
 */

import { haarOrthogonal, matMul } from "../numeric/linalg.ts";
import type { Xoshiro128 } from "../numeric/rng.ts";

/** One diagonal block of a real block-upper-triangular matrix. */
export type DiagonalBlock =
  | {
    /** A 2x2 block `modulus · [[cos angle, −sin angle], [sin angle, cos angle]]`. */
    kind: "pair";
    /** Modulus of the complex pair `modulus · e^{±i angle}`. */
    modulus: number;
    /** Argument of the pair, in radians. */
    angle: number;
  }
  | {
    /** A 1x1 block. */
    kind: "real";
    /** The real eigenvalue. */
    value: number;
  };

/** Options of {@link drawDiagonalBlocks}. */
export interface DrawBlocksOptions {
  /** Matrix size n (>= 2 * nPairs). */
  n: number;
  /** Number of complex-conjugate pairs, placed first. */
  nPairs: number;
  /** Modulus of the first block (the first pair, or the first real eigenvalue, taken positive); >= 0. */
  leadModulus: number;
  /**
   * Upper end of the moduli of the other blocks (default `leadModulus`, so
   * that the spectral radius is exactly `leadModulus`; a larger cap lets the
   * other blocks exceed the first).
   */
  otherModulusMax?: number;
  /** Lower end of the modulus of the second and later pairs (default 0.1, capped at otherModulusMax). */
  pairModulusLow?: number;
  /** Angles are drawn from `U[angleMargin, π − angleMargin]` (default 0.15). */
  angleMargin?: number;
  /** Probability that a random real eigenvalue is positive (default 0.8). */
  positiveProbability?: number;
}

/**
 * Draw the diagonal blocks of the Schur-form construction: complex pairs
 * first, then real 1x1 blocks. The first block has modulus `leadModulus`, the
 * others at most `otherModulusMax` (default `leadModulus`, and then the
 * spectral radius is exactly `leadModulus`).
 *
 * Draw order, with `cap = otherModulusMax`: for each pair k: modulus
 * (`U[min(low, cap), cap]`, k > 0 only; pair 0 has modulus `lead`), then
 * angle `U[margin, π − margin]`. For each real block j: if j = 0 and there
 * are no pairs its value is `lead` (no draw); otherwise magnitude
 * `U[0, cap]`, then one uniform for the sign (positive iff it is below
 * `positiveProbability`).
 *
 * @param rng The stream to draw from.
 * @param options Size, number of pairs, leading modulus and the ranges.
 * @returns The blocks, in placement order.
 * @throws {RangeError} If `2 * nPairs > n` or a modulus bound is negative or not finite.
 *
 * @example Draw the blocks of a 4x4 matrix with one complex pair
 * ```ts
 * import { drawDiagonalBlocks } from "./_construct.ts";
 * import { keyedStream } from "../numeric/rng.ts";
 * import assert from "node:assert/strict";
 * const blocks = drawDiagonalBlocks(keyedStream(1, "lss", 0, 0), { n: 4, nPairs: 1, leadModulus: 0.9 });
 * assert.deepEqual(blocks.map((b) => b.kind), ["pair", "real", "real"]);
 * assert.equal(blocks[0].kind === "pair" && blocks[0].modulus, 0.9);
 * ```
 */
export function drawDiagonalBlocks(rng: Xoshiro128, options: DrawBlocksOptions): DiagonalBlock[] {
  const { n, nPairs, leadModulus: lead } = options;
  if (!Number.isInteger(n) || !Number.isInteger(nPairs) || nPairs < 0 || 2 * nPairs > n) {
    throw new RangeError(`Cannot place ${nPairs} complex pairs in a ${n}x${n} matrix`);
  }
  const cap = options.otherModulusMax ?? lead;
  if (!(lead >= 0) || !Number.isFinite(lead) || !(cap >= 0) || !Number.isFinite(cap)) {
    throw new RangeError(
      `Eigenvalue moduli must be finite and non-negative: got lead ${lead}, cap ${cap}`,
    );
  }
  const low = Math.min(options.pairModulusLow ?? 0.1, cap);
  const margin = options.angleMargin ?? 0.15;
  const pPositive = options.positiveProbability ?? 0.8;
  const blocks: DiagonalBlock[] = [];
  for (let k = 0; k < nPairs; k++) {
    const modulus = k === 0 ? lead : rng.uniform(low, cap);
    const angle = rng.uniform(margin, Math.PI - margin);
    blocks.push({ kind: "pair", modulus, angle });
  }
  const nReal = n - 2 * nPairs;
  for (let j = 0; j < nReal; j++) {
    if (j === 0 && nPairs === 0) {
      blocks.push({ kind: "real", value: lead });
    } else {
      const magnitude = rng.uniform(0, cap);
      const sign = rng.nextFloat64() < pPositive ? 1 : -1;
      blocks.push({ kind: "real", value: sign * magnitude });
    }
  }
  return blocks;
}

/**
 * The largest eigenvalue modulus of a list of diagonal blocks.
 *
 * @param blocks The blocks.
 * @returns max over blocks of `|value|` or `modulus` (0 for no blocks).
 *
 * @example Spectral radius of two blocks
 * ```ts
 * import { blocksSpectralRadius } from "./_construct.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   blocksSpectralRadius([{ kind: "pair", modulus: 0.7, angle: 1 }, { kind: "real", value: -0.9 }]),
 *   0.9,
 * );
 * ```
 */
export function blocksSpectralRadius(blocks: readonly DiagonalBlock[]): number {
  let rho = 0;
  for (const b of blocks) {
    const m = b.kind === "pair" ? Math.abs(b.modulus) : Math.abs(b.value);
    if (m > rho) rho = m;
  }
  return rho;
}

/** Options of {@link blockTriangular}. */
export interface BlockTriangularOptions {
  /** Standard deviation of the entries above the diagonal blocks (0: none, no draws). */
  offDiagonalSd: number;
  /** The stream for the off-diagonal entries (required when `offDiagonalSd > 0`). */
  rng?: Xoshiro128;
}

/**
 * Assemble a real block-upper-triangular matrix from its diagonal blocks,
 * with N(0, sd²) entries above the blocks and zeros below.
 *
 * Draw order: one normal per entry (i, j) with j > i outside the diagonal
 * blocks, row-major. Nothing is drawn when `offDiagonalSd` is 0.
 *
 * @param blocks The diagonal blocks, in order; n is the sum of their sizes.
 * @param options Off-diagonal scale and stream.
 * @returns T, n x n row-major; its eigenvalues are those of the blocks.
 * @throws {TypeError} If `offDiagonalSd > 0` and no stream is given.
 *
 * @example A rotation block above a real eigenvalue
 * ```ts
 * import { blockTriangular } from "./_construct.ts";
 * import assert from "node:assert/strict";
 * const t = blockTriangular(
 *   [{ kind: "pair", modulus: 1, angle: Math.PI / 2 }, { kind: "real", value: 0.5 }],
 *   { offDiagonalSd: 0 },
 * );
 * assert.deepEqual(Array.from(t).map((v) => Math.round(v * 1e12) / 1e12), [0, -1, 0, 1, 0, 0, 0, 0, 0.5]);
 * ```
 */
export function blockTriangular(
  blocks: readonly DiagonalBlock[],
  options: BlockTriangularOptions,
): Float64Array {
  const sd = options.offDiagonalSd;
  if (sd > 0 && !options.rng) {
    throw new TypeError("Cannot draw off-diagonal entries: no random stream given");
  }
  let n = 0;
  for (const b of blocks) n += b.kind === "pair" ? 2 : 1;
  const t = new Float64Array(n * n);
  const blockOf = new Int32Array(n);
  let i0 = 0;
  blocks.forEach((b, index) => {
    if (b.kind === "pair") {
      const c = b.modulus * Math.cos(b.angle);
      const s = b.modulus * Math.sin(b.angle);
      t[i0 * n + i0] = c;
      t[i0 * n + i0 + 1] = -s;
      t[(i0 + 1) * n + i0] = s;
      t[(i0 + 1) * n + i0 + 1] = c;
      blockOf[i0] = blockOf[i0 + 1] = index;
      i0 += 2;
    } else {
      t[i0 * n + i0] = b.value;
      blockOf[i0] = index;
      i0 += 1;
    }
  });
  if (sd > 0) {
    const rng = options.rng as Xoshiro128;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (blockOf[i] !== blockOf[j]) t[i * n + j] = sd * rng.nextNormal();
      }
    }
  }
  return t;
}

/**
 * The orthogonal similarity `Q T Qᵀ`.
 *
 * @param t The n x n matrix T.
 * @param q An n x n orthogonal matrix Q.
 * @param n Size.
 * @returns `Q T Qᵀ`, n x n; it has the eigenvalues of T when Q is orthogonal.
 *
 * @example Conjugating by a permutation swaps the diagonal
 * ```ts
 * import { orthogonalSimilarity } from "./_construct.ts";
 * import assert from "node:assert/strict";
 * const out = orthogonalSimilarity(new Float64Array([1, 0, 0, 2]), new Float64Array([0, 1, 1, 0]), 2);
 * assert.deepEqual(Array.from(out), [2, 0, 0, 1]);
 * ```
 */
export function orthogonalSimilarity(
  t: ArrayLike<number>,
  q: ArrayLike<number>,
  n: number,
): Float64Array {
  const qt = matMul(q, t, n, n, n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += qt[i * n + l] * q[j * n + l];
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Options of {@link drawPlacedMatrix}: those of {@link drawDiagonalBlocks} plus the off-diagonal scale. */
export interface PlacedMatrixOptions extends DrawBlocksOptions {
  /** Standard deviation of the entries of T above its diagonal blocks. */
  offDiagonalSd: number;
}

/** A matrix with placed eigenvalues and the pieces it was built from. */
export interface PlacedMatrix {
  /** `Q T Qᵀ`, n x n. */
  matrix: Float64Array;
  /** The block-upper-triangular T. */
  t: Float64Array;
  /** The Haar orthogonal Q. */
  q: Float64Array;
  /** The diagonal blocks of T (they carry the eigenvalues). */
  blocks: DiagonalBlock[];
}

/**
 * Draw a real n x n matrix with placed eigenvalues: blocks by
 * {@link drawDiagonalBlocks}, T by {@link blockTriangular}, Q by
 * `haarOrthogonal`, result `Q T Qᵀ`.
 *
 * Draw order: the blocks, then the off-diagonal entries of T, then the n²
 * normals of Q.
 *
 * @param rng The stream to draw from.
 * @param options Size, pairs, leading modulus, ranges and off-diagonal scale.
 * @returns The matrix and its construction.
 *
 * @example The spectral radius is the leading modulus
 * ```ts
 * import { blocksSpectralRadius, drawPlacedMatrix } from "./_construct.ts";
 * import { keyedStream } from "../numeric/rng.ts";
 * import assert from "node:assert/strict";
 * const m = drawPlacedMatrix(keyedStream(3, "lss", 0, 0), {
 *   n: 3, nPairs: 1, leadModulus: 0.8, offDiagonalSd: 0.3,
 * });
 * assert.equal(blocksSpectralRadius(m.blocks), 0.8);
 * assert.equal(m.matrix.length, 9);
 * ```
 */
export function drawPlacedMatrix(rng: Xoshiro128, options: PlacedMatrixOptions): PlacedMatrix {
  const blocks = drawDiagonalBlocks(rng, options);
  const t = blockTriangular(blocks, { offDiagonalSd: options.offDiagonalSd, rng });
  const q = haarOrthogonal(rng, options.n);
  return { matrix: orthogonalSimilarity(t, q, options.n), t, q, blocks };
}

/** Options of {@link bartlettCholesky}. */
export interface BartlettOptions {
  /** Degrees of freedom (an integer >= n). */
  df: number;
  /** Scale s: the Wishart scale matrix is `s² I / df`, so `E[L Lᵀ] = s² I`. */
  scale: number;
}

/**
 * The Cholesky factor of a Wishart(df, s² I / df) draw, by the Bartlett
 * decomposition: `L = (s / √df) W` with W lower triangular,
 * `W_ii = sqrt(χ²_{df − i})` (i = 0..n−1, a sum of squared normals) and
 * `W_ij ~ N(0, 1)` for i > j.
 *
 * Draw order: row by row; in row i first the normals `W_i0..W_i,i−1`, then
 * the `df − i` normals whose squares sum to `W_ii²`.
 *
 * @param rng The stream to draw from.
 * @param n Size.
 * @param options Degrees of freedom and scale.
 * @returns L, n x n lower triangular with a positive diagonal; `L Lᵀ` is the Wishart draw.
 * @throws {RangeError} If df is not an integer >= n.
 *
 * @example L is lower triangular with a positive diagonal
 * ```ts
 * import { bartlettCholesky } from "./_construct.ts";
 * import { keyedStream } from "../numeric/rng.ts";
 * import assert from "node:assert/strict";
 * const l = bartlettCholesky(keyedStream(5, "var", 0, 0), 3, { df: 5, scale: 2 });
 * assert.ok(l[0] > 0 && l[4] > 0 && l[8] > 0);
 * assert.equal(l[1] + l[2] + l[5], 0);
 * ```
 */
export function bartlettCholesky(
  rng: Xoshiro128,
  n: number,
  options: BartlettOptions,
): Float64Array {
  const { df, scale } = options;
  if (!Number.isInteger(df) || df < n) {
    throw new RangeError(`Wishart degrees of freedom must be an integer >= ${n}: got ${df}`);
  }
  const f = scale / Math.sqrt(df);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) l[i * n + j] = f * rng.nextNormal();
    let chi2 = 0;
    for (let k = 0; k < df - i; k++) {
      const z = rng.nextNormal();
      chi2 += z * z;
    }
    l[i * n + i] = f * Math.sqrt(chi2);
  }
  return l;
}

/** Options of {@link isSchurStable}. */
export interface SchurStableOptions {
  /** How many times to square before giving up (default 20, i.e. powers up to 2^20). */
  maxSquarings?: number;
}

/**
 * Whether every eigenvalue of a square matrix lies strictly inside the unit
 * circle, certified without an eigen-solver: true iff `‖A^(2^j)‖₁ < 1` for
 * some j up to `maxSquarings`. A true answer proves ρ(A) < 1 (up to
 * rounding), because `ρ(A)^k ≤ ‖A^k‖`; a matrix with ρ(A) < 1 whose powers
 * have not decayed below 1 by 2^maxSquarings (ρ within about 1e-5 of 1) is
 * reported unstable.
 *
 * @param a The n x n matrix.
 * @param n Size.
 * @param options The number of squarings.
 * @returns Whether the matrix is certified stable.
 *
 * @example A stable Jordan block and a unit root
 * ```ts
 * import { isSchurStable } from "./_construct.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isSchurStable(new Float64Array([0.9, 5, 0, 0.9]), 2), true);
 * assert.equal(isSchurStable(new Float64Array([1, 0, 0, 0.2]), 2), false);
 * ```
 */
export function isSchurStable(
  a: ArrayLike<number>,
  n: number,
  options: SchurStableOptions = {},
): boolean {
  const maxSquarings = options.maxSquarings ?? 20;
  let p = Float64Array.from(a as ArrayLike<number>);
  let next = new Float64Array(n * n);
  for (let j = 0; j <= maxSquarings; j++) {
    // Induced 1-norm; a NaN or infinite entry makes it non-finite (norm1 would skip NaN).
    let norm = 0;
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += Math.abs(p[r * n + c]);
      norm = s > norm || Number.isNaN(s) ? s : norm;
    }
    if (!Number.isFinite(norm)) return false;
    if (norm < 1) return true;
    matMul(p, p, n, n, n, next);
    const tmp = p;
    p = next;
    next = tmp;
  }
  return false;
}
