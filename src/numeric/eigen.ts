/**
 * Eigenvalues of a small real nonsymmetric matrix: Householder reduction to
 * Hessenberg form, then the Francis double-shift QR iteration (EISPACK's
 * `orthes` and `hqr`, as in JAMA, public domain; eigenvalues only). For the
 * spectral radius of a stored theta (lss's A, var's companion matrix).
 *
 * @module
 */

/** The eigenvalues of a matrix, as real and imaginary parts. */
export interface Eigenvalues {
  /** Real parts. */
  re: Float64Array;
  /** Imaginary parts (conjugate pairs are adjacent). */
  im: Float64Array;
}

/** Householder reduction of `h` (n x n, row-major, in place) to upper Hessenberg form. */
function toHessenberg(h: Float64Array, n: number): void {
  const ort = new Float64Array(n);
  const high = n - 1;
  for (let m = 1; m <= high - 1; m++) {
    let scale = 0;
    for (let i = m; i <= high; i++) scale += Math.abs(h[i * n + m - 1]);
    if (scale === 0) continue;
    let sum = 0;
    for (let i = high; i >= m; i--) {
      ort[i] = h[i * n + m - 1] / scale;
      sum += ort[i] * ort[i];
    }
    let g = Math.sqrt(sum);
    if (ort[m] > 0) g = -g;
    sum -= ort[m] * g;
    ort[m] -= g;
    for (let j = m; j < n; j++) {
      let f = 0;
      for (let i = high; i >= m; i--) f += ort[i] * h[i * n + j];
      f /= sum;
      for (let i = m; i <= high; i++) h[i * n + j] -= f * ort[i];
    }
    for (let i = 0; i <= high; i++) {
      let f = 0;
      for (let j = high; j >= m; j--) f += ort[j] * h[i * n + j];
      f /= sum;
      for (let j = m; j <= high; j++) h[i * n + j] -= f * ort[j];
    }
    ort[m] *= scale;
    h[m * n + m - 1] = scale * g;
  }
}

/**
 * The eigenvalues of a real n x n matrix.
 *
 * @param a The matrix, row-major (not changed).
 * @param n Its size.
 * @returns Real and imaginary parts, in the order the iteration finds them.
 * @throws {Error} If the QR iteration does not converge (30 n iterations per eigenvalue).
 *
 * @example A rotation-scaling block and a real root
 * ```ts
 * import { eigenvalues } from "./eigen.ts";
 * import assert from "node:assert/strict";
 * const { re, im } = eigenvalues(Float64Array.of(0.6, -0.8, 0, 0.8, 0.6, 0, 0, 0, 0.5), 3);
 * const moduli = Array.from(re, (r, i) => Math.hypot(r, im[i])).sort();
 * assert.ok(Math.abs(moduli[0] - 0.5) < 1e-15 && Math.abs(moduli[2] - 1) < 1e-15);
 * ```
 */
