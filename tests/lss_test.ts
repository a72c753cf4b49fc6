import assert from "node:assert/strict";
import { keyedStream, STREAM } from "../src/numeric/rng.ts";
import { drawShocks } from "../src/simulators/_common.ts";
import { drawLssTheta, lssStateSpace, lssWorld } from "../src/simulators/lss.ts";
import type { DiagonalBlock } from "../src/simulators/_construct.ts";
import { Matrix } from "./_deps.ts";
import {
  assertClose,
  type Complex,
  eigenvalues,
  fromMatrix,
  spectrumDistance,
  toMatrix,
} from "./_eigen.ts";

const T = 200;
const H = 40;
const thetaStream = (seed: number) => keyedStream(seed, "lss", 0, STREAM.THETA);

function blockEigenvalues(blocks: readonly DiagonalBlock[]): Complex[] {
  return blocks.flatMap((b): Complex[] =>
    b.kind === "pair"
      ? [1, -1].map((s) => ({
        re: b.modulus * Math.cos(b.angle),
        im: s * b.modulus * Math.sin(b.angle),
      }))
      : [{ re: b.value, im: 0 }]
  );
}

Deno.test("lssWorld manifests are consistent (36 params, structured lss_v1 prior, defaults valid)", () => {
  const p = lssWorld.params;
  assert.equal(p.names.length, 36);
  for (const list of [p.units, p.bounds, p.defaults, p.priors]) assert.equal(list.length, 36);
  assert.deepEqual(p.names.slice(0, 2), ["A_00", "A_01"]);
  assert.equal(p.names[16], "B_00");
  assert.equal(p.names[24], "C_00");
  assert.equal(p.names[35], "C_23");
  for (const prior of p.priors) {
    assert.deepEqual([prior.kind, prior.algorithm], ["structured", "lss_v1"]);
  }
  p.defaults.forEach((v, i) => assert.ok(v >= p.bounds[i][0] && v <= p.bounds[i][1]));
  assert.ok(lssWorld.checkValidity(Float64Array.from(p.defaults)));
  assert.deepEqual(lssWorld.shocks.names, ["shock_0", "shock_1"]);
  assert.equal(lssWorld.shocks.irfShockSize, 1);
  assert.deepEqual(lssWorld.observables.canonical, ["output", "inflation", "rate"]);
  assert.equal(lssWorld.version, "lss_v1");
  assert.deepEqual(
    [lssWorld.sliceRule.statistic, lssWorld.sliceRule.op, lssWorld.sliceRule.threshold],
    ["spectral_radius", ">", 0.95],
  );
});

Deno.test("lssWorld draws stay inside the bounds, pass checkValidity and have unit-norm C rows", () => {
  const { bounds } = lssWorld.params;
  for (let seed = 0; seed < 1500; seed++) {
    // float64: the construction's exact unit norms (float32 theta rounds them by 2^-24).
    const { theta, nRejections } = lssWorld.sampleParameters(thetaStream(seed), "float64");
    assert.ok(nRejections >= 0 && nRejections < 5);
    theta.forEach((v, i) =>
      assert.ok(v >= bounds[i][0] && v <= bounds[i][1], `seed ${seed} param ${i} = ${v}`)
    );
    assert.ok(lssWorld.checkValidity(theta));
    for (let r = 0; r < 3; r++) {
      let ss = 0;
      for (let j = 0; j < 4; j++) ss += theta[24 + r * 4 + j] ** 2;
      assert.ok(Math.abs(ss - 1) < 1e-14);
    }
  }
});

