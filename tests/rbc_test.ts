import { assertOracleIrf, type OracleCase, oraclesOf } from "./_oracles.ts";
import assert from "node:assert/strict";
import { matMul, solve } from "../src/numeric/linalg.ts";
import { keyedStream, STREAM } from "../src/numeric/rng.ts";
import { RBC_FULL_OBSERVABLES, rbcFullIrf, rbcWorld, solveRbc } from "../src/simulators/rbc.ts";
import { cyclicReduction } from "./_re_solvers.ts";

// Row indices of rbcFullIrf.
const OUT = 0, INFL = 1, RATE = 2, CONS = 3, INV = 4, HOURS = 5, CAP = 6, WAGE = 7;
const NF = RBC_FULL_OBSERVABLES.length;

type Oracle = OracleCase<Record<string, number>, Record<string, number>>;

function rbcOracles(): Promise<Oracle[]> {
  return Promise.resolve(oraclesOf("rbc"));
}

function thetaOf(named: Record<string, number>): Float64Array {
  return new Float64Array(rbcWorld.params.names.map((n) => {
    assert.ok(n in named, `oracle theta lacks ${n}`);
    return named[n];
  }));
}

function near(got: number, ref: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - ref) <= tol, `${what}: got ${got}, expected ${ref} (tol ${tol})`);
}

/** Deterministic prior draws through the world's own sampler. */
function priorDraws(n: number, seed0 = 1000): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    out.push(rbcWorld.sampleParameters(keyedStream(seed0 + i, "rbc", 0, STREAM.THETA)).theta);
  }
  return out;
}

const DEFAULT = new Float64Array(rbcWorld.params.defaults);
const BM = (frisch: number): Float64Array =>
  new Float64Array([0.99, 0.33, 1, frisch, 1, 0.9, 0.01, 0.5, 0.01]);

Deno.test("solveRbc() matches the Brock–Mirman closed form for any Frisch elasticity", () => {
  for (const frisch of [0.5, 1, 3, Infinity]) {
    const th = BM(frisch);
    const s = solveRbc(th);
    near(s.P, 0.33, 1e-12, `P (nu ${frisch})`);
    near(s.Qa, 1, 1e-12, `Q_a (nu ${frisch})`);
    near(s.Rk, 0.33, 1e-12, `R_k (nu ${frisch})`);
    near(s.Sa, 1, 1e-12, `S_a (nu ${frisch})`);
    const irf = rbcFullIrf(th, 0, 1, 12);
    for (let h = 0; h <= 12; h++) near(irf[h * NF + HOURS], 0, 1e-12, `hours h=${h}`);
  }
});

Deno.test("rbcWorld IRF matches the Brock–Mirman closed form (k' = a + αk, c = y)", async () => {
  const oracle = (await rbcOracles()).find((o) => o.case.startsWith("Brock"));
  assert.ok(oracle);
  const th = thetaOf(oracle.theta);
  const [alpha, rho, sigma, gamma] = [th[1], th[5], th[6], th[4]];
  const H = 40;
  const irf = rbcWorld.computeIrf(th, 0, 1, H);
  // Closed form in decimals: a_h = ρ^h σ, y_h = c_h = a_h + α k_h, k_{h+1} = y_h.
  const k = new Float64Array(H + 2);
  const c = new Float64Array(H + 2);
  for (let h = 0; h <= H + 1; h++) {
    c[h] = rho ** h * sigma + alpha * k[h];
    if (h <= H) k[h + 1] = c[h];
  }
  for (let h = 0; h <= H; h++) {
    near(irf[h * 3 + 0], 100 * c[h], 1e-10, `output h=${h}`);
    near(irf[h * 3 + 1], 400 * (c[h] - (h > 0 ? c[h - 1] : 0)), 1e-10, `c growth h=${h}`);
    near(irf[h * 3 + 2], 400 * gamma * (c[h + 1] - c[h]), 1e-10, `rate h=${h}`);
  }
  assert.equal(assertOracleIrf(oracle, (h, j) => irf[h * 3 + j]), 12);
});

