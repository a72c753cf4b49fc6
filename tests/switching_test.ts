import { assertOracleIrf, type OracleCase as Case, oraclesOf } from "./_oracles.ts";
import assert from "node:assert/strict";
import { EigenvalueDecomposition, Matrix } from "./_deps.ts";
import { keyedStream, STREAM } from "../src/numeric/rng.ts";
import {
  drawRegimePath,
  ergodicDistribution,
  expectedIrf,
  phiGammaInvariants,
  type SwitchingModel,
  switchingModel,
  switchingTheta,
  switchingWorld,
} from "../src/simulators/switching.ts";

const W = switchingWorld;

type OracleCase = Case<{
  p00: number;
  p11: number;
  rho0: number;
  rho1: number;
  sig0: number;
  sig1: number;
  Phi: number[][];
  Gamma: number[][];
}>;

function switchingOracle(): Promise<OracleCase> {
  const cases: OracleCase[] = oraclesOf<OracleCase["theta"]>("switching");
  assert.equal(cases.length, 1);
  return Promise.resolve(cases[0]);
}

function oracleModel(c: OracleCase): SwitchingModel {
  const t = c.theta;
  return {
    p00: t.p00,
    p11: t.p11,
    rho0: t.rho0,
    rho1: t.rho1,
    sig0: t.sig0,
    sig1: t.sig1,
    phi: Float64Array.from(t.Phi.flat()),
    gamma: Float64Array.from(t.Gamma.flat()),
  };
}

/** Draws of theta; `"float64"` for the construction's exact invariants (float32 rounds them). */
function drawThetas(n: number, seed = 0, dtype: "float32" | "float64" = "float32"): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      W.sampleParameters(keyedStream(seed + i, "switching", 0, STREAM.THETA), dtype).theta,
    );
  }
  return out;
}

function matVec3(a: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(3);
  for (let i = 0; i < 3; i++) y[i] = a[3 * i] * x[0] + a[3 * i + 1] * x[1] + a[3 * i + 2] * x[2];
  return y;
}

function gammaColumn(m: SwitchingModel, k: number): Float64Array {
  return Float64Array.from([m.gamma[k], m.gamma[2 + k], m.gamma[4 + k]]);
}

/** The spec's vector recursion m_h^j = rho_j Φ Σ_i P_ij m_{h-1}^i, written out independently. */
function vectorRecursionIrf(
  m: SwitchingModel,
  H: number,
  k: number,
  size: number,
  q0: readonly [number, number],
): Float64Array {
  const P = [[m.p00, 1 - m.p00], [1 - m.p11, m.p11]];
  const rho = [m.rho0, m.rho1];
  const sig = [m.sig0, m.sig1];
  const g = gammaColumn(m, k);
  let mj = [0, 1].map((j) => g.map((v) => q0[j] * sig[j] * size * v));
  const out = new Float64Array((H + 1) * 3);
  for (let h = 0; h <= H; h++) {
    if (h > 0) {
      mj = [0, 1].map((j) => {
        const mix = new Float64Array(3);
        for (let i = 0; i < 2; i++) for (let r = 0; r < 3; r++) mix[r] += P[i][j] * mj[i][r];
        return matVec3(m.phi, mix).map((v) => rho[j] * v);
      });
    }
    for (let r = 0; r < 3; r++) out[3 * h + r] = mj[0][r] + mj[1][r];
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function maxAbs(a: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]));
  return d;
}

function impulse(T: number, k: number, size: number): Float64Array {
  const eps = new Float64Array(T * 2);
  eps[k] = size;
  return eps;
}

Deno.test("expectedIrf() matches the volatility-only closed form of simulator_oracles.json", async () => {
  const c = await switchingOracle();
  const m = oracleModel(c);
  assert.equal(c.shock, "shock_0");
  const irf = expectedIrf(m, 8, { shockIndex: 0, shockSize: c.shock_size, q0: [0, 1] });
  assert.equal(assertOracleIrf(c, (h, r) => irf[3 * h + r]), 12);
  // The oracle theta satisfies the construction invariants, so it is a valid world theta.
  assert.ok(W.checkValidity(switchingTheta(m)));
});