Deno.test("lss_v1 places the eigenvalues of A exactly: ρ(A) = rho_max (ml-matrix eigen oracle)", () => {
  const pairsSeen = [0, 0, 0];
  let inSlice = 0;
  const draws = 400;
  for (let seed = 0; seed < draws; seed++) {
    const d = drawLssTheta(thetaStream(seed));
    const eig = eigenvalues(d.theta.subarray(0, 16), 4);
    const rho = Math.max(...eig.map((z) => Math.hypot(z.re, z.im)));
    assert.ok(
      Math.abs(rho - d.spectralRadius) < 1e-12,
      `seed ${seed}: ρ = ${rho} vs ${d.spectralRadius}`,
    );
    assert.ok(rho < 1);
    assert.ok(d.spectralRadius >= 0.5 && d.spectralRadius < 0.98);
    assert.ok(spectrumDistance(eig, blockEigenvalues(d.blocks)) < 1e-9, `seed ${seed}: spectrum`);
    const complexCount = eig.filter((z) => Math.abs(z.im) > 1e-9).length;
    assert.equal(complexCount, 2 * d.nComplexPairs, `seed ${seed}: complex pairs`);
    pairsSeen[d.nComplexPairs]++;
    if (d.spectralRadius > 0.95) inSlice++;
  }
  // n_pairs ~ U{0, 1, 2}; the slice holds 6.25% of rho_max ~ U[0.5, 0.98].
  for (const c of pairsSeen) {
    assert.ok(Math.abs(c / draws - 1 / 3) < 4.5 * Math.sqrt((2 / 9) / draws));
  }
  assert.ok(Math.abs(inSlice / draws - 0.0625) < 4.5 * Math.sqrt((0.0625 * 0.9375) / draws));
});

Deno.test("lssWorld IRF equals C A^h B e_k computed with ml-matrix powers", () => {
  for (let seed = 0; seed < 30; seed++) {
    const { theta } = lssWorld.sampleParameters(thetaStream(seed));
    const a = toMatrix(theta.subarray(0, 16), 4, 4);
    const b = toMatrix(theta.subarray(16, 24), 4, 2);
    const c = toMatrix(theta.subarray(24, 36), 3, 4);
    for (let k = 0; k < 2; k++) {
      const irf = lssWorld.computeIrf(theta, k, 1, H);
      let ah = Matrix.eye(4, 4);
      const ref: number[] = [];
      for (let h = 0; h <= H; h++) {
        ref.push(...fromMatrix(c.mmul(ah).mmul(b).getColumnVector(k)));
        ah = ah.mmul(a);
      }
      assertClose(irf, ref, 1e-12, `seed ${seed} shock ${k}`);
      // Timing: a shock at t = 0 moves y at t = 0.
      assert.ok(Math.hypot(irf[0], irf[1], irf[2]) > 0);
    }
  }
});

Deno.test("lssWorld analytic IRF equals simulate(shocked) − simulate(baseline) from any x0", () => {
  for (let seed = 0; seed < 50; seed++) {
    const { theta } = lssWorld.sampleParameters(thetaStream(seed));
    const x0 = keyedStream(seed, "lss_test", 0, STREAM.SPARE).fillNormal(new Float64Array(4));
    for (let k = 0; k < 2; k++) {
      for (const size of [1, -2.5]) {
        const irf = lssWorld.computeIrf(theta, k, size, H, { x0 });
        const eps = new Float64Array((H + 1) * 2);
        const base = lssWorld.simulate(theta, eps, H + 1, { x0 }).y;
        eps[k] = size;
        const shocked = lssWorld.simulate(theta, eps, H + 1, { x0 }).y;
        const scale = Math.max(1, ...Array.from(base, Math.abs), ...Array.from(shocked, Math.abs));
        for (let i = 0; i < irf.length; i++) {
          assert.ok(
            Math.abs(shocked[i] - base[i] - irf[i]) <= 1e-12 * scale,
            `seed ${seed} k ${k} i ${i}`,
          );
        }
      }
    }
  }
});

Deno.test("lssWorld IRFs are linear: IRF(2) = 2·IRF(1) and IRF(−1) = −IRF(1)", () => {
  for (let seed = 0; seed < 50; seed++) {
    const { theta } = lssWorld.sampleParameters(thetaStream(seed));
    for (let k = 0; k < 2; k++) {
      const one = lssWorld.computeIrf(theta, k, 1, H);
      const two = lssWorld.computeIrf(theta, k, 2, H);
      const minus = lssWorld.computeIrf(theta, k, -1, H);
      one.forEach((v, i) => {
        assert.ok(Math.abs(two[i] - 2 * v) <= 1e-12 * Math.max(1, Math.abs(v)));
        assert.equal(minus[i], -v);
      });
    }
  }
});