Deno.test("rbcWorld matches the Hansen (1985) / Uhlig exampl1.m oracles", async () => {
  const cases = (await rbcOracles()).filter((o) => o.case.startsWith("Hansen"));
  assert.equal(cases.length, 2);
  for (const o of cases) {
    const th = thetaOf(o.theta);
    assert.equal(th[3], Infinity);
    const s = solveRbc(th);
    near(s.P, o.extra.P_kk, 1e-10, `${o.case} P_kk`);
    near(s.Qa, o.extra.Q_kz, 1e-10, `${o.case} Q_kz`);
    near(s.Rk, o.extra.c_k, 1e-10, `${o.case} c_k`);
    near(s.Sa, o.extra.c_z, 1e-10, `${o.case} c_z`);
    const irf = rbcWorld.computeIrf(th, 0, o.shock_size, 8);
    assert.equal(assertOracleIrf(o, (h, j) => irf[h * 3 + j]), 12);
  }
});

Deno.test("rbcWorld default-theta technology impact has the King–Plosser–Rebelo magnitudes", () => {
  const s = solveRbc(DEFAULT);
  near(s.P, 0.9531, 5e-5, "P");
  const irf = rbcFullIrf(DEFAULT, 0, 1, 0);
  near(irf[OUT], 1.31, 0.005, "output");
  near(irf[CONS], 0.39, 0.005, "consumption");
  near(irf[HOURS], 0.46, 0.005, "hours");
  near(irf[INV], 4.31, 0.005, "investment");
  near(irf[RATE], 0.16, 0.005, "real rate");
  const pref = rbcFullIrf(DEFAULT, 1, 1, 0);
  near(pref[RATE], -0.03, 0.005, "preference-shock real rate");
});

/**
 * Cross-check the scalar quadratic against cyclic reduction on the raw
 * log-linear system in y_t = [k_{t+1}, c_t, a_t, b_t, n_t, ŷ_t] (the first
 * four are the usual (k', c, a, b) system; hours and output are kept as
 * variables so the static block is the raw first-order conditions). Returns
 * the solvent X and the full decimal IRF from `y_0 = −(A1 + A2 X)⁻¹ D`.
 */
function crSolve(th: Float64Array, shock: number, H: number): {
  x: Float64Array;
  iterations: number;
  path: Float64Array[];
} {
  const [beta, alpha, delta, frisch, gamma, rhoA, sigmaA, rhoB, sigmaB] = th;
  const n = 6;
  const [K, C, A, B, N, Y] = [0, 1, 2, 3, 4, 5];
  const yk = (1 / beta - 1 + delta) / alpha;
  const ck = yk - delta;
  const psi = 1 - beta * (1 - delta);
  const a0 = new Float64Array(n * n);
  const a1 = new Float64Array(n * n);
  const a2 = new Float64Array(n * n);
  const set = (m: Float64Array, r: number, c: number, v: number): void => {
    m[r * n + c] += v;
  };
  // Resource: k_{t+1} = (1−δ) k_t + (Y/K) y_t − (C/K) c_t  (k_t = y_{t−1}[K]).
  set(a1, 0, K, 1);
  set(a0, 0, K, -(1 - delta));
  set(a1, 0, Y, -yk);
  set(a1, 0, C, ck);
  // Euler: γ(E c' − c) = ψ(E ŷ' − k') + (ρ_b − 1) b.
  set(a2, 1, C, gamma);
  set(a1, 1, C, -gamma);
  set(a2, 1, Y, -psi);
  set(a1, 1, K, psi);
  set(a1, 1, B, -(rhoB - 1));
  // Exogenous processes.
  set(a1, 2, A, 1);
  set(a0, 2, A, -rhoA);
  set(a1, 3, B, 1);
  set(a0, 3, B, -rhoB);
  // Labour FOC + MPL: (α + 1/ν) n = a + α k − γ c.
  set(a1, 4, N, alpha + 1 / frisch);
  set(a1, 4, A, -1);
  set(a0, 4, K, -alpha);
  set(a1, 4, C, gamma);
  // Production: ŷ = a + α k + (1 − α) n.
  set(a1, 5, Y, 1);
  set(a1, 5, A, -1);
  set(a0, 5, K, -alpha);
  set(a1, 5, N, -(1 - alpha));
  const { x, iterations } = cyclicReduction(a0, a1, a2, n);
  // Impact: (A1 + A2 X) y_0 = −D ε with D = −σ on the shock's process row.
  const m = matMul(a2, x, n, n, n);
  for (let i = 0; i < n * n; i++) m[i] += a1[i];
  const rhs = new Float64Array(n);
  rhs[shock === 0 ? A : B] = shock === 0 ? sigmaA : sigmaB;
  const path = [solve(m, rhs, n)];
  for (let h = 1; h <= H + 1; h++) path.push(matMul(x, path[h - 1], n, n, 1));
  return { x, iterations, path };
}

