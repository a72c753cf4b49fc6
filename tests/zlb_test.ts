import assert from "node:assert/strict";
import { keyedStream, STREAM, type Xoshiro128 } from "../src/numeric/rng.ts";
import { luFactor, luSolve } from "../src/numeric/linalg.ts";
import { drawShocks } from "../src/simulators/_common.ts";
import { nkWorld, solveNk } from "../src/simulators/nk.ts";
import {
  ZLB_GUARD_MAX_ABS,
  ZLB_GUARD_MAX_SPELL,
  ZLB_HORIZON,
  zlbPath,
  zlbStressTest,
  zlbWorld,
} from "../src/simulators/zlb.ts";

const DEFAULTS = Float64Array.from(zlbWorld.params.defaults);

function withRss(theta: ArrayLike<number>, rss: number): Float64Array {
  const t = Float64Array.from(theta);
  t[12] = rss;
  return t;
}

/** A determinate draw from the zlb box (no stress filter). */
function drawBox(rng: Xoshiro128): Float64Array {
  return Float64Array.from(zlbWorld.params.bounds.map(([lo, hi]) => rng.uniform(lo, hi)));
}

function near(got: number, ref: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - ref) <= tol, `${what}: got ${got}, expected ${ref} (tol ${tol})`);
}

function scale(theta: ArrayLike<number>, k: number): number {
  return 100 * theta[9 + k];
}

/**
 * Independent dense stacked solve of the 3N equations of the perfect-foresight
 * path for a given binding set, with the MSV policy as terminal condition.
 */
function densePath(
  theta: ArrayLike<number>,
  state: ArrayLike<number>,
  binding: Uint8Array,
  n: number,
): { x: Float64Array; pi: Float64Array; i: Float64Array } {
  const [sigma, beta, kappa, phiPi, phiY, rhoI] = Array.from(theta);
  const sol = solveNk(theta);
  const floor = -theta[12] / 4;
  const dim = 3 * n;
  const a = new Float64Array(dim * dim);
  const b = new Float64Array(dim);
  const z = (j: number, h: number): number => state[j] * theta[6 + j] ** h;
  const X = (h: number) => 3 * h, P = (h: number) => 3 * h + 1, I = (h: number) => 3 * h + 2;
  for (let h = 0; h < n; h++) {
    // IS: x_h − x_{h+1} + (i_h − π_{h+1})/σ = r_h/σ
    let row = 3 * h;
    a[row * dim + X(h)] = 1;
    a[row * dim + I(h)] += 1 / sigma;
    b[row] = z(1, h) / sigma;
    if (h + 1 < n) {
      a[row * dim + X(h + 1)] = -1;
      a[row * dim + P(h + 1)] = -1 / sigma;
    } else {
      let gx = 0, gp = 0;
      for (let j = 0; j < 3; j++) {
        gx += sol.bx[j] * z(j, n);
        gp += sol.bpi[j] * z(j, n);
      }
      a[row * dim + I(h)] += -sol.ax - sol.api / sigma;
      b[row] += gx + gp / sigma;
    }
    // PC: π_h − β π_{h+1} − κ x_h = u_h
    row = 3 * h + 1;
    a[row * dim + P(h)] = 1;
    a[row * dim + X(h)] = -kappa;
    b[row] = z(2, h);
    if (h + 1 < n) {
      a[row * dim + P(h + 1)] = -beta;
    } else {
      let gp = 0;
      for (let j = 0; j < 3; j++) gp += sol.bpi[j] * z(j, n);
      a[row * dim + I(h)] += -beta * sol.api;
      b[row] += beta * gp;
    }
    // TR or floor
    row = 3 * h + 2;
    a[row * dim + I(h)] = 1;
    if (binding[h]) {
      b[row] = floor;
    } else {
      a[row * dim + P(h)] = -(1 - rhoI) * phiPi;
      a[row * dim + X(h)] = -(1 - rhoI) * phiY;
      b[row] = z(0, h);
      if (h > 0) a[row * dim + I(h - 1)] = -rhoI;
      else b[row] += rhoI * state[3];
    }
  }
  const v = luSolve(luFactor(a, dim), b);
  const x = new Float64Array(n), pi = new Float64Array(n), i = new Float64Array(n);
  for (let h = 0; h < n; h++) {
    x[h] = v[X(h)];
    pi[h] = v[P(h)];
    i[h] = v[I(h)];
  }
  return { x, pi, i };
}

