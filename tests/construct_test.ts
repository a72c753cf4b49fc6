import assert from "node:assert/strict";
import { identity, matMul, transpose } from "../src/numeric/linalg.ts";
import { keyedStream, STREAM, type Xoshiro128 } from "../src/numeric/rng.ts";
import {
  bartlettCholesky,
  blocksSpectralRadius,
  blockTriangular,
  type DiagonalBlock,
  drawDiagonalBlocks,
  drawPlacedMatrix,
  isSchurStable,
  orthogonalSimilarity,
} from "../src/simulators/_construct.ts";
import {
  assertClose,
  type Complex,
  eigenvalues,
  spectralRadius,
  spectrumDistance,
} from "./_eigen.ts";

const rngFor = (seed: number): Xoshiro128 => keyedStream(seed, "construct_test", 0, STREAM.SPARE);

function blockEigenvalues(blocks: readonly DiagonalBlock[]): Complex[] {
  return blocks.flatMap((b): Complex[] =>
    b.kind === "pair"
      ? [
        { re: b.modulus * Math.cos(b.angle), im: b.modulus * Math.sin(b.angle) },
        { re: b.modulus * Math.cos(b.angle), im: -b.modulus * Math.sin(b.angle) },
      ]
      : [{ re: b.value, im: 0 }]
  );
}

Deno.test("drawPlacedMatrix() realises exactly the eigenvalues of its blocks (ml-matrix eigen oracle)", () => {
  const rng = rngFor(1);
  for (let d = 0; d < 300; d++) {
    const n = 2 + (d % 4);
    const nPairs = d % (Math.floor(n / 2) + 1);
    const lead = rng.uniform(0.05, 1.2);
    const m = drawPlacedMatrix(rng, { n, nPairs, leadModulus: lead, offDiagonalSd: 0.3 });
    assert.equal(blocksSpectralRadius(m.blocks), lead);
    assert.equal(m.blocks.filter((b) => b.kind === "pair").length, nPairs);
    const dist = spectrumDistance(eigenvalues(m.matrix, n), blockEigenvalues(m.blocks));
    assert.ok(dist < 1e-8, `draw ${d}: eigenvalues off by ${dist}`);
    assert.ok(Math.abs(spectralRadius(m.matrix, n) - lead) < 1e-10);
    // Q is orthogonal and the matrix is Q T Qᵀ.
    assertClose(matMul(m.q, transpose(m.q, n, n), n, n, n), identity(n), 1e-13, "Q Qᵀ = I");
    assertClose(
      matMul(transpose(m.q, n, n), matMul(m.matrix, m.q, n, n, n), n, n, n),
      m.t,
      1e-12,
      "Qᵀ A Q = T",
    );
  }
});

Deno.test("drawDiagonalBlocks() places the lead first, keeps the others under their cap and angles inside the margin", () => {
  const rng = rngFor(2);
  let negatives = 0;
  let randomReals = 0;
  for (let d = 0; d < 2000; d++) {
    const lead = rng.uniform(0, 1);
    // Every other draw caps the other blocks at 0.5 independently of the lead (var factors ℓ ≥ 2).
    const capped = d % 2 === 1;
    const cap = capped ? 0.5 : lead;
    const nPairs = d % 3;
    const blocks = drawDiagonalBlocks(rng, {
      n: 4,
      nPairs,
      leadModulus: lead,
      otherModulusMax: capped ? 0.5 : undefined,
    });
    if (!capped) assert.equal(blocksSpectralRadius(blocks), lead);
    assert.ok(blocksSpectralRadius(blocks) <= Math.max(lead, cap));
    blocks.forEach((b, i) => {
      if (i === 0) {
        assert.equal(b.kind === "pair" ? b.modulus : b.value, lead, "first block carries the lead");
      } else {
        const m = b.kind === "pair" ? b.modulus : Math.abs(b.value);
        assert.ok(m <= cap, `block ${i} modulus ${m} > cap ${cap}`);
      }
      if (b.kind === "pair") {
        assert.ok(b.angle >= 0.15 && b.angle <= Math.PI - 0.15);
        if (i > 0) assert.ok(b.modulus >= Math.min(0.1, cap));
      } else if (!(nPairs === 0 && i === 0)) {
        randomReals++;
        if (b.value < 0) negatives++;
      }
    });
  }
  // Real eigenvalues are positive with probability 0.8.
  const se = Math.sqrt(0.16 / randomReals);
  assert.ok(
    Math.abs(negatives / randomReals - 0.2) < 4.5 * se,
    `negative share ${negatives / randomReals}`,
  );
  assert.throws(() => drawDiagonalBlocks(rng, { n: 3, nPairs: 2, leadModulus: 0.5 }), RangeError);
  assert.throws(() => drawDiagonalBlocks(rng, { n: 3, nPairs: 0, leadModulus: -1 }), RangeError);
  assert.throws(
    () => drawDiagonalBlocks(rng, { n: 3, nPairs: 0, leadModulus: 0.5, otherModulusMax: NaN }),
    RangeError,
  );
});

