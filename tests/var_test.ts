import { assertOracleExtra, assertOracleIrf, type OracleCase, oraclesOf } from "./_oracles.ts";
import assert from "node:assert/strict";
import { cholesky } from "../src/numeric/linalg.ts";
import { keyedStream, STREAM } from "../src/numeric/rng.ts";
import { drawShocks } from "../src/simulators/_common.ts";
import {
  drawVarTheta,
  expandLagPolynomial,
  simulateVar,
  varCoefficients,
  varCompanion,
  varIrfs,
  varWorld,
} from "../src/simulators/var.ts";
import { Matrix } from "./_deps.ts";
import { assertClose, eigenvalues, fromMatrix, spectrumDistance, toMatrix } from "./_eigen.ts";

const T = 200;
const H = 40;
const thetaStream = (seed: number) => keyedStream(seed, "var", 0, STREAM.THETA);

type VarOracle = OracleCase<
  { A1: number[][]; A2?: number[][]; L: number[][]; Sigma_u?: number[][] },
  { companion_eigs?: number[] }
>;

const ORACLES: VarOracle[] = oraclesOf<VarOracle["theta"], VarOracle["extra"]>("var");

const flat = (m: number[][]): number[] => m.flat();

/** theta (43) of a VAR with the given lag matrices (3x3 each) and lower-triangular L. */
function thetaOf(lags: number[][], l: number[]): Float64Array {
  const theta = new Float64Array(43);
  theta[0] = lags.length;
  lags.forEach((a, i) => theta.set(a, 1 + 9 * i));
  theta.set([l[0], l[3], l[4], l[6], l[7], l[8]], 37);
  return theta;
}

Deno.test("varIrfs() reproduces the AR(2) oracles (real roots 0.9/0.5, complex roots 0.9e^{±iπ/6})", () => {
  const ar2 = ORACLES.filter((o) => o.case.startsWith("univariate AR(2)"));
  assert.equal(ar2.length, 2);
  for (const o of ar2) {
    const coef = {
      n: 1,
      lags: [flat(o.theta.A1), flat(o.theta.A2 as number[][])],
      impact: flat(o.theta.L),
    };
    const irf = varIrfs(coef, H, { shockSize: o.shock_size });
    assert.equal(assertOracleIrf(o, (h) => irf[h]), 4);
    // And the closed forms over the whole horizon.
    for (let h = 0; h <= H; h++) {
      const ref = o.case.includes("real")
        ? (0.9 ** (h + 1) - 0.5 ** (h + 1)) / (0.9 - 0.5)
        : (0.9 ** h * Math.sin(((h + 1) * Math.PI) / 6)) / Math.sin(Math.PI / 6);
      assert.ok(Math.abs(irf[h] - ref) < 1e-12, `${o.case} closed form h = ${h}`);
    }
  }
});

Deno.test("varWorld reproduces the AR(2) oracles embedded as three independent AR(2)s", () => {
  for (const o of ORACLES.filter((x) => x.case.startsWith("univariate AR(2)"))) {
    const a1 = o.theta.A1[0][0];
    const a2 = (o.theta.A2 as number[][])[0][0];
    const diag = (v: number) => [v, 0, 0, 0, v, 0, 0, 0, v];
    const theta = thetaOf([diag(a1), diag(a2)], diag(1));
    assert.ok(varWorld.checkValidity(theta));
    for (let k = 0; k < 3; k++) {
      const irf = varWorld.computeIrf(theta, k, o.shock_size, 8);
      assertOracleIrf(o, (h) => irf[h * 3 + k], `${o.case} shock ${k}`);
      // The other two AR(2)s do not move at all.
      for (let h = 0; h <= 8; h++) {
        for (let i = 0; i < 3; i++) if (i !== k) assert.equal(irf[h * 3 + i], 0);
      }
    }
  }
});

