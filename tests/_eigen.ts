// Test helpers: ml-matrix as an independent oracle for flat row-major matrices.
import { EigenvalueDecomposition, Matrix } from "./_deps.ts";

/** A complex number. */
export interface Complex {
  re: number;
  im: number;
}

/** Wrap a flat row-major r x c array as an ml-matrix Matrix. */
export function toMatrix(a: ArrayLike<number>, r: number, c: number): Matrix {
  const rows: number[][] = [];
  for (let i = 0; i < r; i++) rows.push(Array.from({ length: c }, (_, j) => a[i * c + j]));
  return new Matrix(rows);
}

/** Flatten an ml-matrix Matrix to row-major numbers. */
export function fromMatrix(m: Matrix): number[] {
  return m.to2DArray().flat();
}

/** Eigenvalues of a flat n x n matrix (ml-matrix, nonsymmetric algorithm). */
export function eigenvalues(a: ArrayLike<number>, n: number): Complex[] {
  const evd = new EigenvalueDecomposition(toMatrix(a, n, n), { assumeSymmetric: false });
  return evd.realEigenvalues.map((re, i) => ({ re, im: evd.imaginaryEigenvalues[i] }));
}

/** Spectral radius of a flat n x n matrix by the ml-matrix eigen-solver. */
export function spectralRadius(a: ArrayLike<number>, n: number): number {
  return Math.max(...eigenvalues(a, n).map((z) => Math.hypot(z.re, z.im)));
}

/**
 * The largest distance in a greedy nearest-neighbour matching of two
 * eigenvalue multisets (Infinity if their sizes differ).
 */
export function spectrumDistance(a: readonly Complex[], b: readonly Complex[]): number {
  if (a.length !== b.length) return Infinity;
  const used = new Array<boolean>(b.length).fill(false);
  let worst = 0;
  for (const z of a) {
    let best = Infinity;
    let at = -1;
    b.forEach((w, j) => {
      const d = Math.hypot(z.re - w.re, z.im - w.im);
      if (!used[j] && d < best) {
        best = d;
        at = j;
      }
    });
    used[at] = true;
    worst = Math.max(worst, best);
  }
  return worst;
}

/** `|got − ref| ≤ tol · max(1, |ref|)` for every entry, with a helpful message. */
export function assertClose(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  if (got.length !== ref.length) {
    throw new Error(`${what}: length ${got.length} != ${ref.length}`);
  }
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i] - ref[i]);
    if (!(err <= tol * Math.max(1, Math.abs(ref[i])))) {
      throw new Error(`${what}: entry ${i} is ${got[i]}, expected ${ref[i]} (tol ${tol})`);
    }
  }
}