Deno.test("lssWorld sample variance matches the Lyapunov solution Σ = AΣAᵀ + BBᵀ", () => {
  let seed = 0;
  let d = drawLssTheta(thetaStream(seed));
  while (d.spectralRadius > 0.75) d = drawLssTheta(thetaStream(++seed));
  const ss = lssStateSpace(d.theta);
  const a = toMatrix(ss.A, 4, 4);
  const b = toMatrix(ss.B, 4, 2);
  const c = toMatrix(ss.C, 3, 4);
  const bb = b.mmul(b.transpose());
  let sigma = bb.clone();
  for (let i = 0; i < 400; i++) sigma = a.mmul(sigma).mmul(a.transpose()).add(bb);
  const ref = fromMatrix(c.mmul(sigma).mmul(c.transpose()));
  const n = 100_000;
  const burn = 200;
  const eps = drawShocks(12345, "lss_test", 0, n + burn, 2);
  const y = lssWorld.simulate(d.theta, eps, n + burn).y;
  for (let r = 0; r < 3; r++) {
    let s2 = 0;
    for (let t = burn; t < n + burn; t++) s2 += y[t * 3 + r] ** 2;
    const v = s2 / n;
    const refV = ref[r * 3 + r];
    // ρ ≤ 0.75: effective sample ≥ n/7, so the relative s.e. is below 1%; allow 6%.
    assert.ok(Math.abs(v / refV - 1) < 0.06, `Var y_${r} = ${v}, Lyapunov ${refV}`);
  }
});

Deno.test("lssWorld generateSample is deterministic and seed-dependent", () => {
  const bytes = (s: ReturnType<typeof lssWorld.generateSample>) =>
    JSON.stringify({
      theta: Array.from(s.theta),
      shocks: Array.from(s.shocks),
      trajectories: Array.from(s.trajectories),
      irfs: Array.from(s.irfs),
      metadata: s.metadata,
      n: s.nRejections,
    });
  const a = lssWorld.generateSample(77, T, H);
  const b = lssWorld.generateSample(77, T, H);
  assert.equal(bytes(a), bytes(b));
  const c = lssWorld.generateSample(78, T, H);
  assert.notDeepEqual(Array.from(c.theta), Array.from(a.theta));
  assert.notDeepEqual(Array.from(c.shocks), Array.from(a.shocks));
  assert.notDeepEqual(Array.from(c.trajectories), Array.from(a.trajectories));
});

Deno.test("lssWorld generateSample agrees with sampleParameters, drawShocks, simulate and computeIrf", () => {
  for (const seed of [0, 1, 2, 1_000_003]) {
    const s = lssWorld.generateSample(seed, T, H);
    const { theta, nRejections } = lssWorld.sampleParameters(thetaStream(seed));
    assert.deepEqual(Array.from(s.theta), Array.from(theta));
    assert.equal(s.nRejections, nRejections);
    assert.deepEqual(Array.from(s.shocks), Array.from(drawShocks(seed, "lss", 0, T, 2)));
    assert.deepEqual(
      Array.from(s.trajectories),
      Array.from(lssWorld.simulate(theta, s.shocks, T).y),
    );
    for (let k = 0; k < 2; k++) {
      assert.deepEqual(
        Array.from(s.irfs.subarray(k * (H + 1) * 3, (k + 1) * (H + 1) * 3)),
        Array.from(lssWorld.computeIrf(theta, k, lssWorld.shocks.irfShockSize, H)),
      );
    }
  }
});