Deno.test("expectedIrf() equals sig_s0 rho^h Phi^h Gamma e when rho0 = rho1, for every q0", async () => {
  const m = oracleModel(await switchingOracle());
  const H = 40;
  const [pi0, pi1] = ergodicDistribution(m.p00, m.p11);
  const cases: [readonly [number, number], number][] = [
    [[1, 0], m.sig0],
    [[0, 1], m.sig1],
    [[pi0, pi1], pi0 * m.sig0 + pi1 * m.sig1],
  ];
  for (const k of [0, 1]) {
    for (const [q0, sigBar] of cases) {
      const irf = expectedIrf(m, H, { shockIndex: k, shockSize: -1.5, q0 });
      let v = gammaColumn(m, k);
      for (let h = 0; h <= H; h++) {
        if (h > 0) v = matVec3(m.phi, v);
        for (let r = 0; r < 3; r++) {
          const want = -1.5 * sigBar * m.rho0 ** h * v[r];
          assert.ok(Math.abs(irf[3 * h + r] - want) <= 1e-10, `k=${k} q0=${q0} h=${h}`);
        }
      }
    }
  }
  // computeIrf on the packed theta uses the ergodic q0.
  const viaAdapter = W.computeIrf(switchingTheta(m), 1, 1, H);
  assert.ok(maxAbsDiff(viaAdapter, expectedIrf(m, H, { shockIndex: 1 })) === 0);
});

Deno.test("expectedIrf() agrees with the vector recursion m_h^j on random draws", () => {
  const H = 40;
  for (const theta of drawThetas(50, 100)) {
    const m = switchingModel(theta);
    const [pi0, pi1] = ergodicDistribution(m.p00, m.p11);
    for (const k of [0, 1]) {
      for (const q0 of [[1, 0], [0, 1], [pi0, pi1], [0.3, 0.7]] as const) {
        const want = vectorRecursionIrf(m, H, k, 1, q0);
        const got = expectedIrf(m, H, { shockIndex: k, q0 });
        assert.ok(maxAbsDiff(got, want) <= 1e-12 * Math.max(1, maxAbs(want)));
      }
    }
  }
});

Deno.test("generateSample() stores the ergodic expected IRF and the per-regime IRFs", () => {
  const T = 30;
  const H = 12;
  const n = (H + 1) * 3;
  for (let seed = 0; seed < 20; seed++) {
    const s = W.generateSample(seed, T, H);
    const m = switchingModel(s.theta);
    const byRegime = s.metadata.irfs_by_regime as ArrayLike<number>;
    const [pi0] = ergodicDistribution(m.p00, m.p11);
    assert.equal(s.metadata.ergodic_p0, pi0);
    for (let k = 0; k < 2; k++) {
      const ergodic = Array.from(s.irfs).slice(k * n, (k + 1) * n);
      const want = expectedIrf(m, H, { shockIndex: k });
      assert.ok(maxAbsDiff(ergodic, want) <= 1e-12 * Math.max(1, maxAbs(want)));
      assert.ok(maxAbsDiff(ergodic, W.computeIrf(s.theta, k, 1, H)) <= 1e-12);
      for (let r = 0; r < 2; r++) {
        const got = Array.from(byRegime).slice((r * 2 + k) * n, (r * 2 + k + 1) * n);
        const cond = expectedIrf(m, H, { shockIndex: k, q0: r === 0 ? [1, 0] : [0, 1] });
        assert.ok(maxAbsDiff(got, cond) <= 1e-12 * Math.max(1, maxAbs(cond)));
      }
    }
  }
});