Deno.test("blockTriangular() puts normals only above the diagonal blocks", () => {
  const blocks: DiagonalBlock[] = [
    { kind: "real", value: 0.3 },
    { kind: "pair", modulus: 0.5, angle: 1 },
    { kind: "real", value: -0.2 },
  ];
  const t = blockTriangular(blocks, { offDiagonalSd: 0.3, rng: rngFor(3) });
  const n = 4;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const inPair = i >= 1 && i <= 2 && j >= 1 && j <= 2;
      if (j < i && !inPair) assert.equal(t[i * n + j], 0, `(${i}, ${j}) below the blocks`);
      if (j > i && !inPair) assert.notEqual(t[i * n + j], 0, `(${i}, ${j}) above the blocks`);
    }
  }
  assert.equal(t[0], 0.3);
  assert.ok(Math.abs(t[1 * n + 2] + 0.5 * Math.sin(1)) < 1e-15);
  assert.throws(() => blockTriangular(blocks, { offDiagonalSd: 0.3 }), TypeError);
  // sd = 0 draws nothing.
  const rng = rngFor(4);
  blockTriangular(blocks, { offDiagonalSd: 0, rng });
  assert.equal(rng.nextUint32(), rngFor(4).nextUint32());
});

Deno.test("orthogonalSimilarity() equals Q T Qᵀ by two matrix products", () => {
  const rng = rngFor(5);
  const t = rng.fillNormal(new Float64Array(9));
  const q = drawPlacedMatrix(rng, { n: 3, nPairs: 0, leadModulus: 0.5, offDiagonalSd: 0 }).q;
  assertClose(
    orthogonalSimilarity(t, q, 3),
    matMul(matMul(q, t, 3, 3, 3), transpose(q, 3, 3), 3, 3, 3),
    1e-14,
    "Q T Qᵀ",
  );
});

Deno.test("bartlettCholesky() draws Wishart(df, s² I / df): E[L Lᵀ] = s² I, Var Σ_ii = 2 s⁴/df, Var Σ_ij = s⁴/df", () => {
  const n = 3;
  const df = 5;
  const s = 1.5;
  const draws = 6000;
  const rng = rngFor(6);
  const mean = new Float64Array(n * n);
  const second = new Float64Array(n * n);
  for (let d = 0; d < draws; d++) {
    const l = bartlettCholesky(rng, n, { df, scale: s });
    for (let i = 0; i < n; i++) {
      assert.ok(l[i * n + i] > 0);
      for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
    }
    const sigma = matMul(l, transpose(l, n, n), n, n, n);
    for (let i = 0; i < n * n; i++) {
      mean[i] += sigma[i] / draws;
      second[i] += sigma[i] ** 2 / draws;
    }
  }
  const s4 = s ** 4;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = i * n + j;
      const v = i === j ? (2 * s4) / df : s4 / df;
      const ref = i === j ? s * s : 0;
      const se = Math.sqrt(v / draws);
      assert.ok(Math.abs(mean[k] - ref) < 4.5 * se, `E Σ_${i}${j} = ${mean[k]}, expected ${ref}`);
      const variance = second[k] - mean[k] ** 2;
      assert.ok(Math.abs(variance / v - 1) < 0.15, `Var Σ_${i}${j} = ${variance}, expected ${v}`);
    }
  }
  assert.throws(() => bartlettCholesky(rng, 3, { df: 2, scale: 1 }), RangeError);
});

Deno.test("isSchurStable() agrees with the ml-matrix spectral radius", () => {
  const rng = rngFor(7);
  let stable = 0;
  let checked = 0;
  for (let d = 0; d < 400; d++) {
    const n = 1 + (d % 8);
    const a = rng.fillNormal(new Float64Array(n * n));
    const rho0 = spectralRadius(a, n);
    const target = rng.uniform(0.3, 1.5);
    for (let i = 0; i < n * n; i++) a[i] *= target / rho0;
    const rho = spectralRadius(a, n);
    if (Math.abs(rho - 1) < 1e-3) continue;
    checked++;
    if (rho < 1) stable++;
    assert.equal(isSchurStable(a, n), rho < 1, `n = ${n}, rho = ${rho}`);
  }
  assert.ok(checked > 350 && stable > 100 && checked - stable > 100);
  // A strongly non-normal stable matrix (large transient growth) is still certified.
  assert.equal(isSchurStable(new Float64Array([0.98, 50, 0, 0.98]), 2), true);
  assert.equal(isSchurStable(new Float64Array([NaN, 0, 0, 0.5]), 2), false);
  assert.equal(isSchurStable(new Float64Array([0, 1, -1, 0]), 2), false);
});