/** Binding cases: theta and state, from the defaults and from the prior. */
function bindingCases(): { theta: Float64Array; state: number[]; label: string }[] {
  const cases = [
    { theta: withRss(DEFAULTS, 0.5), state: [0, -3 * scale(DEFAULTS, 1), 0, 0], label: "demand" },
    {
      theta: withRss(DEFAULTS, 1),
      state: [-0.75, -1.5, -0.75, 0],
      label: "joint",
    },
    { theta: withRss(DEFAULTS, 0.8), state: [0.1, -0.5, 0.2, -0.2], label: "trap exit" },
  ];
  for (let s = 0; cases.length < 8; s++) {
    const th = withRss(
      zlbWorld.sampleParameters(keyedStream(s, "zlb", 0, STREAM.THETA)).theta,
      0.6,
    );
    cases.push({
      theta: th,
      state: [-3 * scale(th, 0), -3 * scale(th, 1), -3 * scale(th, 2), 0],
      label: `prior ${s}`,
    });
  }
  return cases;
}

Deno.test("zlbPath() equals an independent dense stacked solve for its binding set", () => {
  let binding = 0;
  for (const c of bindingCases()) {
    const p = zlbPath(c.theta, c.state);
    assert.ok(p.converged, c.label);
    const nb = p.binding.reduce((s, v) => s + v, 0);
    if (nb > 0) binding++;
    const d = densePath(c.theta, c.state, p.binding, ZLB_HORIZON);
    for (let h = 0; h < ZLB_HORIZON; h++) {
      near(p.x[h], d.x[h], 1e-10, `${c.label} x[${h}]`);
      near(p.pi[h], d.pi[h], 1e-10, `${c.label} pi[${h}]`);
      near(p.i[h], d.i[h], 1e-10, `${c.label} i[${h}]`);
    }
  }
  assert.ok(binding >= 6, `binding cases: ${binding}`);
});

Deno.test("zlbPath() satisfies complementarity", () => {
  for (const c of bindingCases()) {
    const p = zlbPath(c.theta, c.state);
    for (let h = 0; h < ZLB_HORIZON; h++) {
      assert.ok(p.i[h] >= p.floor - 1e-12, `${c.label} i[${h}] below the floor`);
      if (p.binding[h]) {
        assert.equal(p.i[h], p.floor);
        assert.ok(p.shadow[h] <= p.floor, `${c.label} shadow[${h}] above the floor while binding`);
      } else {
        near(p.shadow[h], p.i[h], 1e-12, `${c.label} shadow = i off the binding set`);
      }
    }
  }
});

Deno.test("zlbWorld with the floor far away equals nkWorld", () => {
  const rng = keyedStream(21, "zlb-test", 0, STREAM.SPARE);
  const T = 120, H = 40;
  for (let draw = 0; draw < 30; draw++) {
    const th = withRss(drawBox(rng), 1e6);
    const nkTheta = th.slice(0, 12);
    for (let k = 0; k < 3; k++) {
      for (const size of [1, -1, 3]) {
        const a = zlbWorld.computeIrf(th, k, size, H);
        const b = nkWorld.computeIrf(nkTheta, k, size, H);
        for (let i = 0; i < a.length; i++) {
          near(a[i], b[i], 1e-12 * Math.max(1, Math.abs(b[i])), `irf ${k} ${size}`);
        }
      }
    }
    const eps = new Float64Array(T * 3);
    for (let i = 0; i < eps.length; i++) eps[i] = 3 * rng.nextNormal();
    const z = zlbWorld.simulate(th, eps, T);
    const n = nkWorld.simulate(nkTheta, eps, T);
    assert.ok(z.bindingFlags && z.yExtra);
    assert.equal(z.bindingFlags.reduce((s, v) => s + v, 0), 0);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < 3; j++) {
        near(z.y[3 * t + j], n.y[3 * t + j], 1e-12 * Math.max(1, Math.abs(n.y[3 * t + j])), "sim");
      }
      assert.equal(z.yExtra[2 * t], 1e6 + z.y[3 * t + 2]);
    }
    // The path solver itself (no binding) reproduces the nk policy.
    const p = zlbPath(th, [1, -2, 0.5, 0.3]);
    assert.equal(p.iterations, 0);
    const sol = solveNk(th);
    near(p.i[0], sol.bi[0] - 2 * sol.bi[1] + 0.5 * sol.bi[2] + 0.3 * sol.omega, 1e-12, "i0");
  }
});

