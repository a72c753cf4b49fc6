import { assertOracleIrf, type OracleCase, oraclesOf } from "./_oracles.ts";
import assert from "node:assert/strict";
import { EigenvalueDecomposition, Matrix } from "./_deps.ts";
import { cyclicReduction, timeIteration } from "./_re_solvers.ts";
import { keyedStream, STREAM, type Xoshiro128 } from "../src/numeric/rng.ts";
import { solveMatrix } from "../src/numeric/linalg.ts";
import { drawShocks } from "../src/simulators/_common.ts";
import { nkPolicyCubic } from "../src/simulators/_nk_solve.ts";
import {
  NK_PARAM_NAMES,
  nkDeterminacy,
  nkStateSpace,
  nkWorld,
  solveNk,
} from "../src/simulators/nk.ts";

type Oracle = OracleCase<Record<string, number>, Record<string, number>>;

const ORACLES: Oracle[] = oraclesOf("nk");

function thetaOf(o: Oracle): Float64Array {
  return Float64Array.from(NK_PARAM_NAMES.map((n) => o.theta[n]));
}

/** A uniform prior draw, optionally with rho_i fixed. */
function drawPrior(rng: Xoshiro128, rhoI?: number): Float64Array {
  const th = Float64Array.from(nkWorld.params.bounds.map(([lo, hi]) => rng.uniform(lo, hi)));
  if (rhoI !== undefined) th[5] = rhoI;
  return th;
}

function close(got: number, ref: number, tol: number, what: string): void {
  assert.ok(
    Math.abs(got - ref) <= tol * Math.max(1, Math.abs(ref)),
    `${what}: got ${got}, expected ${ref} (tol ${tol})`,
  );
}

for (const year of ["2008", "2015"]) {
  Deno.test(`nkWorld IRF matches Galí (${year}) closed form`, () => {
    const o = ORACLES.find((e) => e.world === "nk" && e.case.includes(year));
    assert.ok(o, `oracle for Galí ${year} missing`);
    const theta = thetaOf(o);
    assert.equal(o.shock, "monetary");
    const irf = nkWorld.computeIrf(theta, 0, o.shock_size, 8);
    assert.equal(assertOracleIrf(o, (h, j) => irf[h * 3 + j]), 12);
    const sol = solveNk(theta);
    assert.equal(sol.omega, o.extra.omega);
    // Λ_v from the monetary loading: b_x = −(1 − βρ_v) Λ_v.
    const lambda = -sol.bx[0] / (1 - theta[1] * theta[6]);
    close(lambda, o.extra.Lambda_v, 1e-12, "Lambda_v");
    // Impact real rate (annualized) from simulate's extras.
    const eps = new Float64Array(3);
    eps[0] = 1;
    const out = nkWorld.simulate(theta, eps, 1);
    assert.ok(out.yExtra);
    close(out.yExtra[0], o.extra.real_rate_ann_h0, 1e-12, "real_rate_ann_h0");
    assert.equal(out.yExtra[1], 0); // the natural rate does not move
  });
}

Deno.test("solveNk() matches the MSV closed form for every shock when rho_i = 0", () => {
  const rng = keyedStream(11, "nk-test", 0, STREAM.SPARE);
  for (let d = 0; d < 300; d++) {
    const th = drawPrior(rng, 0);
    const [sigma, beta, kappa, phiPi, phiY] = th;
    const sol = solveNk(th);
    assert.equal(sol.omega, 0);
    assert.ok(sol.ax === 0);
    for (let j = 0; j < 3; j++) {
      const rho = th[6 + j];
      const gm = j === 0 ? 1 : 0, gr = j === 1 ? 1 : 0, gu = j === 2 ? 1 : 0;
      const lam = 1 / ((1 - beta * rho) * (sigma * (1 - rho) + phiY) + kappa * (phiPi - rho));
      const bx = ((1 - beta * rho) * (gr - gm) - (phiPi - rho) * gu) * lam;
      const bpi = (kappa * (gr - gm) + (sigma * (1 - rho) + phiY) * gu) * lam;
      const bi = phiPi * bpi + phiY * bx + gm;
      close(sol.bx[j], bx, 1e-12, `draw ${d} b_x[${j}]`);
      close(sol.bpi[j], bpi, 1e-12, `draw ${d} b_pi[${j}]`);
      close(sol.bi[j], bi, 1e-12, `draw ${d} b_i[${j}]`);
      // IRF[h] = ρ^h IRF[0]
      const irf = nkWorld.computeIrf(th, j, 1, 3);
      for (let k = 0; k < 3; k++) close(irf[9 + k], rho ** 3 * irf[k], 1e-12, "rho^h decay");
    }
  }
});