Deno.test("lssWorld metadata matches metadataFields and the eigen oracle", () => {
  const fields = lssWorld.metadataFields(T, H);
  assert.deepEqual(fields.map((f) => f.name).sort(), [
    "n_complex_pairs",
    "n_rejections",
    "spectral_radius",
  ]);
  let sawRejection = false;
  for (let seed = 0; seed < 600; seed++) {
    const s = lssWorld.generateSample(seed, 20, 4);
    assert.deepEqual(Object.keys(s.metadata).sort(), fields.map((f) => f.name).sort());
    for (const f of fields) {
      assert.deepEqual(f.shape, []);
      assert.equal(f.dims.length, 0);
      const v = s.metadata[f.name];
      assert.equal(typeof v, "number");
      if (f.dtype === "float64") assert.ok(Number.isFinite(v));
      if (f.dtype === "int8") {
        assert.ok(Number.isInteger(v) && (v as number) >= -128 && (v as number) <= 127);
      }
      if (f.dtype === "int32") assert.ok(Number.isInteger(v) && (v as number) >= 0);
    }
    assert.equal(s.metadata.n_rejections, s.nRejections);
    if (s.nRejections > 0) sawRejection = true;
    if (seed < 100) {
      const eig = eigenvalues(s.theta.subarray(0, 16), 4);
      const rho = Math.max(...eig.map((z) => Math.hypot(z.re, z.im)));
      assert.ok(Math.abs(rho - (s.metadata.spectral_radius as number)) < 1e-12);
      assert.equal(
        eig.filter((z) => Math.abs(z.im) > 1e-9).length,
        2 * (s.metadata.n_complex_pairs as number),
      );
    }
  }
  // Rare out-of-bounds draws are rejected and counted (about 0.25% of samples).
  for (let seed = 600; !sawRejection && seed < 20_000; seed++) {
    const s = lssWorld.generateSample(seed, 2, 0);
    assert.equal(s.metadata.n_rejections, s.nRejections);
    sawRejection = s.nRejections > 0;
  }
  assert.ok(sawRejection);
});

Deno.test("lssWorld splitStats works from float32 theta: slice = spectral radius, volatility = max_k ‖C B e_k‖", () => {
  for (let seed = 0; seed < 50; seed++) {
    const s = lssWorld.generateSample(seed, 10, 2);
    const stored = Float32Array.from(s.theta);
    const meta = { spectral_radius: s.metadata.spectral_radius as number };
    const st = lssWorld.splitStats(stored, meta);
    assert.equal(st.slice, meta.spectral_radius);
    assert.equal(st.persistence, meta.spectral_radius);
    const cb = toMatrix(s.theta.subarray(24, 36), 3, 4).mmul(
      toMatrix(s.theta.subarray(16, 24), 4, 2),
    );
    const ref = Math.max(cb.getColumnVector(0).norm(), cb.getColumnVector(1).norm());
    assert.ok(Math.abs(st.volatility - ref) < 1e-6 * ref);
    // The impact norm is the size of IRF[0].
    const impact0 = Math.hypot(s.irfs[0], s.irfs[1], s.irfs[2]);
    assert.ok(impact0 <= ref * (1 + 1e-12));
  }
  assert.throws(() => lssWorld.splitStats(new Float32Array(36), {}), TypeError);
});

Deno.test("lssWorld checkValidity rejects unstable, out-of-bounds and malformed theta", () => {
  const good = Float64Array.from(lssWorld.params.defaults);
  assert.ok(lssWorld.checkValidity(good));
  const unitRoot = good.slice();
  unitRoot[0] = 1;
  assert.equal(lssWorld.checkValidity(unitRoot), false);
  // Stable diagonal but an unstable 2x2 block: eigenvalues 0.5 ± 0.9 (one outside).
  const unstable = good.slice();
  unstable[1] = 0.9;
  unstable[4] = 0.9;
  assert.equal(lssWorld.checkValidity(unstable), false);
  const outOfBounds = good.slice();
  outOfBounds[16] = 3.5;
  assert.equal(lssWorld.checkValidity(outOfBounds), false);
  const nan = good.slice();
  nan[30] = NaN;
  assert.equal(lssWorld.checkValidity(nan), false);
  assert.equal(lssWorld.checkValidity(good.subarray(0, 35)), false);
});

Deno.test("lssWorld rejects bad inputs with RangeError", () => {
  const theta = Float64Array.from(lssWorld.params.defaults);
  assert.throws(() => lssWorld.simulate(theta, new Float64Array(5), 3), RangeError);
  assert.throws(
    () => lssWorld.simulate(theta, new Float64Array(6), 3, { x0: new Float64Array(3) }),
    RangeError,
  );
  assert.throws(() => lssWorld.computeIrf(theta, 2, 1, 4), RangeError);
  assert.throws(() => lssWorld.computeIrf(theta.subarray(0, 30), 0, 1, 4), RangeError);
  assert.throws(() => lssWorld.generateSample(1, 0, 4), RangeError);
  assert.throws(() => lssWorld.generateSample(1, 10, -1), RangeError);
});