Deno.test("solveRbc() agrees with cyclic reduction on 500 prior draws", () => {
  let maxErr = 0;
  let maxIter = 0;
  for (const th of priorDraws(500)) {
    const s = solveRbc(th);
    const { x, iterations } = crSolve(th, 0, 0);
    const n = 6;
    const [rhoA, rhoB] = [th[5], th[7]];
    const pairs: [number, number][] = [
      [x[0 * n + 0], s.P],
      [x[1 * n + 0], s.Rk],
      [x[0 * n + 2], rhoA * s.Qa],
      [x[0 * n + 3], rhoB * s.Qb],
      [x[1 * n + 2], rhoA * s.Sa],
      [x[1 * n + 3], rhoB * s.Sb],
      [x[0 * n + 1], 0],
      [x[1 * n + 1], 0],
    ];
    for (const [got, ref] of pairs) maxErr = Math.max(maxErr, Math.abs(got - ref));
    maxIter = Math.max(maxIter, iterations);
  }
  assert.ok(maxErr < 1e-10, `max |CR − quadratic| = ${maxErr}`);
  assert.ok(maxIter <= 20, `cyclic reduction took ${maxIter} iterations`);
});

Deno.test("rbcFullIrf() matches the cyclic-reduction IRF of every observable on prior draws", () => {
  const H = 12;
  const [K, C, , B, N, Y] = [0, 1, 2, 3, 4, 5];
  for (const th of priorDraws(100, 5000)) {
    const [beta, , delta, , gamma, , , rhoB] = th;
    const psi = 1 - beta * (1 - delta);
    for (const shock of [0, 1]) {
      const irf = rbcFullIrf(th, shock, 1, H);
      const { path } = crSolve(th, shock, H);
      for (let h = 0; h <= H; h++) {
        const y = path[h];
        const kNow = h > 0 ? path[h - 1][K] : 0;
        const cPrev = h > 0 ? path[h - 1][C] : 0;
        // Ex-ante return on capital ψ(E ŷ' − k'): equals the Euler-based rate.
        const rate = psi * (path[h + 1][Y] - y[K]);
        const expected: [number, number][] = [
          [irf[h * NF + OUT], 100 * y[Y]],
          [irf[h * NF + INFL], 400 * (y[C] - cPrev)],
          [irf[h * NF + RATE], 400 * rate],
          [irf[h * NF + CONS], 100 * y[C]],
          [irf[h * NF + INV], (100 * (y[K] - (1 - delta) * kNow)) / delta],
          [irf[h * NF + HOURS], 100 * y[N]],
          [irf[h * NF + CAP], 100 * kNow],
          [irf[h * NF + WAGE], 100 * (y[Y] - y[N])],
        ];
        expected.forEach(([got, ref], j) =>
          near(got, ref, 1e-9 * Math.max(1, Math.abs(ref)), `shock ${shock} h=${h} ${j}`)
        );
        // The Euler identity r = γ(E c' − c) + (1 − ρ_b) b holds along the path too.
        const euler = gamma * (path[h + 1][C] - y[C]) + (1 - rhoB) * y[B];
        near(rate, euler, 1e-12, "Euler identity");
      }
    }
  }
});

/**
 * Economic sign checks for one theta (signs that held on every one of 5,000
 * prior draws). `minRatio` bounds investment/output on
 * impact: > 2 on random prior draws, but it dips to 1.76 at the extreme box
 * corner (alpha 0.4, delta 0.03, gamma 3, rho_a 0.99): 1 of 200,000 prior
 * draws had i0/y0 = 1.994.
 */