/**
 * The nk model in `A0 y_{t−1} + A1 y_t + A2 E y_{t+1} + D e_t = 0` form with
 * y = (x, π, i, m, r^n, u) and e the innovations of z (percent).
 */
function structural(th: ArrayLike<number>): {
  a0: Float64Array;
  a1: Float64Array;
  a2: Float64Array;
  d: Float64Array;
} {
  const [sigma, beta, kappa, phiPi, phiY, rhoI, rm, rr, ru] = Array.from(th);
  const n = 6;
  const a0 = new Float64Array(n * n), a1 = new Float64Array(n * n), a2 = new Float64Array(n * n);
  const d = new Float64Array(n * 3);
  const X = 0, P = 1, I = 2, M = 3, R = 4, U = 5;
  // IS: x − E x' + (1/σ)(i − E π' − r) = 0
  a1[0 * n + X] = 1;
  a2[0 * n + X] = -1;
  a1[0 * n + I] = 1 / sigma;
  a2[0 * n + P] = -1 / sigma;
  a1[0 * n + R] = -1 / sigma;
  // PC: π − β E π' − κ x − u = 0
  a1[1 * n + P] = 1;
  a2[1 * n + P] = -beta;
  a1[1 * n + X] = -kappa;
  a1[1 * n + U] = -1;
  // TR: i − ρ_i i_{−1} − (1 − ρ_i)(φ_π π + φ_y x) − m = 0
  a1[2 * n + I] = 1;
  a0[2 * n + I] = -rhoI;
  a1[2 * n + P] = -(1 - rhoI) * phiPi;
  a1[2 * n + X] = -(1 - rhoI) * phiY;
  a1[2 * n + M] = -1;
  // z − ρ z_{−1} − e = 0
  const rho = [rm, rr, ru];
  for (let j = 0; j < 3; j++) {
    a1[(3 + j) * n + 3 + j] = 1;
    a0[(3 + j) * n + 3 + j] = -rho[j];
    d[(3 + j) * 3 + j] = -1;
  }
  return { a0, a1, a2, d };
}

Deno.test("solveNk() agrees with cyclic reduction and time iteration on 200 prior draws", () => {
  const rng = keyedStream(12, "nk-test", 0, STREAM.SPARE);
  const n = 6;
  let maxDiff = 0;
  for (let draw = 0; draw < 200; draw++) {
    const th = drawPrior(rng);
    const sol = solveNk(th);
    const { a0, a1, a2, d } = structural(th);
    // Expected X: column i_{−1} = (a_x, a_π, ω), z columns = loadings ⊙ ρ.
    const want = new Float64Array(n * n);
    want[0 * n + 2] = sol.ax;
    want[1 * n + 2] = sol.api;
    want[2 * n + 2] = sol.omega;
    for (let j = 0; j < 3; j++) {
      const rho = th[6 + j];
      want[0 * n + 3 + j] = sol.bx[j] * rho;
      want[1 * n + 3 + j] = sol.bpi[j] * rho;
      want[2 * n + 3 + j] = sol.bi[j] * rho;
      want[(3 + j) * n + 3 + j] = rho;
    }
    for (const [name, solver] of [["cyclic", cyclicReduction], ["time", timeIteration]] as const) {
      const { x } = solver(a0, a1, a2, n);
      for (let k = 0; k < n * n; k++) {
        const diff = Math.abs(x[k] - want[k]);
        maxDiff = Math.max(maxDiff, diff);
        assert.ok(diff <= 1e-10, `${name} draw ${draw} X[${k}]: ${x[k]} vs ${want[k]}`);
      }
      // Impact loadings G = −(A2 X + A1)⁻¹ D recover b_x, b_π, c even when ρ = 0.
      const m = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = a1[i * n + j];
          for (let k = 0; k < n; k++) s += a2[i * n + k] * x[k * n + j];
          m[i * n + j] = s;
        }
      }
      const g = solveMatrix(m, d, n, 3);
      for (let j = 0; j < 3; j++) {
        close(-g[0 * 3 + j], sol.bx[j], 1e-10, `${name} G x`);
        close(-g[1 * 3 + j], sol.bpi[j], 1e-10, `${name} G pi`);
        close(-g[2 * 3 + j], sol.bi[j], 1e-10, `${name} G i`);
      }
    }
  }
  assert.ok(maxDiff < 1e-10);
});