Deno.test("ergodic distribution and expected durations match a 1e5-step simulated chain", () => {
  const n = 100_000;
  const chains = [[0.95, 0.9], [0.8, 0.98], [0.85, 0.85]];
  for (const [c, [p00, p11]] of chains.entries()) {
    const path = drawRegimePath(keyedStream(c, "switching", 0, STREAM.REGIME), {
      p00,
      p11,
      length: n,
    });
    const [pi0, pi1] = ergodicDistribution(p00, p11);
    assert.ok(Math.abs(pi0 - (1 - p11) / (2 - p00 - p11)) < 1e-15);
    assert.ok(Math.abs(pi0 + pi1 - 1) < 1e-15);
    const lambda = p00 + p11 - 1;
    let ones = 0;
    for (let t = 0; t < n; t++) ones += path[t];
    const se = Math.sqrt((pi0 * pi1 * (1 + lambda)) / ((1 - lambda) * n));
    assert.ok(Math.abs(ones / n - pi1) <= 3 * se, `chain ${c}: freq ${ones / n} vs ${pi1}`);
    // Spell lengths (drop the censored first and last spells) are geometric.
    const spells: number[][] = [[], []];
    let start = 0;
    for (let t = 1; t <= n; t++) {
      if (t === n || path[t] !== path[t - 1]) {
        if (start > 0 && t < n) spells[path[t - 1]].push(t - start);
        start = t;
      }
    }
    for (const [i, p] of [p00, p11].entries()) {
      const d = spells[i];
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      const seD = Math.sqrt(p) / (1 - p) / Math.sqrt(d.length);
      assert.ok(
        Math.abs(mean - 1 / (1 - p)) <= 3 * seD,
        `chain ${c} regime ${i}: duration ${mean} vs ${1 / (1 - p)}`,
      );
    }
  }
});

Deno.test("drawRegimePath() draws s0 from the ergodic distribution", () => {
  const n = 20_000;
  const p00 = 0.9;
  const p11 = 0.82;
  const pi1 = ergodicDistribution(p00, p11)[1];
  let ones = 0;
  for (let i = 0; i < n; i++) {
    ones += drawRegimePath(keyedStream(i, "switching", 0, STREAM.REGIME), {
      p00,
      p11,
      length: 1,
    })[0];
  }
  const se = Math.sqrt((pi1 * (1 - pi1)) / n);
  assert.ok(Math.abs(ones / n - pi1) <= 3 * se, `${ones / n} vs ${pi1}`);
});

Deno.test("expected IRF equals the mean of 20k simulated path IRFs", () => {
  const H = 40;
  const nPaths = 20_000;
  const n = (H + 1) * 3;
  const thetas = [new Float64Array(W.params.defaults), ...drawThetas(2, 500)];
  for (const [c, theta] of thetas.entries()) {
    const m = switchingModel(theta);
    const q = ergodicDistribution(m.p00, m.p11);
    const rng = keyedStream(9000 + c, "switching", 0, STREAM.REGIME);
    const path = new Int8Array(H + 1);
    const eps = [impulse(H + 1, 0, 1), impulse(H + 1, 1, 1)];
    // Per shock k and initial regime s0: sums and sums of squares of the path IRFs.
    const sum = [0, 1].map(() => [new Float64Array(n), new Float64Array(n)]);
    const sq = [0, 1].map(() => [new Float64Array(n), new Float64Array(n)]);
    const count = [0, 0];
    for (let p = 0; p < nPaths; p++) {
      drawRegimePath(rng, { p00: m.p00, p11: m.p11, length: H + 1 }, path);
      const s0 = path[0];
      count[s0]++;
      for (let k = 0; k < 2; k++) {
        const y = W.simulate(theta, eps[k], H + 1, { regimeSeq: path }).y;
        for (let i = 0; i < n; i++) {
          sum[k][s0][i] += y[i];
          sq[k][s0][i] += y[i] * y[i];
        }
      }
    }
    for (let k = 0; k < 2; k++) {
      const want = expectedIrf(m, H, { shockIndex: k });
      const cond = [0, 1].map((s) => expectedIrf(m, H, { shockIndex: k, q0: s ? [0, 1] : [1, 0] }));
      // The ergodic mean, post-stratified by s0 (same estimand, less noise), and its s.e.
      let dev = 0;
      for (let i = 0; i < n; i++) {
        let mean = 0;
        let variance = 0;
        for (const s of [0, 1]) {
          const ms = sum[k][s][i] / count[s];
          const se2 = Math.max(0, sq[k][s][i] / count[s] - ms * ms) / count[s];
          // Conditional on the initial regime: within 4.5 s.e.
          assert.ok(
            Math.abs(ms - cond[s][i]) <= 4.5 * Math.sqrt(se2) + 1e-9 * Math.max(1, Math.abs(ms)),
            `theta ${c} shock ${k} s0 ${s} entry ${i}: ${ms} vs ${cond[s][i]}`,
          );
          mean += q[s] * ms;
          variance += q[s] * q[s] * se2;
        }
        assert.ok(Math.abs(mean - want[i]) <= 4.5 * Math.sqrt(variance) + 1e-12);
        dev = Math.max(dev, Math.abs(mean - want[i]));
      }
      const scale = maxAbs(want);
      if (c === 0) {
        // The Monte Carlo mean is within 5e-3 of an IRF of scale 1 (default theta).
        assert.ok(dev <= 5e-3 * scale, `shock ${k}: deviation ${dev}, scale ${scale}`);
      }
    }
  }
});