Deno.test("varWorld IRF matches the Lütkepohl (2005) VAR(1) example with Cholesky shocks", () => {
  const lut = ORACLES.filter((o) => o.case.startsWith("Lutkepohl"));
  assert.equal(lut.length, 3);
  for (const o of lut) {
    // L is the Cholesky factor of Σ_u.
    const l = cholesky(flat(o.theta.Sigma_u as number[][]), 3);
    assertClose(l, flat(o.theta.L), 1e-12, "chol Σ_u");
    const theta = thetaOf([flat(o.theta.A1)], Array.from(l));
    assert.ok(varWorld.checkValidity(theta));
    const k = Number(o.shock.split("_")[1]);
    const irf = varWorld.computeIrf(theta, k, o.shock_size, 8);
    assert.equal(assertOracleIrf(o, (h, i) => irf[h * 3 + i], `${o.case} ${o.shock}`), 12);
    // Companion eigenvalues: 0.5 and 0.2 ± √0.07.
    const eig = eigenvalues(varCompanion(varCoefficients(theta)), 3).map((z) => z.re).sort((x, y) =>
      x - y
    );
    assertOracleExtra(o, "companion_eigs", eig);
  }
});

Deno.test("expandLagPolynomial() multiplies (I − M_1 L)(I − M_2 L) = I − (M_1 + M_2) L + M_1 M_2 L²", () => {
  const rng = keyedStream(1, "var_test", 0, STREAM.SPARE);
  const m1 = rng.fillNormal(new Float64Array(9));
  const m2 = rng.fillNormal(new Float64Array(9));
  const m3 = rng.fillNormal(new Float64Array(9));
  const [a1, a2] = expandLagPolynomial([m1, m2], 3);
  const M1 = toMatrix(m1, 3, 3);
  const M2 = toMatrix(m2, 3, 3);
  const M3 = toMatrix(m3, 3, 3);
  assertClose(a1, fromMatrix(M1.clone().add(M2)), 1e-14, "A1");
  assertClose(a2, fromMatrix(M1.mmul(M2).mul(-1)), 1e-14, "A2");
  // Three factors: A3 = M1 M2 M3 (coefficient of L³ is −M1 M2 M3).
  const three = expandLagPolynomial([m1, m2, m3], 3);
  assert.equal(three.length, 3);
  assertClose(three[2], fromMatrix(M1.mmul(M2).mmul(M3)), 1e-13, "A3");
  assertClose(three[0], fromMatrix(M1.clone().add(M2).add(M3)), 1e-14, "A1 of three");
});

Deno.test("var_v1 places the companion eigenvalues exactly: ρ(companion) = rho_max, spectrum = ∪ eig(M_ℓ)", () => {
  const pSeen = [0, 0, 0, 0];
  const draws = 300;
  for (let seed = 0; seed < draws; seed++) {
    const d = drawVarTheta(thetaStream(seed));
    const coef = varCoefficients(d.theta);
    const np = 3 * d.p;
    const eig = eigenvalues(varCompanion(coef), np);
    const rho = Math.max(...eig.map((z) => Math.hypot(z.re, z.im)));
    assert.ok(
      Math.abs(rho - d.spectralRadius) < 1e-10,
      `seed ${seed}: ρ = ${rho} vs ${d.spectralRadius}`,
    );
    assert.ok(rho < 1 && d.spectralRadius >= 0.5 && d.spectralRadius < 0.98);
    const union = d.factors.flatMap((m) => eigenvalues(m, 3));
    assert.ok(spectrumDistance(eig, union) < 1e-7, `seed ${seed}: spectrum`);
    // Factors ℓ ≥ 2 have modulus at most 0.5.
    d.factors.slice(1).forEach((m) =>
      assert.ok(Math.max(...eigenvalues(m, 3).map((z) => Math.hypot(z.re, z.im))) <= 0.5 + 1e-12)
    );
    pSeen[d.p - 1]++;
  }
  // p ~ U{1..4}.
  for (const c of pSeen) assert.ok(Math.abs(c / draws - 0.25) < 4.5 * Math.sqrt(0.1875 / draws));
});

Deno.test("varWorld draws stay inside the bounds with exact integer p, zero lags beyond p and a Cholesky L", () => {
  const { bounds } = varWorld.params;
  for (let seed = 0; seed < 1500; seed++) {
    const { theta } = varWorld.sampleParameters(thetaStream(seed));
    theta.forEach((v, i) =>
      assert.ok(v >= bounds[i][0] && v <= bounds[i][1], `seed ${seed} param ${i} = ${v}`)
    );
    const p = theta[0];
    assert.ok(Number.isInteger(p) && p >= 1 && p <= 4);
    assert.equal(Math.fround(p), p);
    for (let i = 1 + 9 * p; i < 37; i++) assert.equal(theta[i], 0);
    for (const i of [37, 39, 42]) assert.ok(theta[i] > 0);
    assert.ok(varWorld.checkValidity(theta));
  }
});