/** det(A2 λ² + A1 λ + A0) of the 3×3 endogenous block. */
function charDet(th: ArrayLike<number>, lam: number): number {
  const { a0, a1, a2 } = structural(th);
  const m: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      m.push(a2[i * 6 + j] * lam * lam + a1[i * 6 + j] * lam + a0[i * 6 + j]);
    }
  }
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6]);
}

/** Moduli of the roots of the cubic, from the companion matrix (ml-matrix). */
function cubicRootModuli(c: Float64Array): number[] {
  const [c0, c1, c2, c3] = c;
  const comp = new Matrix([
    [-c2 / c3, -c1 / c3, -c0 / c3],
    [1, 0, 0],
    [0, 1, 0],
  ]);
  const e = new EigenvalueDecomposition(comp);
  return e.realEigenvalues.map((re, k) => Math.hypot(re, e.imaginaryEigenvalues[k]));
}

Deno.test("nkDeterminacy() flags indeterminacy iff the Taylor principle fails", () => {
  const rng = keyedStream(13, "nk-test", 0, STREAM.SPARE);
  let det = 0, indet = 0;
  for (let draw = 0; draw < 600; draw++) {
    const th = drawPrior(rng);
    th[3] = rng.uniform(0.5, 1.5); // φ_π across 1
    th[4] = rng.uniform(0, 0.2);
    th[5] = draw % 10 === 0 ? 0 : rng.uniform(0, 0.9);
    const margin = th[2] * (th[3] - 1) + (1 - th[1]) * th[4];
    if (Math.abs(margin) < 1e-6) continue;
    const v = nkDeterminacy(th);
    assert.equal(v.taylorMargin, margin);
    assert.equal(v.determinate, margin > 0, `draw ${draw}: margin ${margin}`);
    assert.equal(v.determinateByDeflation, margin > 0, `draw ${draw}: deflation vs margin`);
    // Independent: the cubic is det(A2λ² + A1λ + A0)/λ² up to scale, and
    // determinacy means exactly one of its roots inside the unit circle.
    const c = nkPolicyCubic(th);
    const ratios = [-1.7, -0.6, 0.3, 0.45, 0.8, 1.3, 2.2, 3.1].map((lam) =>
      charDet(th, lam) / (lam * lam * (((c[3] * lam + c[2]) * lam + c[1]) * lam + c[0]))
    );
    for (const r of ratios) close(r, ratios[0], 1e-9, "det / cubic ratio");
    const inside = cubicRootModuli(c).filter((m) => m < 1).length;
    assert.equal(inside === 1, margin > 0, `draw ${draw}: ${inside} stable roots`);
    if (margin > 0) {
      det++;
      assert.ok(Math.abs(solveNk(th).omega - v.omega) === 0);
    } else {
      indet++;
      assert.throws(() => solveNk(th), RangeError);
      assert.equal(nkWorld.checkValidity(th), false);
    }
  }
  assert.ok(det > 100 && indet > 100, `both cases covered: ${det} / ${indet}`);
});