Deno.test("zlbWorld and nkWorld read x0 alike: with the floor out of reach the same x0 gives the same path", () => {
  const rng = keyedStream(22, "zlb-test", 0, STREAM.SPARE);
  const T = 60, H = 20;
  let smoothed = 0;
  for (let draw = 0; draw < 30; draw++) {
    const th = withRss(drawBox(rng), 1e6);
    if (draw < 3) th[5] = 0; // no smoothing: ω = 0
    if (th[5] > 0) smoothed++;
    const nkTheta = th.slice(0, 12);
    // x0 = [m_{−1}, r^n_{−1}, u_{−1}, i_{−1}], every entry nonzero.
    const x0 = Float64Array.of(
      rng.uniform(-1, 1),
      rng.uniform(-2, 2),
      rng.uniform(-1, 1),
      rng.uniform(0.2, 1) * (draw % 2 ? 1 : -1),
    );
    for (const scaleEps of [0, 0.5]) {
      const eps = new Float64Array(T * 3);
      for (let i = 0; i < eps.length; i++) eps[i] = scaleEps * rng.nextNormal();
      const z = zlbWorld.simulate(th, eps, T, { x0 });
      const n = nkWorld.simulate(nkTheta, eps, T, { x0 });
      assert.ok(z.bindingFlags);
      assert.equal(z.bindingFlags.reduce((s, v) => s + v, 0), 0);
      for (let k = 0; k < z.y.length; k++) {
        near(z.y[k], n.y[k], 1e-12 * Math.max(1, Math.abs(n.y[k])), `draw ${draw} entry ${k}`);
      }
      // Last period's rate enters period 0 once: i_0 = ω i_{−1} + c·z_0.
      const sol = solveNk(th);
      const z0 = [0, 1, 2].map((j) => sol.rho[j] * x0[j] + sol.scale[j] * eps[j]);
      const i0 = sol.omega * x0[3] + sol.bi[0] * z0[0] + sol.bi[1] * z0[1] + sol.bi[2] * z0[2];
      near(n.y[2], 4 * i0, 1e-12 * Math.max(1, Math.abs(4 * i0)), `draw ${draw} i_0`);
    }
    // And the IRF from that x0 is nk's (which does not depend on x0).
    for (let k = 0; k < 3; k++) {
      const a = zlbWorld.computeIrf(th, k, -1, H, { x0 });
      const b = nkWorld.computeIrf(nkTheta, k, -1, H);
      for (let i = 0; i < a.length; i++) {
        near(a[i], b[i], 1e-12 * Math.max(1, Math.abs(b[i])), `draw ${draw} irf ${k}`);
      }
    }
  }
  assert.ok(smoothed > 20, `draws with smoothing: ${smoothed}`);
});

Deno.test("zlbWorld +1 shocks that stay above the floor equal nkWorld", () => {
  let compared = 0;
  for (let s = 0; s < 150; s++) {
    const th = zlbWorld.sampleParameters(keyedStream(s, "zlb", 0, STREAM.THETA)).theta;
    for (let k = 0; k < 3; k++) {
      const lin = nkWorld.computeIrf(th.slice(0, 12), k, 1, 200);
      let above = true;
      for (let h = 0; h <= 200; h++) if (lin[3 * h + 2] < -th[12]) above = false;
      if (!above) continue;
      compared++;
      const irf = zlbWorld.computeIrf(th, k, 1, 40);
      for (let i = 0; i < irf.length; i++) {
        near(irf[i], lin[i], 1e-12 * Math.max(1, Math.abs(lin[i])), `seed ${s} shock ${k}`);
      }
    }
  }
  assert.ok(compared > 400, `compared ${compared}`);
});