function assertSigns(th: Float64Array, minRatio: number): void {
  const H = 40;
  const tech = rbcFullIrf(th, 0, 1, H);
  const [y0, c0, i0] = [tech[OUT], tech[CONS], tech[INV]];
  assert.ok(y0 > 0 && c0 > 0 && i0 > 0, `technology impact signs at ${th}`);
  assert.ok(i0 / y0 > minRatio, `technology i0/y0 = ${i0 / y0} at ${th}`);
  assert.ok(c0 < y0, `technology c0 >= y0 at ${th}`);
  let peak = 0;
  for (let h = 1; h <= H; h++) if (tech[h * NF + CAP] > tech[peak * NF + CAP]) peak = h;
  assert.ok(peak >= 1, `capital peaks at h = ${peak}`);
  const pref = rbcFullIrf(th, 1, 1, 0);
  assert.ok(pref[CONS] > 0, `preference c0 = ${pref[CONS]}`);
  assert.ok(pref[INV] < 0, `preference i0 = ${pref[INV]}`);
  assert.ok(pref[OUT] < 0, `preference y0 = ${pref[OUT]}`);
  assert.ok(pref[HOURS] < 0, `preference n0 = ${pref[HOURS]}`);
}

Deno.test("rbcWorld IRF signs hold on prior draws", () => {
  for (const th of priorDraws(2000, 20000)) assertSigns(th, 2);
});

Deno.test("rbcWorld IRF signs hold at all 512 corners of the prior box", () => {
  const b = rbcWorld.params.bounds;
  for (let m = 0; m < 512; m++) {
    assertSigns(new Float64Array(9).map((_, i) => b[i][(m >> i) & 1]), 1.7);
  }
});

Deno.test("rbcWorld default-theta technology shock raises hours and the real rate", () => {
  const tech = rbcFullIrf(DEFAULT, 0, 1, 0);
  assert.ok(tech[HOURS] > 0);
  assert.ok(tech[RATE] > 0);
  // Real wage = output − hours (Cobb–Douglas labour share).
  near(tech[WAGE], tech[OUT] - tech[HOURS], 1e-12, "real wage");
});

Deno.test("rbcWorld analytic IRF equals the baseline-subtracted simulation", () => {
  const T = 30;
  const rng = keyedStream(3, "rbc_test", 0, 0);
  for (const th of [DEFAULT, ...priorDraws(20, 900)]) {
    for (const shock of [0, 1]) {
      for (const size of [1, -2.5]) {
        const x0 = new Float64Array(4).map(() => rng.uniform(-0.05, 0.05));
        const eps = new Float64Array(T * 2);
        const base = rbcWorld.simulate(th, eps, T, { x0 });
        eps[shock] = size;
        const shocked = rbcWorld.simulate(th, eps, T, { x0 });
        const irf = rbcWorld.computeIrf(th, shock, size, T - 1);
        const full = rbcFullIrf(th, shock, size, T - 1);
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < 3; j++) {
            const d = shocked.y[t * 3 + j] - base.y[t * 3 + j];
            near(irf[t * 3 + j], d, 1e-12, `canonical t=${t} j=${j}`);
            near(full[t * NF + j], irf[t * 3 + j], 1e-12, `full canonical t=${t}`);
          }
          for (let j = 0; j < 5; j++) {
            const d = shocked.yExtra![t * 5 + j] - base.yExtra![t * 5 + j];
            near(full[t * NF + 3 + j], d, 1e-12, `extra t=${t} j=${j}`);
          }
        }
      }
    }
  }
});

Deno.test("rbcWorld x0 is the state of period −1: [k_0, a_{−1}, b_{−1}, c_{−1}] without shocks", () => {
  const T = 16;
  const rng = keyedStream(4, "rbc_test", 0, 0);
  const eps = new Float64Array(T * 2);
  for (const th of [DEFAULT, ...priorDraws(20, 700)]) {
    const [, , delta, , , rhoA, , rhoB] = th;
    const s = solveRbc(th);
    const x0 = new Float64Array(4).map(() => rng.uniform(-0.05, 0.05));
    const out = rbcWorld.simulate(th, eps, T, { x0 });
    assert.ok(out.yExtra);
    // Closed form of the decimal paths: k_0 given, a_t = ρ_a^{t+1} a_{−1}, ...
    let k = x0[0], cPrev = x0[3];
    for (let t = 0; t < T; t++) {
      const a = rhoA ** (t + 1) * x0[1], b = rhoB ** (t + 1) * x0[2];
      const c = s.Rk * k + s.Sa * a + s.Sb * b;
      const kNext = s.P * k + s.Qa * a + s.Qb * b;
      near(out.y[3 * t + 1], 400 * (c - cPrev), 1e-12, `400 Δc_${t}`);
      near(out.yExtra[5 * t], 100 * c, 1e-12, `100 c_${t}`);
      near(out.yExtra[5 * t + 1], (100 * (kNext - (1 - delta) * k)) / delta, 1e-10, `inv_${t}`);
      near(out.yExtra[5 * t + 3], 100 * k, 1e-12, `100 k_${t}`);
      cPrev = c;
      k = kNext;
    }
  }
  // The last entry is last period's consumption: alone, it moves only Δc_0.
  const only = rbcWorld.simulate(DEFAULT, eps, T, { x0: Float64Array.of(0, 0, 0, 0.01) });
  only.y.forEach((v, i) => near(v, i === 1 ? -4 : 0, 1e-12, `entry ${i}`));
});

