// The Hessenberg-QR eigenvalues of src/numeric/eigen.ts against ml-matrix (an independent
// implementation) and against spectra placed by construction.
import assert from "node:assert/strict";
import { eigenvalues, spectralRadius } from "../src/numeric/eigen.ts";
import { eigenvalues as oracle, spectrumDistance } from "./_eigen.ts";
import { drawVarTheta, varCoefficients, varCompanion } from "../src/simulators/var.ts";
import { drawLssTheta } from "../src/simulators/lss.ts";
import { keyedStream, STREAM } from "../src/numeric/rng.ts";

function spectrum(a: ArrayLike<number>, n: number): { re: number; im: number }[] {
  const { re, im } = eigenvalues(a, n);
  return Array.from(re, (r, i) => ({ re: r, im: im[i] }));
}

Deno.test("eigenvalues agree with ml-matrix on random matrices of size 1 to 12", () => {
  const rng = keyedStream(11, "eigen", 0, STREAM.SPARE);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + (trial % 12);
    const a = new Float64Array(n * n);
    rng.fillNormal(a);
    const d = spectrumDistance(spectrum(a, n), oracle(a, n));
    assert.ok(d < 1e-10, `trial ${trial} (n = ${n}): spectra differ by ${d}`);
  }
});

Deno.test("eigenvalues of special matrices: zero, identity, Jordan block, rotation", () => {
  assert.deepEqual(Array.from(eigenvalues(new Float64Array(9), 3).re), [0, 0, 0]);
  assert.equal(spectralRadius([1, 0, 0, 1], 2), 1);
  assert.ok(Math.abs(spectralRadius([0.9, 5, 0, 0.9], 2) - 0.9) < 1e-12);
  const { re, im } = eigenvalues([0, -1, 1, 0], 2);
  assert.deepEqual([Math.abs(re[0]), Math.abs(im[0])], [0, 1]);
  assert.equal(eigenvalues([], 0).re.length, 0);
  assert.throws(() => eigenvalues([1, 2, 3], 2), RangeError);
});

Deno.test("the spectral radius of var and lss draws is the placed rho_max (float64 theta)", () => {
  for (let seed = 0; seed < 200; seed++) {
    const v = drawVarTheta(keyedStream(seed, "var", 0, STREAM.THETA));
    const rho = spectralRadius(varCompanion(varCoefficients(v.theta)), 3 * v.p);
    assert.ok(Math.abs(rho - v.spectralRadius) < 1e-10, `var seed ${seed}: ${rho}`);
    const l = drawLssTheta(keyedStream(seed, "lss", 0, STREAM.THETA));
    const rhoL = spectralRadius(l.theta.subarray(0, 16), 4);
    assert.ok(Math.abs(rhoL - l.spectralRadius) < 1e-12, `lss seed ${seed}: ${rhoL}`);
  }
});