Deno.test("nkWorld impact signs hold on every prior draw", () => {
  const rng = keyedStream(14, "nk-test", 0, STREAM.SPARE);
  const eps = new Float64Array(3);
  for (let draw = 0; draw < 500; draw++) {
    const th = drawPrior(rng);
    assert.ok(nkWorld.checkValidity(th));
    const m = nkWorld.computeIrf(th, 0, 1, 0);
    assert.ok(m[0] < 0 && m[1] < 0, `monetary: x0 ${m[0]}, pi0 ${m[1]}`);
    eps.fill(0);
    eps[0] = 1;
    const real = nkWorld.simulate(th, eps, 1).yExtra;
    assert.ok(real && real[0] > 0, "monetary: ex-ante real rate rises");
    const d = nkWorld.computeIrf(th, 1, 1, 0);
    assert.ok(d[0] > 0 && d[1] > 0 && d[2] > 0, `demand: ${Array.from(d)}`);
    const u = nkWorld.computeIrf(th, 2, 1, 0);
    assert.ok(u[1] > 0 && u[2] > 0, `cost-push: ${Array.from(u)}`);
  }
});

Deno.test("nkWorld analytic IRF equals baseline-subtracted simulation", () => {
  const rng = keyedStream(15, "nk-test", 0, STREAM.SPARE);
  const H = 30;
  for (let draw = 0; draw < 50; draw++) {
    const th = drawPrior(rng);
    const x0 = Float64Array.from([rng.uniform(-1, 1), rng.uniform(-2, 2), rng.uniform(-1, 1), 1]);
    const base = new Float64Array((H + 1) * 3);
    for (let k = 0; k < base.length; k++) base[k] = rng.nextNormal();
    for (let k = 0; k < 3; k++) {
      const size = rng.uniform(-3, 3);
      const shocked = base.slice();
      shocked[k] += size;
      const a = nkWorld.simulate(th, shocked, H + 1, { x0 }).y;
      const b = nkWorld.simulate(th, base, H + 1, { x0 }).y;
      const irf = nkWorld.computeIrf(th, k, size, H);
      for (let i = 0; i < irf.length; i++) {
        assert.ok(
          Math.abs(a[i] - b[i] - irf[i]) <= 1e-12 * Math.max(1, Math.abs(a[i]), Math.abs(b[i])),
          `draw ${draw} shock ${k} entry ${i}: ${a[i] - b[i]} vs ${irf[i]}`,
        );
      }
      const two = nkWorld.computeIrf(th, k, 2 * size, H);
      const neg = nkWorld.computeIrf(th, k, -size, H);
      for (let i = 0; i < irf.length; i++) {
        close(two[i], 2 * irf[i], 1e-13, "IRF(2s) = 2 IRF(s)");
        assert.equal(neg[i], -irf[i]);
      }
    }
  }
});

Deno.test("nkWorld x0 = [0, 0, 0, v] is last period's rate: zero shocks give i_t = ω^{t+1} v", () => {
  const rng = keyedStream(17, "nk-test", 0, STREAM.SPARE);
  const T = 24;
  const eps = new Float64Array(T * 3);
  const thetas: Float64Array[] = [Float64Array.from(nkWorld.params.defaults)];
  for (let draw = 0; draw < 40; draw++) thetas.push(drawPrior(rng, draw < 5 ? 0 : undefined));
  let smoothed = 0;
  for (const th of thetas) {
    const sol = solveNk(th);
    const { omega, ax, api } = sol;
    if (th[5] === 0) assert.equal(omega, 0);
    else smoothed++;
    for (const v of [1, -0.7]) {
      const out = nkWorld.simulate(th, eps, T, { x0: Float64Array.of(0, 0, 0, v) });
      assert.ok(out.yExtra);
      for (let t = 0; t < T; t++) {
        // i_{t−1} = ω^t v drives everything: x_t = a_x i_{t−1}, π_t = a_π i_{t−1}.
        const iPrev = omega ** t * v;
        close(out.y[3 * t], ax * iPrev, 1e-12, `x_${t} (rho_i ${th[5]})`);
        close(out.y[3 * t + 1], 4 * api * iPrev, 1e-12, `4π_${t} (rho_i ${th[5]})`);
        close(out.y[3 * t + 2], 4 * omega ** (t + 1) * v, 1e-12, `4i_${t} (rho_i ${th[5]})`);
        close(out.yExtra[2 * t + 1], 0, 1e-12, "natural rate");
      }
    }
  }
  assert.ok(smoothed > 30, `draws with smoothing: ${smoothed}`);
});