Deno.test("simulate() shocked minus baseline along a path equals the product of regime matrices", () => {
  const H = 30;
  for (const [c, theta] of drawThetas(10, 300).entries()) {
    const m = switchingModel(theta);
    const path = drawRegimePath(keyedStream(c, "switching", 0, STREAM.REGIME), {
      p00: m.p00,
      p11: m.p11,
      length: H + 1,
    });
    const base = keyedStream(c, "switching", 0, STREAM.EPS).fillNormal(
      new Float64Array((H + 1) * 2),
    );
    const x0 = Float64Array.from([0.7, -1.2, 2.5]);
    for (const k of [0, 1]) {
      const shocked = base.slice();
      shocked[k] += 1;
      const y1 = W.simulate(theta, shocked, H + 1, { regimeSeq: path, x0 }).y;
      const y0 = W.simulate(theta, base, H + 1, { regimeSeq: path, x0 }).y;
      const sig = [m.sig0, m.sig1];
      const rho = [m.rho0, m.rho1];
      let v = gammaColumn(m, k).map((x) => sig[path[0]] * x);
      for (let h = 0; h <= H; h++) {
        if (h > 0) v = matVec3(m.phi, v).map((x) => rho[path[h]] * x);
        for (let r = 0; r < 3; r++) {
          assert.ok(Math.abs(y1[3 * h + r] - y0[3 * h + r] - v[r]) <= 1e-12);
        }
      }
    }
  }
});

Deno.test("expectedIrf() with absorbing regimes equals the path IRF on the constant path", () => {
  const H = 25;
  for (const theta of drawThetas(5, 700)) {
    const m = switchingModel(theta);
    const absorbing = { ...m, p00: 1, p11: 1 };
    for (const s of [0, 1]) {
      const path = new Int8Array(H + 1).fill(s);
      for (const k of [0, 1]) {
        const got = expectedIrf(absorbing, H, { shockIndex: k, q0: s === 0 ? [1, 0] : [0, 1] });
        const y = W.simulate(theta, impulse(H + 1, k, 1), H + 1, { regimeSeq: path }).y;
        assert.ok(maxAbsDiff(got, y) <= 1e-12);
      }
    }
  }
});

Deno.test("computeIrf() is linear in the shock size", () => {
  for (const theta of drawThetas(10, 800)) {
    for (const k of [0, 1]) {
      const one = W.computeIrf(theta, k, 1, 20);
      const two = W.computeIrf(theta, k, 2, 20);
      const neg = W.computeIrf(theta, k, -1, 20);
      for (let i = 0; i < one.length; i++) {
        assert.ok(Math.abs(two[i] - 2 * one[i]) <= 1e-12);
        assert.ok(Math.abs(neg[i] + one[i]) <= 1e-12);
      }
    }
  }
});