Deno.test("zlbWorld IRF equals the period-0 perfect-foresight path (time consistency)", () => {
  for (const c of bindingCases()) {
    const th = c.theta;
    const H = 40;
    // From x0 = [0, 0, 0, i_{−1}] (the state of period −1), shocks (in s.d.) that produce
    // c.state's z_0.
    const x0 = new Float64Array([0, 0, 0, c.state[3]]);
    const eps = new Float64Array((H + 1) * 3);
    for (let j = 0; j < 3; j++) eps[j] = c.state[j] / scale(th, j);
    const sim = zlbWorld.simulate(th, eps, H + 1, { x0 });
    const p = zlbPath(th, c.state);
    for (let h = 0; h <= H; h++) {
      near(sim.y[3 * h], p.x[h], 1e-10, `${c.label} x[${h}]`);
      near(sim.y[3 * h + 1], 4 * p.pi[h], 1e-10, `${c.label} pi[${h}]`);
      near(sim.y[3 * h + 2], 4 * p.i[h], 1e-10, `${c.label} i[${h}]`);
      assert.equal(sim.bindingFlags?.[h], p.binding[h]);
    }
  }
});

Deno.test("zlbWorld period solves (fast path, early exit) agree with the full path solver", () => {
  const rng = keyedStream(23, "zlb-test", 0, STREAM.SPARE);
  let delayed = 0, impact = 0;
  for (let draw = 0; draw < 400; draw++) {
    const th = zlbWorld.sampleParameters(rng).theta;
    th[12] = rng.uniform(0.5, 1.5);
    const eps = new Float64Array(3);
    for (let j = 0; j < 3; j++) eps[j] = 2 * rng.nextNormal();
    const iPrev = rng.uniform(-th[12] / 4, 0.5);
    const sim = zlbWorld.simulate(th, eps, 1, { x0: new Float64Array([0, 0, 0, iPrev]) });
    const p = zlbPath(th, [
      eps[0] * scale(th, 0),
      eps[1] * scale(th, 1),
      eps[2] * scale(th, 2),
      iPrev,
    ]);
    near(sim.y[0], p.x[0], 1e-12, `draw ${draw} x`);
    near(sim.y[1], 4 * p.pi[0], 1e-12, `draw ${draw} pi`);
    near(sim.y[2], 4 * p.i[0], 1e-12, `draw ${draw} i`);
    assert.equal(sim.bindingFlags?.[0], p.binding[0]);
    if (p.binding[0]) impact++;
    else if (p.binding.some((b) => b === 1)) delayed++;
  }
  assert.ok(delayed >= 4 && impact > 50, `delayed ${delayed}, impact ${impact}`);
});

Deno.test("zlbWorld reproduces the binding reference cases and amplifies", () => {
  // Reference cases from the team's Python OccBin solver (2 decimals).
  // zlb defaults, r_ss = 0.5, −2 s.d. demand: x0 = −6.87 vs −2.72 linear.
  const th = withRss(DEFAULTS, 0.5);
  const zlb = zlbWorld.computeIrf(th, 1, -2, 8);
  const lin = nkWorld.computeIrf(th.slice(0, 12), 1, -2, 8);
  near(zlb[0], -6.87, 0.005, "zlb x0");
  near(lin[0], -2.72, 0.005, "linear x0");
  assert.equal(zlb[2], -0.5);
  // nk defaults with r_ss = 0.5, −3 s.d. demand, binding in quarters 0–2.
  const nkDef = Float64Array.from([...nkWorld.params.defaults, 0.5]);
  const ref = [[-5.61, -3.58, -0.5], [-2.39, -1.35, -0.5], [-0.92, -0.40, -0.5]];
  const irf = zlbWorld.computeIrf(nkDef, 1, -3, 4);
  for (let h = 0; h < 3; h++) {
    for (let j = 0; j < 3; j++) near(irf[3 * h + j], ref[h][j], 0.005, `nk defaults h=${h} j=${j}`);
  }
  assert.ok(irf[3 * 3 + 2] > -0.5, "the spell ends after quarter 2");
  // Qualitative: a binding adverse demand shock always lowers output by more than nk.
  let binding = 0;
  for (let s = 0; s < 300; s++) {
    const t = zlbWorld.sampleParameters(keyedStream(s, "zlb", 0, STREAM.THETA)).theta;
    const a = zlbWorld.computeIrf(t, 1, -3, 0);
    if (a[2] !== -t[12]) continue;
    binding++;
    const b = nkWorld.computeIrf(t.slice(0, 12), 1, -3, 0);
    assert.ok(a[0] < b[0] && a[1] < b[1], `seed ${s}: zlb ${a[0]} vs nk ${b[0]}`);
  }
  assert.ok(binding > 30, `binding draws ${binding}`);
});