Deno.test("varWorld IRF by the Ψ recursion equals J F^h Jᵀ L e_k from companion powers (ml-matrix)", () => {
  for (let seed = 0; seed < 40; seed++) {
    const { theta } = varWorld.sampleParameters(thetaStream(seed));
    const coef = varCoefficients(theta);
    const np = 3 * coef.lags.length;
    const f = toMatrix(varCompanion(coef), np, np);
    const l = toMatrix(coef.impact, 3, 3);
    for (let k = 0; k < 3; k++) {
      const irf = varWorld.computeIrf(theta, k, 1, H);
      const ref: number[] = [];
      let fh = Matrix.eye(np, np);
      for (let h = 0; h <= H; h++) {
        ref.push(...fromMatrix(fh.subMatrix(0, 2, 0, 2).mmul(l).getColumnVector(k)));
        fh = fh.mmul(f);
      }
      assertClose(irf, ref, 1e-11, `seed ${seed} shock ${k}`);
    }
  }
});

Deno.test("varWorld analytic IRF equals simulate(shocked) − simulate(baseline) from any x0", () => {
  for (let seed = 0; seed < 50; seed++) {
    const { theta } = varWorld.sampleParameters(thetaStream(seed));
    const x0 = keyedStream(seed, "var_test", 0, STREAM.SPARE).fillNormal(new Float64Array(12));
    for (let k = 0; k < 3; k++) {
      for (const size of [1, -1.7]) {
        const irf = varWorld.computeIrf(theta, k, size, H, { x0 });
        const eps = new Float64Array((H + 1) * 3);
        const base = varWorld.simulate(theta, eps, H + 1, { x0 }).y;
        eps[k] = size;
        const shocked = varWorld.simulate(theta, eps, H + 1, { x0 }).y;
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

Deno.test("varWorld IRFs are linear: IRF(2) = 2·IRF(1) and IRF(−1) = −IRF(1)", () => {
  for (let seed = 0; seed < 50; seed++) {
    const { theta } = varWorld.sampleParameters(thetaStream(seed));
    for (let k = 0; k < 3; k++) {
      const one = varWorld.computeIrf(theta, k, 1, H);
      const two = varWorld.computeIrf(theta, k, 2, H);
      const minus = varWorld.computeIrf(theta, k, -1, H);
      one.forEach((v, i) => {
        assert.ok(Math.abs(two[i] - 2 * v) <= 1e-12 * Math.max(1, Math.abs(v)));
        assert.equal(minus[i], -v);
      });
      // Impact is L e_k: zero above the diagonal (Cholesky ordering).
      for (let i = 0; i < k; i++) assert.equal(one[i], 0);
      assert.ok(one[k] > 0);
    }
  }
});

Deno.test("simulateVar() treats missing initial lags as zero and ignores lags beyond p", () => {
  const { theta } = varWorld.sampleParameters(thetaStream(3));
  const coef = varCoefficients(theta);
  const eps = drawShocks(3, "var_test", 0, 30, 3);
  const y1 = new Float64Array([0.3, -1, 2]);
  const padded = new Float64Array(12);
  padded.set(y1);
  assert.deepEqual(
    Array.from(simulateVar(coef, eps, { x0: y1 })),
    Array.from(simulateVar(coef, eps, { x0: padded })),
  );
  const extra = padded.slice();
  extra.fill(9, 3 * coef.lags.length);
  assert.deepEqual(
    Array.from(simulateVar(coef, eps, { x0: extra })),
    Array.from(simulateVar(coef, eps, { x0: padded })),
  );
  // A VAR(2) simulated from lags equals the hand recursion.
  const c2 = { n: 1, lags: [[0.5], [0.25]], impact: [2] };
  assert.deepEqual(Array.from(simulateVar(c2, [1, 0, 0], { x0: [4, 8] })), [
    2 + 2 + 2,
    3 + 1,
    2 + 1.5,
  ]);
});

Deno.test("varWorld sample variance matches the companion Lyapunov solution", () => {
  let seed = 0;
  let d = drawVarTheta(thetaStream(seed));
  while (d.spectralRadius > 0.75 || d.p < 2) d = drawVarTheta(thetaStream(++seed));
  const coef = varCoefficients(d.theta);
  const np = 3 * d.p;
  const f = toMatrix(varCompanion(coef), np, np);
  const r = Matrix.zeros(np, 3);
  r.setSubMatrix(toMatrix(coef.impact, 3, 3), 0, 0);
  const rr = r.mmul(r.transpose());
  let sigma = rr.clone();
  for (let i = 0; i < 400; i++) sigma = f.mmul(sigma).mmul(f.transpose()).add(rr);
  const n = 100_000;
  const burn = 200;
  const y = varWorld.simulate(d.theta, drawShocks(999, "var_test", 0, n + burn, 3), n + burn).y;
  for (let i = 0; i < 3; i++) {
    let s2 = 0;
    for (let t = burn; t < n + burn; t++) s2 += y[t * 3 + i] ** 2;
    const refV = sigma.get(i, i);
    assert.ok(Math.abs(s2 / n / refV - 1) < 0.06, `Var y_${i} = ${s2 / n}, Lyapunov ${refV}`);
  }
});

Deno.test("varWorld generateSample is deterministic, seed-dependent and agrees with its parts", () => {
  const a = varWorld.generateSample(77, T, H);
  const b = varWorld.generateSample(77, T, H);
  for (const key of ["theta", "shocks", "trajectories", "irfs"] as const) {
    assert.deepEqual(new Uint8Array(a[key].buffer), new Uint8Array(b[key].buffer));
  }
  assert.deepEqual(a.metadata, b.metadata);
  const c = varWorld.generateSample(78, T, H);
  assert.notDeepEqual(Array.from(c.theta), Array.from(a.theta));
  assert.notDeepEqual(Array.from(c.shocks), Array.from(a.shocks));
  for (const seed of [0, 5, 1_000_003]) {
    const s = varWorld.generateSample(seed, T, H);
    const { theta, nRejections } = varWorld.sampleParameters(thetaStream(seed));
    assert.deepEqual(Array.from(s.theta), Array.from(theta));
    assert.equal(s.nRejections, nRejections);
    assert.deepEqual(Array.from(s.shocks), Array.from(drawShocks(seed, "var", 0, T, 3)));
    assert.deepEqual(
      Array.from(s.trajectories),
      Array.from(varWorld.simulate(theta, s.shocks, T).y),
    );
    for (let k = 0; k < 3; k++) {
      assert.deepEqual(
        Array.from(s.irfs.subarray(k * (H + 1) * 3, (k + 1) * (H + 1) * 3)),
        Array.from(varWorld.computeIrf(theta, k, 1, H)),
      );
    }
  }
});

Deno.test("varWorld metadata matches metadataFields and the eigen oracle", () => {
  const fields = varWorld.metadataFields(T, H);
  assert.deepEqual(fields.map((f) => f.name).sort(), ["n_rejections", "p", "spectral_radius"]);
  let sawRejection = false;
  for (let seed = 0; seed < 600; seed++) {
    const s = varWorld.generateSample(seed, 20, 4);
    assert.deepEqual(Object.keys(s.metadata).sort(), fields.map((f) => f.name).sort());
    for (const f of fields) {
      assert.deepEqual(f.shape, []);
      const v = s.metadata[f.name] as number;
      assert.equal(typeof v, "number");
      if (f.dtype === "float64") assert.ok(Number.isFinite(v));
      if (f.dtype === "int8") assert.ok(Number.isInteger(v) && v >= -128 && v <= 127);
      if (f.dtype === "int32") assert.ok(Number.isInteger(v) && v >= 0);
    }
    assert.equal(s.metadata.p, s.theta[0]);
    assert.equal(s.metadata.n_rejections, s.nRejections);
    if (s.nRejections > 0) sawRejection = true;
    if (seed < 100) {
      const np = 3 * s.theta[0];
      const eig = eigenvalues(varCompanion(varCoefficients(s.theta)), np);
      const rho = Math.max(...eig.map((z) => Math.hypot(z.re, z.im)));
      assert.ok(Math.abs(rho - (s.metadata.spectral_radius as number)) < 1e-10);
    }
  }
  assert.ok(sawRejection);
});

Deno.test("varWorld splitStats works from float32 theta: volatility = max_i ‖L_{i,:}‖₂", () => {
  for (let seed = 0; seed < 50; seed++) {
    const s = varWorld.generateSample(seed, 10, 2);
    const stored = Float32Array.from(s.theta);
    const meta = { p: stored[0], spectral_radius: s.metadata.spectral_radius as number };
    const st = varWorld.splitStats(stored, meta);
    assert.equal(st.slice, meta.spectral_radius);
    assert.equal(st.persistence, meta.spectral_radius);
    // ‖L_{i,:}‖² is the one-step forecast-error variance Σ_ii = (L Lᵀ)_ii.
    const l = toMatrix(varCoefficients(s.theta).impact, 3, 3);
    const sigma = l.mmul(l.transpose());
    const ref = Math.sqrt(Math.max(sigma.get(0, 0), sigma.get(1, 1), sigma.get(2, 2)));
    assert.ok(Math.abs(st.volatility - ref) < 1e-6 * ref);
  }
  assert.deepEqual(
    [varWorld.sliceRule.statistic, varWorld.sliceRule.op, varWorld.sliceRule.threshold],
    ["spectral_radius", ">", 0.95],
  );
  assert.throws(() => varWorld.splitStats(new Float32Array(43), {}), TypeError);
});

Deno.test("varWorld manifests are consistent (43 params, structured var_v1 prior, defaults valid)", () => {
  const p = varWorld.params;
  assert.equal(p.names.length, 43);
  for (const list of [p.units, p.bounds, p.defaults, p.priors]) assert.equal(list.length, 43);
  assert.deepEqual([p.names[0], p.names[1], p.names[36], p.names[37], p.names[42]], [
    "p",
    "A1_00",
    "A4_22",
    "L_00",
    "L_22",
  ]);
  assert.deepEqual(p.bounds[37], [0, 9]);
  assert.deepEqual(p.bounds[38], [-6, 6]);
  for (const prior of p.priors) {
    assert.deepEqual([prior.kind, prior.algorithm], ["structured", "var_v1"]);
  }
  const defaults = Float64Array.from(p.defaults);
  assert.ok(varWorld.checkValidity(defaults));
  const c = varCoefficients(defaults);
  assert.deepEqual(Array.from(c.lags[0]), [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5]);
  assert.deepEqual(varWorld.shocks.names, ["shock_0", "shock_1", "shock_2"]);
});

Deno.test("varWorld checkValidity rejects unstable, inconsistent and malformed theta", () => {
  const good = Float64Array.from(varWorld.params.defaults);
  const variants: [string, (t: Float64Array) => void][] = [
    ["unit root", (t) => (t[1] = 1)],
    ["explosive VAR(2)", (t) => {
      t[0] = 2;
      t.set([0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5], 1);
      t.set([0.6, 0, 0, 0, 0, 0, 0, 0, 0], 10);
    }],
    ["non-integer p", (t) => (t[0] = 1.5)],
    ["p = 0", (t) => (t[0] = 0)],
    ["A2 nonzero with p = 1", (t) => (t[10] = 0.1)],
    ["zero L diagonal", (t) => (t[39] = 0)],
    ["A out of bounds", (t) => (t[2] = 2.6)],
    ["NaN", (t) => (t[40] = NaN)],
  ];
  for (const [name, edit] of variants) {
    const t = good.slice();
    edit(t);
    assert.equal(varWorld.checkValidity(t), false, name);
  }
  // (1 − 0.5L)² has a repeated root 0.5: stable, valid.
  const stable2 = good.slice();
  stable2[0] = 2;
  stable2.set([1, 0, 0, 0, 1, 0, 0, 0, 1], 1);
  stable2.set([-0.25, 0, 0, 0, -0.25, 0, 0, 0, -0.25], 10);
  assert.ok(varWorld.checkValidity(stable2));
  assert.equal(varWorld.checkValidity(good.subarray(0, 42)), false);
});

Deno.test("varWorld rejects bad inputs with RangeError", () => {
  const theta = Float64Array.from(varWorld.params.defaults);
  assert.throws(() => varWorld.simulate(theta, new Float64Array(8), 3), RangeError);
  assert.throws(
    () => varWorld.simulate(theta, new Float64Array(9), 3, { x0: new Float64Array(4) }),
    RangeError,
  );
  assert.throws(() => varWorld.computeIrf(theta, 3, 1, 4), RangeError);
  const badP = theta.slice();
  badP[0] = 5;
  assert.throws(() => varWorld.computeIrf(badP, 0, 1, 4), /lag order/);
  assert.throws(() => varWorld.generateSample(1, 0, 4), RangeError);
});