Deno.test("rbcWorld IRFs are linear in the shock size", () => {
  for (const th of priorDraws(20, 700)) {
    for (const shock of [0, 1]) {
      const one = rbcWorld.computeIrf(th, shock, 1, 20);
      const two = rbcWorld.computeIrf(th, shock, 2, 20);
      const neg = rbcWorld.computeIrf(th, shock, -1, 20);
      for (let i = 0; i < one.length; i++) {
        near(two[i], 2 * one[i], 1e-12 * Math.max(1, Math.abs(one[i])), "IRF(2) = 2 IRF(1)");
        near(neg[i], -one[i], 1e-15, "IRF(-1) = -IRF(1)");
      }
    }
  }
});

Deno.test("rbcWorld simulate() starts at the steady state and responds to shocks", () => {
  const T = 50;
  const zero = rbcWorld.simulate(DEFAULT, new Float64Array(T * 2), T);
  assert.ok(zero.y.every((v) => v === 0));
  assert.equal(zero.yExtra?.length, T * 5);
  assert.deepEqual(rbcWorld.observables.extra, RBC_FULL_OBSERVABLES.slice(3));
  const eps = keyedStream(1, "rbc", 0, STREAM.EPS).fillNormal(new Float64Array(T * 2));
  const out = rbcWorld.simulate(DEFAULT, eps, T);
  assert.ok(out.y.some((v) => v !== 0));
  assert.ok(out.y.every(Number.isFinite));
  near(out.meta!.capital_root, solveRbc(DEFAULT).P, 0, "meta capital_root");
  assert.throws(() => rbcWorld.simulate(DEFAULT, eps, T + 1), RangeError);
});

Deno.test("rbcWorld draws stay inside the bounds and the solution is a saddle path", () => {
  const { bounds, names } = rbcWorld.params;
  for (const th of priorDraws(1500, 40000)) {
    assert.equal(th.length, names.length);
    th.forEach((v, i) => assert.ok(v >= bounds[i][0] && v <= bounds[i][1], `${names[i]} = ${v}`));
    assert.ok(rbcWorld.checkValidity(th));
    const s = solveRbc(th);
    assert.ok(s.P > 0 && s.P < 1, `P = ${s.P}`);
    assert.ok(Math.abs(s.unstableRoot) > 1, `unstable root ${s.unstableRoot}`);
  }
  // Defaults inside the bounds.
  rbcWorld.params.defaults.forEach((v, i) => assert.ok(v >= bounds[i][0] && v <= bounds[i][1]));
});

Deno.test("rbcWorld checkValidity() and solveRbc() reject malformed theta", () => {
  const bad = (i: number, v: number): Float64Array => {
    const th = DEFAULT.slice();
    th[i] = v;
    return th;
  };
  for (
    const th of [
      DEFAULT.slice(0, 8),
      bad(0, 1.01),
      bad(1, Number.NaN),
      bad(3, -1),
      bad(4, 0),
      bad(5, 1),
      bad(7, Infinity),
    ]
  ) {
    assert.equal(rbcWorld.checkValidity(th), false);
    assert.throws(() => solveRbc(th), RangeError);
  }
  assert.ok(rbcWorld.checkValidity(bad(3, Infinity)));
  assert.throws(() => rbcWorld.computeIrf(DEFAULT, 2, 1, 4), RangeError);
});