Deno.test("zlbWorld responses are asymmetric when the floor binds", () => {
  // Reference case (Python OccBin solver): zlb defaults at r_ss = 1, demand ±2 s.d.:
  // IRF(+) + IRF(−) at h = 0.
  const th = withRss(DEFAULTS, 1);
  const up = zlbWorld.computeIrf(th, 1, 2, 4);
  const down = zlbWorld.computeIrf(th, 1, -2, 4);
  const ref = [-1.25, -1.56, 0.06];
  for (let j = 0; j < 3; j++) near(up[j] + down[j], ref[j], 0.01, `asymmetry j=${j}`);
  // Without binding (±1) the responses are symmetric.
  const u1 = zlbWorld.computeIrf(th, 1, 1, 4);
  const d1 = zlbWorld.computeIrf(th, 1, -1, 4);
  for (let i = 0; i < u1.length; i++) near(u1[i] + d1[i], 0, 1e-12, "symmetric");
});

Deno.test("zlbWorld IRF from a liquidity-trap x0 is shocked minus baseline", () => {
  const th = withRss(DEFAULTS, 0.75);
  const H = 12;
  // The state one period after a −2 s.d. demand shock.
  const first = zlbWorld.simulate(th, new Float64Array([0, -2, 0]), 1);
  const x0 = new Float64Array([0, -2 * scale(th, 1), 0, first.y[2] / 4]);
  assert.equal(first.bindingFlags?.[0], 1);
  for (let k = 0; k < 3; k++) {
    const irf = zlbWorld.computeIrf(th, k, -1, H, { x0 });
    const eps = new Float64Array((H + 1) * 3);
    const base = zlbWorld.simulate(th, eps, H + 1, { x0 }).y;
    eps[k] = -1;
    const shocked = zlbWorld.simulate(th, eps, H + 1, { x0 }).y;
    for (let i = 0; i < irf.length; i++) assert.equal(irf[i], shocked[i] - base[i]);
    assert.ok(base.some((v) => v !== 0));
  }
});

Deno.test("zlbWorld trajectories respect the floor and their metadata", () => {
  const T = 200, H = 40;
  let binding = 0;
  for (let s = 0; s < 60; s++) {
    const r = zlbWorld.generateSample(s, T, H);
    const rss = r.theta[12];
    const flags = r.metadata.binding_flags as Uint8Array;
    let nb = 0, spell = 0, maxSpell = 0;
    for (let t = 0; t < T; t++) {
      const rate = r.trajectories[3 * t + 2];
      assert.ok(rate >= -rss, `seed ${s} t ${t}: rate ${rate} below -r_ss ${-rss}`);
      if (flags[t]) assert.equal(rate, -rss);
      nb += flags[t];
      spell = flags[t] ? spell + 1 : 0;
      maxSpell = Math.max(maxSpell, spell);
      for (let j = 0; j < 3; j++) {
        assert.ok(Math.abs(r.trajectories[3 * t + j]) <= ZLB_GUARD_MAX_ABS);
      }
    }
    binding += nb;
    assert.equal(r.metadata.binding_fraction, nb / T);
    assert.equal(r.metadata.max_spell, maxSpell);
    assert.ok(maxSpell <= ZLB_GUARD_MAX_SPELL);
    // The stored trajectory is simulate() of the stored theta and shocks.
    const sim = zlbWorld.simulate(r.theta, r.shocks, T);
    assert.deepEqual(Array.from(sim.y), Array.from(r.trajectories));
    assert.deepEqual(Array.from(sim.bindingFlags ?? []), Array.from(flags));
    assert.ok(sim.yExtra);
    for (let t = 0; t < T; t++) {
      const level = sim.yExtra[2 * t], shadow = sim.yExtra[2 * t + 1];
      assert.ok(level >= -1e-12);
      if (flags[t]) assert.ok(shadow <= level);
      else near(shadow, level, 1e-10, "shadow = rate off the floor");
    }
    // IRFs: shock size −1 from the steady state, flags where the rate is at the floor.
    const irfFlags = r.metadata.irf_binding_flags as Uint8Array;
    for (let k = 0; k < 3; k++) {
      const irf = zlbWorld.computeIrf(r.theta, k, -1, H);
      assert.deepEqual(
        Array.from(r.irfs.subarray(k * 3 * (H + 1), (k + 1) * 3 * (H + 1))),
        Array.from(irf),
      );
      for (let h = 0; h <= H; h++) {
        assert.equal(
          irfFlags[k * (H + 1) + h] === 1,
          irf[3 * h + 2] === -rss,
          `irf flag ${k} ${h}`,
        );
      }
    }
  }
  assert.ok(binding > 0);
});