Deno.test("impact response has norm pi0 sig0 + pi1 sig1 on every draw", () => {
  for (const theta of drawThetas(200, 900, "float64")) {
    const m = switchingModel(theta);
    const [pi0, pi1] = ergodicDistribution(m.p00, m.p11);
    for (const k of [0, 1]) {
      const irf = W.computeIrf(theta, k, 1, 0);
      assert.ok(
        Math.abs(Math.hypot(irf[0], irf[1], irf[2]) - (pi0 * m.sig0 + pi1 * m.sig1)) < 1e-12,
      );
    }
  }
});

Deno.test("Phi is normal with unit spectral norm and Gamma has unit columns (ml-matrix oracle)", () => {
  for (const theta of drawThetas(300, 1200, "float64")) {
    const phi = new Matrix([0, 1, 2].map((i) => Array.from(theta.slice(6 + 3 * i, 9 + 3 * i))));
    const ptp = phi.transpose().mmul(phi);
    const ppt = phi.mmul(phi.transpose());
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(ptp.get(i, j) - ppt.get(i, j)) < 1e-12);
    }
    const sv = new EigenvalueDecomposition(ptp).realEigenvalues;
    const norm = Math.sqrt(Math.max(...sv));
    assert.ok(Math.abs(norm - 1) < 1e-12, `‖Phi‖₂ = ${norm}`);
    const inv = phiGammaInvariants(theta);
    assert.ok(Math.abs(inv.phiNorm - norm) < 1e-10);
    assert.ok(inv.normalityDefect < 1e-12 && inv.gammaColumnDefect < 1e-12);
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(Math.hypot(theta[15 + k], theta[17 + k], theta[19 + k]) - 1) < 1e-12);
    }
  }
});

Deno.test("phiGammaInvariants() measures a non-normal, non-unit Phi like ml-matrix does", () => {
  const theta = new Float64Array(W.params.defaults);
  theta.set([0.5, 0.4, 0, 0, 0.3, 0.1, 0.2, 0, -0.6], 6);
  const phi = new Matrix([[0.5, 0.4, 0], [0, 0.3, 0.1], [0.2, 0, -0.6]]);
  const ptp = phi.transpose().mmul(phi);
  const norm = Math.sqrt(Math.max(...new EigenvalueDecomposition(ptp).realEigenvalues));
  const inv = phiGammaInvariants(theta);
  assert.ok(Math.abs(inv.phiNorm - norm) < 1e-12);
  assert.ok(inv.normalityDefect > 0.1);
  assert.equal(W.checkValidity(theta), false);
});

Deno.test("MSS operator [P_ij (A_j ⊗ A_j)] has spectral radius below max(rho)^2 < 1", () => {
  for (const theta of [new Float64Array(W.params.defaults), ...drawThetas(6, 1600)]) {
    const m = switchingModel(theta);
    const P = [[m.p00, 1 - m.p00], [1 - m.p11, m.p11]];
    const rho = [m.rho0, m.rho1];
    const op = Matrix.zeros(18, 18);
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < 2; i++) {
        for (let a = 0; a < 9; a++) {
          for (let b = 0; b < 9; b++) {
            const kron = rho[j] * m.phi[3 * Math.floor(a / 3) + Math.floor(b / 3)] * rho[j] *
              m.phi[3 * (a % 3) + (b % 3)];
            op.set(9 * j + a, 9 * i + b, P[i][j] * kron);
          }
        }
      }
    }
    const e = new EigenvalueDecomposition(op);
    const radius = Math.max(
      ...e.realEigenvalues.map((re, i) => Math.hypot(re, e.imaginaryEigenvalues[i])),
    );
    assert.ok(radius < 1, `radius ${radius}`);
    assert.ok(radius <= Math.max(m.rho0, m.rho1) ** 2 + 1e-12, `radius ${radius}`);
  }
});