Deno.test("rbcWorld generateSample() is deterministic, seed-dependent and consistent", () => {
  const T = 40;
  const H = 10;
  const a = rbcWorld.generateSample(12345, T, H);
  const b = rbcWorld.generateSample(12345, T, H);
  const c = rbcWorld.generateSample(12346, T, H);
  for (const key of ["theta", "shocks", "trajectories", "irfs"] as const) {
    assert.deepEqual(new Uint8Array(a[key].buffer), new Uint8Array(b[key].buffer), key);
    assert.notDeepEqual(Array.from(a[key]), Array.from(c[key]), key);
  }
  assert.deepEqual(a.metadata, b.metadata);
  assert.equal(a.theta.length, 9);
  assert.equal(a.shocks.length, T * 2);
  assert.equal(a.trajectories.length, T * 3);
  assert.equal(a.irfs.length, 2 * (H + 1) * 3);
  // The pieces agree with the adapter's pure functions.
  assert.deepEqual(
    Array.from(a.trajectories),
    Array.from(rbcWorld.simulate(a.theta, a.shocks, T).y),
  );
  for (const k of [0, 1]) {
    const irf = rbcWorld.computeIrf(a.theta, k, rbcWorld.shocks.irfShockSize, H);
    assert.deepEqual(
      Array.from(a.irfs.subarray(k * irf.length, (k + 1) * irf.length)),
      Array.from(irf),
    );
  }
  const th = rbcWorld.sampleParameters(keyedStream(12345, "rbc", 0, STREAM.THETA)).theta;
  assert.deepEqual(Array.from(a.theta), Array.from(th));
  near(a.metadata.capital_root as number, solveRbc(a.theta).P, 0, "capital_root");
});

Deno.test("rbcWorld metadata match metadataFields(T, H)", () => {
  const fields = rbcWorld.metadataFields(20, 5);
  const names = fields.map((f) => f.name).sort();
  assert.deepEqual(names, ["capital_root", "n_rejections", "unstable_root"]);
  const s = rbcWorld.generateSample(7, 20, 5);
  assert.deepEqual(Object.keys(s.metadata).sort(), names);
  for (const f of fields) {
    assert.deepEqual(f.shape, []);
    assert.deepEqual(f.dims, []);
    const v = s.metadata[f.name];
    assert.equal(typeof v, "number", f.name);
    if (f.dtype === "int32") assert.ok(Number.isInteger(v) && (v as number) >= 0);
    else assert.equal(f.dtype, "float64");
  }
  assert.equal(s.metadata.n_rejections, s.nRejections);
  assert.ok((s.metadata.unstable_root as number) > 1);
});

Deno.test("rbcWorld splitStats() works from float32 theta and stored metadata", () => {
  const s = rbcWorld.generateSample(99, 10, 2);
  const stored = Float32Array.from(s.theta);
  const meta = { capital_root: s.metadata.capital_root as number };
  const st = rbcWorld.splitStats(stored, meta);
  assert.equal(st.slice, stored[5]);
  assert.equal(st.persistence, Math.max(meta.capital_root, stored[5], stored[7]));
  assert.equal(st.volatility, Math.max(stored[6], stored[8]) / 0.02);
  assert.ok(st.volatility > 0 && st.volatility <= 1);
  assert.throws(() => rbcWorld.splitStats(stored, {}), TypeError);
  // The slice holds 2.5-6% of the uniform prior mass of rho_a.
  const rule = rbcWorld.sliceRule;
  const idx = rbcWorld.params.names.indexOf(rule.statistic);
  const [lo, hi] = rbcWorld.params.bounds[idx];
  const mass = (hi - rule.threshold) / (hi - lo);
  assert.ok(mass > 0.025 && mass < 0.06, `slice mass ${mass}`);
});

Deno.test("rbcWorld manifests are consistent", () => {
  const p = rbcWorld.params;
  assert.equal(rbcWorld.id, "rbc");
  assert.deepEqual(p.names, [
    "beta",
    "alpha",
    "delta",
    "frisch",
    "gamma",
    "rho_a",
    "sigma_a",
    "rho_b",
    "sigma_b",
  ]);
  for (const arr of [p.units, p.bounds, p.defaults, p.priors]) assert.equal(arr.length, 9);
  p.priors.forEach((pr, i) => {
    assert.equal(pr.kind, "uniform");
    assert.deepEqual([pr.lo, pr.hi], [...p.bounds[i]]);
  });
  assert.deepEqual(rbcWorld.shocks.names, ["technology", "preference"]);
  assert.equal(rbcWorld.shocks.irfShockSize, 1);
  assert.deepEqual(rbcWorld.observables.canonical, ["output", "inflation", "rate"]);
});