Deno.test("zlbWorld guard redraws from the next attempt's streams", () => {
  const T = 200, H = 40;
  let found = 0;
  for (let s = 0; s < 400 && found < 3; s++) {
    const r = zlbWorld.generateSample(s, T, H);
    const g = r.metadata.n_guard_redraws as number;
    if (g === 0) continue;
    found++;
    const th = zlbWorld.sampleParameters(keyedStream(s, "zlb", g, STREAM.THETA)).theta;
    assert.deepEqual(Array.from(r.theta), Array.from(th));
    assert.deepEqual(Array.from(r.shocks), Array.from(drawShocks(s, "zlb", g, T, 3)));
    // Attempt 0 really trips the guard (trajectory or IRFs).
    const th0 = zlbWorld.sampleParameters(keyedStream(s, "zlb", 0, STREAM.THETA)).theta;
    const sim = zlbWorld.simulate(th0, drawShocks(s, "zlb", 0, T, 3), T);
    const meta = sim.meta ?? {};
    let irfMax = 0;
    for (let k = 0; k < 3; k++) {
      for (const v of zlbWorld.computeIrf(th0, k, -1, H)) irfMax = Math.max(irfMax, Math.abs(v));
    }
    assert.ok(
      meta.occbin_failures > 0 || meta.max_spell > ZLB_GUARD_MAX_SPELL ||
        meta.max_abs_y > ZLB_GUARD_MAX_ABS || irfMax > ZLB_GUARD_MAX_ABS,
      `seed ${s}: attempt 0 should violate the guard`,
    );
    assert.ok(r.nRejections >= g);
    assert.equal(r.metadata.n_rejections, r.nRejections);
  }
  assert.ok(found > 0, "no guard redraw in 400 seeds");
});

Deno.test("zlbWorld stress filter and guard rates stay small", () => {
  const n = 300;
  let thetaRejections = 0, guard = 0, binding = 0;
  for (let s = 0; s < n; s++) {
    const r = zlbWorld.generateSample(10_000 + s, 200, 40);
    const g = r.metadata.n_guard_redraws as number;
    guard += g;
    thetaRejections += r.nRejections - g;
    binding += r.metadata.binding_fraction as number;
  }
  // Measured: about 7% of samples need a theta redraw, 1.5% a guard redraw.
  assert.ok(thetaRejections / n < 0.2, `theta rejections per sample ${thetaRejections / n}`);
  assert.ok(guard / n < 0.05, `guard redraws per sample ${guard / n}`);
  assert.ok(binding / n > 0.08 && binding / n < 0.25, `mean binding fraction ${binding / n}`);
});

Deno.test("zlbStressTest() applies the four −3 s.d. scenarios", () => {
  const rng = keyedStream(22, "zlb-test", 0, STREAM.SPARE);
  let accepted = 0, rejected = 0;
  for (let draw = 0; draw < 200; draw++) {
    const th = drawBox(rng);
    let ok = true;
    for (let k = 0; k < 4; k++) {
      const state = [0, 1, 2].map((j) => (k === j || k === 3 ? -3 * scale(th, j) : 0));
      const p = zlbPath(th, [...state, 0]);
      const nb = p.binding.reduce((s, v) => s + v, 0);
      if (!p.converged || nb > 12) ok = false;
      for (let h = 0; h < ZLB_HORIZON; h++) {
        if (Math.abs(p.x[h]) > 25 || Math.abs(4 * p.pi[h]) > 25) ok = false;
      }
    }
    assert.equal(zlbStressTest(th), ok, `draw ${draw}`);
    assert.equal(zlbWorld.checkValidity(th), ok);
    if (ok) accepted++;
    else rejected++;
  }
  assert.ok(accepted > 150 && rejected > 0, `accepted ${accepted}, rejected ${rejected}`);
  assert.ok(zlbStressTest(DEFAULTS));
});