Deno.test("nkWorld x0 gives the shock processes of period −1: z_t = ρ^{t+1} z_{−1} without shocks", () => {
  const rng = keyedStream(18, "nk-test", 0, STREAM.SPARE);
  const T = 12;
  const eps = new Float64Array(T * 3);
  for (let draw = 0; draw < 20; draw++) {
    const th = drawPrior(rng, draw < 5 ? 0 : undefined);
    const sol = solveNk(th);
    const x0 = Float64Array.of(rng.uniform(-1, 1), rng.uniform(-2, 2), rng.uniform(-1, 1), 0.4);
    const out = nkWorld.simulate(th, eps, T, { x0 });
    assert.ok(out.yExtra);
    let iPrev = x0[3];
    for (let t = 0; t < T; t++) {
      const z = [0, 1, 2].map((j) => sol.rho[j] ** (t + 1) * x0[j]);
      const i = sol.bi[0] * z[0] + sol.bi[1] * z[1] + sol.bi[2] * z[2] + sol.omega * iPrev;
      close(out.y[3 * t + 2], 4 * i, 1e-12, `draw ${draw} 4i_${t}`);
      close(out.yExtra[2 * t + 1], 4 * z[1], 1e-12, `draw ${draw} natural rate ${t}`);
      iPrev = i;
    }
  }
});

Deno.test("nkWorld extras: real rate is 4(i − E π') and natural rate is 4 r^n", () => {
  const rng = keyedStream(16, "nk-test", 0, STREAM.SPARE);
  const T = 12;
  for (let draw = 0; draw < 20; draw++) {
    const th = drawPrior(rng);
    const eps = new Float64Array(T * 3);
    for (let k = 0; k < eps.length; k++) eps[k] = rng.nextNormal();
    const full = nkWorld.simulate(th, eps, T);
    assert.ok(full.yExtra);
    let r = 0;
    for (let t = 0; t < T - 1; t++) {
      // E_t π_{t+1}: the next period with no innovation.
      const cut = eps.slice();
      cut.fill(0, 3 * (t + 1));
      const y = nkWorld.simulate(th, cut, t + 2).y;
      const real = y[3 * t + 2] - y[3 * (t + 1) + 1];
      close(full.yExtra[2 * t], real, 1e-12, "real_rate_ann");
      r = th[7] * r + 100 * th[10] * eps[3 * t + 1];
      close(full.yExtra[2 * t + 1], 4 * r, 1e-12, "natural_rate_ann");
    }
  }
});

Deno.test("nkStateSpace() has the MSV state-space structure", () => {
  const th = Float64Array.from(nkWorld.params.defaults);
  const sol = solveNk(th);
  const ss = nkStateSpace(sol, { extras: true });
  assert.equal(ss.ny, 5);
  assert.deepEqual(Array.from(ss.A.slice(12)), [sol.bi[0], sol.bi[1], sol.bi[2], sol.omega]);
  assert.deepEqual(Array.from(ss.B.slice(9)), [0, 0, 0]);
  assert.equal(ss.B[0], 100 * th[9]);
  assert.ok(sol.omega > 0 && sol.omega < th[5]);
  // The policy root satisfies the cubic.
  const c = nkPolicyCubic(th);
  const w = sol.omega;
  assert.ok(Math.abs(((c[3] * w + c[2]) * w + c[1]) * w + c[0]) < 1e-14);
  // a_x and a_π satisfy the IS and Phillips curves for the endogenous state.
  const [sigma, beta, kappa] = th;
  close(sol.ax * (1 - w), -w * (1 - sol.api) / sigma, 1e-13, "IS");
  close(sol.api * (1 - beta * w), kappa * sol.ax, 1e-13, "PC");
});