Deno.test("generateSample() is deterministic and seeds differ", () => {
  const a = W.generateSample(12345, 50, 10);
  const b = W.generateSample(12345, 50, 10);
  const c = W.generateSample(12346, 50, 10);
  for (const key of ["theta", "shocks", "trajectories", "irfs"] as const) {
    assert.deepEqual(new Uint8Array(a[key].buffer), new Uint8Array(b[key].buffer));
    assert.notDeepEqual(a[key], c[key]);
  }
  for (const f of W.metadataFields(50, 10)) {
    assert.deepEqual(a.metadata[f.name], b.metadata[f.name]);
  }
  assert.notDeepEqual(a.metadata.irfs_by_regime, c.metadata.irfs_by_regime);
});

Deno.test("regime path comes from the REGIME stream alone, not from eps", () => {
  const T = 200;
  let differs = 0;
  for (let seed = 40; seed < 60; seed++) {
    const s = W.generateSample(seed, T, 4);
    const m = switchingModel(s.theta);
    const path = drawRegimePath(keyedStream(seed, "switching", 0, STREAM.REGIME), {
      p00: m.p00,
      p11: m.p11,
      length: T,
    });
    assert.deepEqual(s.metadata.regime_seq, path);
    assert.equal(s.metadata.s0, path[0]);
    // Re-simulating with other shocks on the same path reproduces the rest of the sample.
    const again = W.simulate(s.theta, s.shocks, T, { regimeSeq: path });
    assert.deepEqual(again.y, s.trajectories);
    assert.equal(again.regimeSeq, path);
    if (path.some((v) => v !== path[0])) differs++;
  }
  assert.ok(differs > 0, "no path ever switched regime");
});

Deno.test("simulate() is pure and defaults to the all-regime-0 path", () => {
  const theta = drawThetas(1, 77)[0];
  const T = 40;
  const eps = keyedStream(1, "switching", 0, STREAM.EPS).fillNormal(new Float64Array(T * 2));
  const copy = eps.slice();
  const a = W.simulate(theta, eps, T);
  const b = W.simulate(theta, eps, T, { regimeSeq: new Int8Array(T) });
  assert.deepEqual(a.y, b.y);
  assert.deepEqual(a.regimeSeq, new Int8Array(T));
  assert.deepEqual(eps, copy);
  const c = W.simulate(theta, eps, T, { regimeSeq: new Int8Array(T).fill(1) });
  assert.notDeepEqual(a.y, c.y);
  assert.throws(
    () => W.simulate(theta, eps, T, { regimeSeq: new Int8Array(T).fill(2) }),
    RangeError,
  );
  assert.throws(() => W.simulate(theta, eps, T + 1), TypeError);
});

Deno.test("switchingWorld draws stay inside the bounds and pass checkValidity", () => {
  const bounds = W.params.bounds;
  for (const theta of drawThetas(2000, 5000)) {
    assert.equal(theta.length, 21);
    for (let i = 0; i < 21; i++) {
      assert.ok(theta[i] >= bounds[i][0] && theta[i] <= bounds[i][1], `${W.params.names[i]}`);
    }
    assert.ok(W.checkValidity(theta));
    assert.ok(W.checkValidity(Float64Array.from(Float32Array.from(theta))) || edgeRounded(theta));
  }
  const s = W.sampleParameters(keyedStream(3, "switching", 0, STREAM.THETA));
  assert.equal(s.nRejections, 0);
});

/** float32 rounding can push a scalar drawn just below an upper bound onto or past it. */
function edgeRounded(theta: Float64Array): boolean {
  return Array.from(Float32Array.from(theta)).some((v, i) =>
    v > W.params.bounds[i][1] || v < W.params.bounds[i][0]
  );
}

Deno.test("switchingWorld manifests are consistent and the defaults are valid", () => {
  const p = W.params;
  assert.equal(p.names.length, 21);
  for (const arr of [p.units, p.bounds, p.defaults, p.priors]) assert.equal(arr.length, 21);
  assert.deepEqual(p.names.slice(0, 7), ["p00", "p11", "rho0", "rho1", "sig0", "sig1", "Phi_00"]);
  assert.equal(p.names[20], "Gamma_21");
  assert.ok(W.checkValidity(new Float64Array(p.defaults)));
  assert.deepEqual(p.priors[0], { kind: "uniform", lo: 0.8, hi: 0.98 });
  assert.equal(p.priors[6].kind, "structured");
  assert.equal(p.priors[6].algorithm, "switching_v1");
  assert.deepEqual(W.shocks.names, ["shock_0", "shock_1"]);
  assert.deepEqual(W.observables.canonical, ["output", "inflation", "rate"]);
});