Deno.test("zlbWorld.generateSample() is deterministic and seed-dependent", () => {
  const a = zlbWorld.generateSample(77, 80, 12);
  const b = zlbWorld.generateSample(77, 80, 12);
  const c = zlbWorld.generateSample(78, 80, 12);
  for (const key of ["theta", "shocks", "trajectories", "irfs"] as const) {
    assert.deepEqual(new Uint8Array(a[key].buffer), new Uint8Array(b[key].buffer));
    assert.notDeepEqual(Array.from(a[key]), Array.from(c[key]));
  }
  assert.deepEqual(a.metadata, b.metadata);
});

Deno.test("zlbWorld draws stay inside the bounds and pass the stress filter", () => {
  const { bounds } = zlbWorld.params;
  for (let s = 0; s < 1000; s++) {
    const { theta } = zlbWorld.sampleParameters(keyedStream(s, "zlb", 0, STREAM.THETA));
    assert.equal(theta.length, 13);
    theta.forEach((v, i) => assert.ok(v >= bounds[i][0] && v <= bounds[i][1], `${s}/${i}: ${v}`));
    if (s % 10 === 0) assert.ok(zlbStressTest(theta));
  }
});

Deno.test("zlbWorld metadata matches metadataFields and the split statistics", () => {
  const T = 50, H = 7;
  const fields = zlbWorld.metadataFields(T, H);
  const s = zlbWorld.generateSample(9, T, H);
  assert.deepEqual(Object.keys(s.metadata).sort(), fields.map((f) => f.name).sort());
  for (const f of fields) {
    const v = s.metadata[f.name];
    const size = f.shape.reduce((p, d) => p * d, 1);
    assert.equal(f.dims.length, f.shape.length);
    if (f.shape.length === 0) assert.equal(typeof v, "number", f.name);
    else {
      assert.ok(v instanceof Uint8Array, f.name);
      assert.equal(f.dtype, "uint8");
      assert.equal((v as Uint8Array).length, size);
    }
  }
  for (const name of ["binding_flags", "binding_fraction", "max_spell", "irf_binding_flags"]) {
    assert.ok(fields.some((f) => f.name === name), name);
  }
  for (const name of ["occbin_max_iter", "n_rejections", "omega", "taylor_margin"]) {
    assert.ok(fields.some((f) => f.name === name), name);
  }
  assert.deepEqual(fields.find((f) => f.name === "irf_binding_flags")?.shape, [3, H + 1]);
  assert.equal(fields.find((f) => f.name === "n_rejections")?.dtype, "int32");
  const stored = Float32Array.from(s.theta);
  const st = zlbWorld.splitStats(stored, s.metadata as Record<string, number>);
  assert.equal(st.slice, stored[12]);
  assert.equal(zlbWorld.sliceRule.op, "<");
  assert.equal(
    st.persistence,
    Math.max(s.metadata.omega as number, stored[6], stored[7], stored[8]),
  );
  assert.ok(st.volatility > 0 && st.volatility <= 1);
  assert.equal(zlbWorld.shocks.irfShockSize, -1);
});

Deno.test("zlbWorld rejects malformed input", () => {
  assert.throws(() => zlbWorld.computeIrf(DEFAULTS, 3, -1, 4), RangeError);
  assert.throws(() => zlbWorld.computeIrf(DEFAULTS.slice(0, 12), 0, -1, 4), RangeError);
  assert.throws(() => zlbWorld.simulate(DEFAULTS, new Float64Array(5), 2), RangeError);
  assert.throws(() => zlbPath(DEFAULTS, [0, 0, 0]), RangeError);
  assert.throws(() => zlbPath(withRss(DEFAULTS, 0), [0, 0, 0, 0]), RangeError);
  const passive = DEFAULTS.slice();
  passive[3] = 0.9;
  passive[4] = 0;
  assert.equal(zlbWorld.checkValidity(passive), false);
  assert.throws(() => zlbPath(passive, [0, 0, 0, 0]), RangeError);
});