export function eigenvalues(a: ArrayLike<number>, n: number): Eigenvalues {
  if (a.length !== n * n) throw new RangeError(`Expected ${n * n} entries: got ${a.length}`);
  const h = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { re: d, im: e };
  toHessenberg(h, n);
  const H = (i: number, j: number): number => h[i * n + j];
  const set = (i: number, j: number, v: number): void => {
    h[i * n + j] = v;
  };
  const eps = Number.EPSILON;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    for (let j = Math.max(i - 1, 0); j < n; j++) norm += Math.abs(H(i, j));
  }
  let nn = n - 1;
  let exshift = 0;
  let iter = 0;
  let p = 0, q = 0, r = 0, s = 0, z = 0, w: number, x: number, y: number;
  while (nn >= 0) {
    // Look for a single small subdiagonal element.
    let l = nn;
    while (l > 0) {
      s = Math.abs(H(l - 1, l - 1)) + Math.abs(H(l, l));
      if (s === 0) s = norm;
      // "<=": a zero subdiagonal deflates even when its neighbours are zero too.
      if (Math.abs(H(l, l - 1)) <= eps * s) break;
      l--;
    }
    if (l === nn) {
      // One root found.
      d[nn] = H(nn, nn) + exshift;
      e[nn] = 0;
      nn--;
      iter = 0;
    } else if (l === nn - 1) {
      // Two roots found.
      w = H(nn, nn - 1) * H(nn - 1, nn);
      p = (H(nn - 1, nn - 1) - H(nn, nn)) / 2;
      q = p * p + w;
      z = Math.sqrt(Math.abs(q));
      x = H(nn, nn) + exshift;
      if (q >= 0) {
        z = p >= 0 ? p + z : p - z;
        d[nn - 1] = x + z;
        d[nn] = z !== 0 ? x - w / z : x + z;
        e[nn - 1] = 0;
        e[nn] = 0;
      } else {
        d[nn - 1] = x + p;
        d[nn] = x + p;
        e[nn - 1] = z;
        e[nn] = -z;
      }
      nn -= 2;
      iter = 0;
    } else {
      // Form the shift.
      x = H(nn, nn);
      y = 0;
      w = 0;
      if (l < nn) {
        y = H(nn - 1, nn - 1);
        w = H(nn, nn - 1) * H(nn - 1, nn);
      }
      if (iter === 10) {
        // Wilkinson's original ad hoc shift.
        exshift += x;
        for (let i = 0; i <= nn; i++) set(i, i, H(i, i) - x);
        s = Math.abs(H(nn, nn - 1)) + Math.abs(H(nn - 1, nn - 2));
        x = y = 0.75 * s;
        w = -0.4375 * s * s;
      }
      if (iter === 30) {
        // MATLAB's new ad hoc shift.
        s = (y - x) / 2;
        s = s * s + w;
        if (s > 0) {
          s = Math.sqrt(s);
          if (y < x) s = -s;
          s = x - w / ((y - x) / 2 + s);
          for (let i = 0; i <= nn; i++) set(i, i, H(i, i) - s);
          exshift += s;
          x = y = w = 0.964;
        }
      }
      iter++;
      if (iter > 30 * n) throw new Error("Eigenvalue QR iteration did not converge");
      // Look for two consecutive small subdiagonal elements.
      let m = nn - 2;
      while (m >= l) {
        z = H(m, m);
        r = x - z;
        s = y - z;
        p = (r * s - w) / H(m + 1, m) + H(m, m + 1);
        q = H(m + 1, m + 1) - z - r - s;
        r = H(m + 2, m + 1);
        s = Math.abs(p) + Math.abs(q) + Math.abs(r);
        p /= s;
        q /= s;
        r /= s;
        if (m === l) break;
        if (
          Math.abs(H(m, m - 1)) * (Math.abs(q) + Math.abs(r)) <
            eps *
              (Math.abs(p) * (Math.abs(H(m - 1, m - 1)) + Math.abs(z) + Math.abs(H(m + 1, m + 1))))
        ) break;
        m--;
      }
      for (let i = m + 2; i <= nn; i++) {
        set(i, i - 2, 0);
        if (i > m + 2) set(i, i - 3, 0);
      }
      // Double QR step on rows l..nn and columns m..nn.
      for (let k = m; k <= nn - 1; k++) {
        const notlast = k !== nn - 1;
        if (k !== m) {
          p = H(k, k - 1);
          q = H(k + 1, k - 1);
          r = notlast ? H(k + 2, k - 1) : 0;
          x = Math.abs(p) + Math.abs(q) + Math.abs(r);
          if (x === 0) continue;
          p /= x;
          q /= x;
          r /= x;
        }
        s = Math.sqrt(p * p + q * q + r * r);
        if (p < 0) s = -s;
        if (s === 0) continue;
        if (k !== m) set(k, k - 1, -s * x);
        else if (l !== m) set(k, k - 1, -H(k, k - 1));
        p += s;
        x = p / s;
        y = q / s;
        z = r / s;
        q /= p;
        r /= p;
        for (let j = k; j < n; j++) {
          p = H(k, j) + q * H(k + 1, j);
          if (notlast) {
            p += r * H(k + 2, j);
            set(k + 2, j, H(k + 2, j) - p * z);
          }
          set(k, j, H(k, j) - p * x);
          set(k + 1, j, H(k + 1, j) - p * y);
        }
        for (let i = 0; i <= Math.min(nn, k + 3); i++) {
          p = x * H(i, k) + y * H(i, k + 1);
          if (notlast) {
            p += z * H(i, k + 2);
            set(i, k + 2, H(i, k + 2) - p * r);
          }
          set(i, k, H(i, k) - p);
          set(i, k + 1, H(i, k + 1) - p * q);
        }
      }
    }
  }
  return { re: d, im: e };
}

/**
 * The spectral radius (largest eigenvalue modulus) of a real n x n matrix.
 *
 * @param a The matrix, row-major.
 * @param n Its size.
 * @returns `max |λ|`.
 *
 * @example
 * ```ts
 * import { spectralRadius } from "./eigen.ts";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(spectralRadius([1.4, -0.45, 1, 0], 2) - 0.9) < 1e-15);
 * ```
 */
export function spectralRadius(a: ArrayLike<number>, n: number): number {
  const { re, im } = eigenvalues(a, n);
  let best = 0;
  for (let i = 0; i < n; i++) best = Math.max(best, Math.hypot(re[i], im[i]));
  return best;
}