Deno.test("checkValidity() rejects broken invariants and out-of-bounds scalars", () => {
  const good = drawThetas(1, 31)[0];
  assert.ok(W.checkValidity(good));
  const scaled = good.slice();
  for (let i = 6; i < 15; i++) scaled[i] *= 0.9;
  assert.equal(W.checkValidity(scaled), false);
  const badGamma = good.slice();
  badGamma[15] *= 1.01;
  assert.equal(W.checkValidity(badGamma), false);
  const badP = good.slice();
  badP[0] = 0.99;
  assert.equal(W.checkValidity(badP), false);
  const nan = good.slice();
  nan[3] = NaN;
  assert.equal(W.checkValidity(nan), false);
  assert.equal(W.checkValidity(good.subarray(0, 20)), false);
});

Deno.test("metadata values match metadataFields shapes and dtypes", () => {
  const T = 37;
  const H = 9;
  const s = W.generateSample(5, T, H);
  const fields = W.metadataFields(T, H);
  assert.deepEqual(fields.map((f) => f.name).sort(), Object.keys(s.metadata).sort());
  assert.ok(fields.some((f) => f.name === "n_rejections" && f.dtype === "int32"));
  for (const f of fields) {
    assert.equal(f.dims.length, f.shape.length);
    const v = s.metadata[f.name];
    const size = f.shape.reduce((a, b) => a * b, 1);
    if (f.shape.length === 0) assert.equal(typeof v, "number", f.name);
    else assert.equal((v as ArrayLike<number>).length, size, f.name);
    const values = typeof v === "number" ? [v] : Array.from(v as ArrayLike<number>);
    for (const x of values) {
      assert.ok(Number.isFinite(x));
      if (f.dtype === "int8") assert.ok(Number.isInteger(x) && x >= -128 && x <= 127);
      if (f.dtype === "int32") assert.ok(Number.isInteger(x));
    }
  }
  assert.deepEqual(
    fields.find((f) => f.name === "irfs_by_regime")?.shape,
    [2, 2, H + 1, 3],
  );
  assert.equal(s.trajectories.length, T * 3);
  assert.equal(s.shocks.length, T * 2);
  assert.equal(s.irfs.length, 2 * (H + 1) * 3);
});

Deno.test("slice rule max(p00, p11) > 0.975 holds about 5.5% of the prior", () => {
  const rule = W.sliceRule;
  assert.equal(rule.op, ">");
  assert.equal(rule.threshold, 0.975);
  const n = 20_000;
  let inSlice = 0;
  for (let i = 0; i < n; i++) {
    const theta = W.sampleParameters(keyedStream(i, "switching", 0, STREAM.THETA)).theta;
    const st = W.splitStats(Float32Array.from(theta), {});
    assert.equal(st.slice, Math.fround(Math.max(theta[0], theta[1])));
    if (st.slice > rule.threshold) inSlice++;
  }
  const mass = 1 - (0.175 / 0.18) ** 2;
  const se = Math.sqrt((mass * (1 - mass)) / n);
  assert.ok(Math.abs(inSlice / n - mass) <= 3 * se, `${inSlice / n} vs ${mass}`);
  assert.ok(mass > 0.025 && mass < 0.06);
});

Deno.test("splitStats() gives ergodic persistence and sig1 volatility", () => {
  const theta = new Float64Array(W.params.defaults);
  const st = W.splitStats(theta, {});
  assert.equal(st.slice, 0.95);
  assert.ok(Math.abs(st.persistence - (2 / 3 * 0.5 + 1 / 3 * 0.9)) < 1e-12);
  assert.equal(st.volatility, 3);
});