Deno.test("nkWorld.generateSample() is deterministic and seed-dependent", () => {
  const a = nkWorld.generateSample(123, 50, 10);
  const b = nkWorld.generateSample(123, 50, 10);
  const c = nkWorld.generateSample(124, 50, 10);
  for (const key of ["theta", "shocks", "trajectories", "irfs"] as const) {
    assert.deepEqual(new Uint8Array(a[key].buffer), new Uint8Array(b[key].buffer));
    assert.notDeepEqual(Array.from(a[key]), Array.from(c[key]));
  }
  assert.deepEqual(a.metadata, b.metadata);
  // Built from the keyed streams.
  const th = nkWorld.sampleParameters(keyedStream(123, "nk", 0, STREAM.THETA)).theta;
  assert.deepEqual(Array.from(a.theta), Array.from(th));
  assert.deepEqual(Array.from(a.shocks), Array.from(drawShocks(123, "nk", 0, 50, 3)));
  const sim = nkWorld.simulate(a.theta, a.shocks, 50).y;
  assert.deepEqual(Array.from(a.trajectories), Array.from(sim));
  const irf1 = nkWorld.computeIrf(a.theta, 1, 1, 10);
  assert.deepEqual(Array.from(a.irfs.subarray(33, 66)), Array.from(irf1));
});

Deno.test("nkWorld draws stay inside the bounds and never reject", () => {
  const { bounds } = nkWorld.params;
  for (let s = 0; s < 1000; s++) {
    const { theta, nRejections } = nkWorld.sampleParameters(
      keyedStream(s, "nk", 0, STREAM.THETA),
    );
    assert.equal(nRejections, 0);
    assert.equal(theta.length, 12);
    theta.forEach((v, i) => assert.ok(v >= bounds[i][0] && v <= bounds[i][1], `${s}/${i}: ${v}`));
  }
});

Deno.test("nkWorld metadata matches metadataFields and the split statistics", () => {
  const T = 30, H = 6;
  const fields = nkWorld.metadataFields(T, H);
  const s = nkWorld.generateSample(5, T, H);
  assert.deepEqual(Object.keys(s.metadata).sort(), fields.map((f) => f.name).sort());
  for (const f of fields) {
    assert.deepEqual(f.shape, []);
    assert.equal(typeof s.metadata[f.name], "number");
  }
  assert.equal(fields.find((f) => f.name === "n_rejections")?.dtype, "int32");
  assert.equal(s.metadata.omega, solveNk(s.theta).omega);
  const stored = Float32Array.from(s.theta);
  const st = nkWorld.splitStats(stored, s.metadata as Record<string, number>);
  assert.equal(st.slice, stored[3]);
  assert.equal(
    st.persistence,
    Math.max(s.metadata.omega as number, stored[6], stored[7], stored[8]),
  );
  assert.ok(st.volatility > 0 && st.volatility <= 1);
  assert.throws(() => nkWorld.splitStats(stored, {}), TypeError);
});

Deno.test("nkWorld slice phi_pi > 3.38 holds 2.5-6% of the prior", () => {
  let inSlice = 0;
  const n = 4000;
  const { threshold } = nkWorld.sliceRule;
  for (let s = 0; s < n; s++) {
    const th = nkWorld.sampleParameters(keyedStream(s, "nk", 0, STREAM.THETA)).theta;
    if (th[3] > threshold) inSlice++;
  }
  assert.ok(inSlice / n > 0.025 && inSlice / n < 0.06, `mass ${inSlice / n}`);
});

Deno.test("nkWorld rejects malformed input", () => {
  const th = Float64Array.from(nkWorld.params.defaults);
  assert.throws(() => nkWorld.computeIrf(th, 3, 1, 4), RangeError);
  assert.throws(() => nkWorld.computeIrf(th.slice(0, 11), 0, 1, 4), RangeError);
  assert.throws(() => nkWorld.simulate(th, new Float64Array(5), 2), RangeError);
  assert.throws(
    () => nkWorld.simulate(th, new Float64Array(6), 2, { x0: new Float64Array(3) }),
    RangeError,
  );
  assert.equal(nkWorld.checkValidity(th.slice(0, 11)), false);
  const nan = th.slice();
  nan[0] = NaN;
  assert.equal(nkWorld.checkValidity(nan), false);
});
