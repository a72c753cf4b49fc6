import assert from "node:assert/strict";
import { keyedStream } from "../src/numeric/rng.ts";
import type { SliceRule, SplitStats } from "../src/simulators/types.ts";
import {
  buildSplits,
  checkSplits,
  CORNER_SPLIT,
  empiricalQuantile,
  inSlice,
  largestRemainder,
  parseSplitsJson,
  SLICE_SPLIT,
  type SplitInfo,
  splitsToJson,
} from "../src/splits.ts";

const RULE: SliceRule = {
  statistic: "spectral_radius",
  op: ">",
  threshold: 0.95,
  description: "rho > 0.95",
};

/** Independent pseudo-random statistics (a different stream from the split shuffle). */
function makeStats(n: number, seed = 7): SplitStats[] {
  const rng = keyedStream(seed, "test-stats", 0, 0);
  return Array.from({ length: n }, () => ({
    slice: rng.nextFloat64(),
    persistence: rng.nextFloat64(),
    volatility: rng.nextNormal(),
  }));
}

/** Sample -> split name, asserting every sample is in exactly one split. */
function ownerOf(indices: Record<string, Uint32Array>, n: number): string[] {
  const owner = new Array<string | undefined>(n);
  for (const [name, list] of Object.entries(indices)) {
    for (const i of list) {
      assert.ok(i < n, `${name} has out-of-range index ${i}`);
      assert.equal(owner[i], undefined, `sample ${i} is in ${owner[i]} and ${name}`);
      owner[i] = name;
    }
  }
  owner.forEach((o, i) => assert.notEqual(o, undefined, `sample ${i} is in no split`));
  return owner as string[];
}

/** Plain sort-based type-7 quantile, written independently of the library. */
function naiveQuantile(values: number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, x.length - 1);
  return x[lo] + (h - lo) * (x[hi] - x[lo]);
}

Deno.test("buildSplits() returns disjoint, covering, sorted splits", () => {
  const n = 3000;
  const stats = makeStats(n);
  const { indices, info } = buildSplits(stats, RULE, { seed: 42 });
  assert.deepEqual(Object.keys(indices), [
    "train",
    "val",
    "test_interpolation",
    SLICE_SPLIT,
    CORNER_SPLIT,
  ]);
  ownerOf(indices, n);
  for (const [name, list] of Object.entries(indices)) {
    assert.ok(list instanceof Uint32Array);
    for (let p = 1; p < list.length; p++) assert.ok(list[p - 1] < list[p], `${name} not sorted`);
    assert.equal(info.sizes[name], list.length);
    assert.equal(info.realizedFractions[name], list.length / n);
  }
  assert.equal(Object.values(info.sizes).reduce((s, v) => s + v, 0), n);
});

Deno.test("buildSplits() puts every slice member in test_extrapolation_slice and nothing else", () => {
  const n = 3000;
  const stats = makeStats(n);
  const { indices } = buildSplits(stats, RULE, { seed: 1 });
  const expected = stats.flatMap((s, i) => s.slice > 0.95 ? [i] : []);
  assert.ok(expected.length > 100, "the fixture must have a non-trivial slice");
  assert.deepEqual(Array.from(indices[SLICE_SPLIT]), expected);
  const lessRule: SliceRule = { ...RULE, op: "<", threshold: 0.1 };
  const low = buildSplits(stats, lessRule, { seed: 1 });
  assert.deepEqual(
    Array.from(low.indices[SLICE_SPLIT]),
    stats.flatMap((s, i) => s.slice < 0.1 ? [i] : []),
  );
});

Deno.test("buildSplits() corner: thresholds are quantiles of the non-slice samples", () => {
  const n = 4000;
  const stats = makeStats(n);
  const { indices, info } = buildSplits(stats, RULE, { seed: 3, cornerQuantile: 0.8 });
  const rest = stats.filter((s) => !(s.slice > 0.95));
  const qp = naiveQuantile(rest.map((s) => s.persistence), 0.8);
  const qv = naiveQuantile(rest.map((s) => s.volatility), 0.8);
  assert.ok(Math.abs(info.persistenceThreshold! - qp) <= 1e-12);
  assert.ok(Math.abs(info.volatilityThreshold! - qv) <= 1e-12);
  const expected = stats.flatMap((s, i) =>
    !(s.slice > 0.95) && s.persistence >= qp && s.volatility >= qv ? [i] : []
  );
  assert.deepEqual(Array.from(indices[CORNER_SPLIT]), expected);
  // Independent statistics: about (1 - 0.8)^2 = 4% of the rest.
  const share = expected.length / rest.length;
  assert.ok(share > 0.025 && share < 0.055, `corner share ${share}`);
});

Deno.test("buildSplits() keeps every slice and corner member out of train and val", () => {
  const stats = makeStats(2000, 11);
  const { indices, info } = buildSplits(stats, RULE, { seed: 9 });
  for (const name of ["train", "val", "test_interpolation"]) {
    for (const i of indices[name]) {
      const s = stats[i];
      assert.ok(!inSlice(s.slice, RULE), `slice member ${i} in ${name}`);
      assert.ok(
        !(s.persistence >= info.persistenceThreshold! && s.volatility >= info.volatilityThreshold!),
        `corner member ${i} in ${name}`,
      );
    }
  }
});

Deno.test("buildSplits() random sizes follow the fractions by largest remainder", () => {
  const stats = makeStats(2500, 5);
  const fractions = { train: 0.7, val: 0.2, test_interpolation: 0.1 };
  const { indices } = buildSplits(stats, RULE, { seed: 2, fractions });
  const pool = indices.train.length + indices.val.length + indices.test_interpolation.length;
  for (const [name, f] of Object.entries(fractions)) {
    const quota = f * pool;
    assert.ok(Math.abs(indices[name].length - quota) < 1, `${name}: ${indices[name].length}`);
  }
  // The shuffle spreads every split over the whole index range.
  const mean = indices.val.reduce((s, i) => s + i, 0) / indices.val.length;
  assert.ok(Math.abs(mean - 1250) < 120, `mean val index ${mean}`);
});

Deno.test("buildSplits() is deterministic and does not modify its input", () => {
  const stats = makeStats(1000);
  const copy = structuredClone(stats);
  const a = buildSplits(stats, RULE, { seed: 123 });
  const b = buildSplits(stats, RULE, { seed: 123 });
  assert.deepEqual(a, b);
  assert.deepEqual(stats, copy);
});

Deno.test("buildSplits() with different seeds changes the random splits only", () => {
  const stats = makeStats(1000);
  const a = buildSplits(stats, RULE, { seed: 1 });
  const b = buildSplits(stats, RULE, { seed: 2 });
  assert.notDeepEqual(a.indices.train, b.indices.train);
  assert.equal(a.indices.train.length, b.indices.train.length);
  assert.deepEqual(a.indices[SLICE_SPLIT], b.indices[SLICE_SPLIT]);
  assert.deepEqual(a.indices[CORNER_SPLIT], b.indices[CORNER_SPLIT]);
  const setB = new Set(b.indices.train);
  const shared = a.indices.train.filter((i) => setB.has(i)).length / a.indices.train.length;
  // Two independent 80% subsets of the pool share about 80% of their members.
  assert.ok(shared > 0.75 && shared < 0.85, `overlap ${shared}`);
});

Deno.test("buildSplits() edge cases: one sample, all in the slice", () => {
  const one = buildSplits([{ slice: 0.5, persistence: 1, volatility: 2 }], RULE, { seed: 0 });
  ownerOf(one.indices, 1);
  // A lone non-slice sample is its own quantile, hence in the corner.
  assert.deepEqual(Array.from(one.indices[CORNER_SPLIT]), [0]);
  assert.equal(one.info.persistenceThreshold, 1);
  const oneSlice = buildSplits([{ slice: 0.99, persistence: 1, volatility: 2 }], RULE, { seed: 0 });
  assert.deepEqual(Array.from(oneSlice.indices[SLICE_SPLIT]), [0]);

  const all = makeStats(50).map((s) => ({ ...s, slice: 0.96 + s.slice / 100 }));
  const res = buildSplits(all, RULE, { seed: 0 });
  assert.equal(res.indices[SLICE_SPLIT].length, 50);
  assert.equal(res.info.persistenceThreshold, null);
  assert.equal(res.info.volatilityThreshold, null);
  for (const name of ["train", "val", "test_interpolation", CORNER_SPLIT]) {
    assert.equal(res.indices[name].length, 0);
  }
  assert.deepEqual(checkSplits(res.indices, { stats: all, sliceRule: RULE, info: res.info }), []);
});

Deno.test("buildSplits() rejects bad input with clear errors", () => {
  assert.throws(() => buildSplits([], RULE, { seed: 0 }), /no samples/);
  const stats = makeStats(10);
  stats[4] = { ...stats[4], volatility: Number.NaN };
  assert.throws(() => buildSplits(stats, RULE, { seed: 0 }), /sample 4 are not finite/);
  const good = makeStats(10);
  assert.throws(() => buildSplits(good, RULE, { seed: -1 }), RangeError);
  assert.throws(
    () => buildSplits(good, RULE, { seed: 0, fractions: { train: 0.8, val: 0.1 } }),
    /sum to 1/,
  );
  assert.throws(
    () => buildSplits(good, RULE, { seed: 0, fractions: { train: 1.2, val: -0.2 } }),
    /\[0, 1\]/,
  );
  assert.throws(
    () =>
      buildSplits(good, RULE, {
        seed: 0,
        fractions: { train: 0.5, test_extrapolation_slice: 0.5 },
      }),
    /holdout/,
  );
  assert.throws(() => buildSplits(good, RULE, { seed: 0, cornerQuantile: 1.5 }), RangeError);
});

Deno.test("empiricalQuantile() matches numpy.quantile bit for bit", () => {
  // Oracle: numpy 2.4.6, np.quantile([0.1, 0.7, 0.3, 0.9, 0.2, 0.55, 0.31], p) (method "linear").
  const xs = [0.1, 0.7, 0.3, 0.9, 0.2, 0.55, 0.31];
  const oracle: [number, number][] = [
    [0, 0.1],
    [0.1, 0.16000000000000003],
    [0.5, 0.31],
    [0.85, 0.7199999999999999],
    [0.9, 0.78],
    [1, 0.9],
  ];
  for (const [p, q] of oracle) assert.equal(empiricalQuantile(xs, p), q, `p = ${p}`);
  assert.throws(() => empiricalQuantile([], 0.5), RangeError);
  assert.throws(() => empiricalQuantile([1], 1.1), RangeError);
});

Deno.test("largestRemainder() gives sizes within one of the quota, summing to the total", () => {
  assert.deepEqual(largestRemainder(10, [0.8, 0.1, 0.1]), [8, 1, 1]);
  assert.deepEqual(largestRemainder(1, [0.8, 0.1, 0.1]), [1, 0, 0]);
  assert.deepEqual(largestRemainder(0, [0.8, 0.1, 0.1]), [0, 0, 0]);
  assert.deepEqual(largestRemainder(3, [1 / 3, 1 / 3, 1 / 3]), [1, 1, 1]);
  // Ties go to the earlier entry: 2 items over 3 equal shares.
  assert.deepEqual(largestRemainder(2, [1 / 3, 1 / 3, 1 / 3]), [1, 1, 0]);
  const rng = keyedStream(1, "test-lr", 0, 0);
  for (let trial = 0; trial < 200; trial++) {
    const k = rng.integer(1, 6);
    const w = Array.from({ length: k }, () => rng.nextFloat64());
    const sum = w.reduce((s, v) => s + v, 0);
    const total = rng.integer(0, 100_000);
    const sizes = largestRemainder(total, w);
    assert.equal(sizes.reduce((s, v) => s + v, 0), total);
    sizes.forEach((s, i) => assert.ok(Math.abs(s - (w[i] / sum) * total) < 1));
  }
});

interface Fixture {
  stats: SplitStats[];
  indices: Record<string, Uint32Array>;
  info: SplitInfo;
}

function fixture(): Fixture {
  const stats = makeStats(600, 21);
  const { indices, info } = buildSplits(stats, RULE, { seed: 77 });
  return { stats, indices, info };
}

function check(
  f: Fixture,
  indices: Record<string, ArrayLike<number>>,
  info: SplitInfo = f.info,
): { path: string; message: string }[] {
  return checkSplits(indices, { stats: f.stats, sliceRule: RULE, info });
}

function sorted(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

Deno.test("checkSplits() accepts the splits it was given", () => {
  const f = fixture();
  assert.deepEqual(check(f, f.indices), []);
  assert.deepEqual(check(f, parseSplitsJson(splitsToJson(f.indices))), []);
});

Deno.test("checkSplits() catches slice and corner leakage into train and val", () => {
  const f = fixture();
  const sliceMember = f.indices[SLICE_SPLIT][0];
  const leak = {
    ...f.indices,
    train: sorted([...f.indices.train, sliceMember]),
    [SLICE_SPLIT]: f.indices[SLICE_SPLIT].slice(1),
  };
  const v1 = check(f, leak);
  assert.ok(
    v1.some((v) =>
      v.path === "/train" && v.message.includes("satisfy the slice rule") &&
      v.message.includes(String(sliceMember))
    ),
    JSON.stringify(v1),
  );
  const cornerMember = f.indices[CORNER_SPLIT][0];
  const leak2 = {
    ...f.indices,
    val: sorted([...f.indices.val, cornerMember]),
    [CORNER_SPLIT]: f.indices[CORNER_SPLIT].slice(1),
  };
  const v2 = check(f, leak2);
  assert.ok(v2.some((v) => v.path === "/val" && v.message.includes("corner holdout")));
  assert.ok(v2.some((v) => v.path === "/info/sizes/test_extrapolation_corner"));
});

Deno.test("checkSplits() catches non-members inside the holdouts", () => {
  const f = fixture();
  const intruder = f.indices.train[0];
  const bad = {
    ...f.indices,
    train: f.indices.train.slice(1),
    [SLICE_SPLIT]: sorted([...f.indices[SLICE_SPLIT], intruder]),
  };
  const v = check(f, bad);
  assert.ok(
    v.some((x) =>
      x.path === "/test_extrapolation_slice" && /do not satisfy the slice rule/.test(x.message)
    ),
  );
  const bad2 = {
    ...f.indices,
    train: f.indices.train.slice(1),
    [CORNER_SPLIT]: sorted([...f.indices[CORNER_SPLIT], intruder]),
  };
  assert.ok(
    check(f, bad2).some((x) =>
      x.path === "/test_extrapolation_corner" && /not in the corner/.test(x.message)
    ),
  );
});

Deno.test("checkSplits() catches overlap, missing, out-of-range, unsorted and non-integer indices", () => {
  const f = fixture();
  const dup = f.indices.train[5];
  const overlap = check(f, { ...f.indices, val: sorted([...f.indices.val, dup]) });
  assert.ok(
    overlap.some((v) => /also in train/.test(v.message) && v.message.includes(String(dup))),
  );

  const lost = f.indices.val[0];
  const missing = check(f, { ...f.indices, val: f.indices.val.slice(1) });
  assert.ok(missing.some((v) => v.path === "" && /1 samples are in no split: \d+/.test(v.message)));
  assert.ok(missing.some((v) => v.message.includes(`in no split: ${lost}`)));

  const range = check(f, {
    ...f.indices,
    test_interpolation: [...f.indices.test_interpolation, 600, 10_000],
  });
  assert.ok(
    range.some((v) =>
      v.path === "/test_interpolation" && /2 indices are not integers in \[0, 600\)/.test(v.message)
    ),
  );

  const unsorted = Array.from(f.indices.train);
  [unsorted[3], unsorted[4]] = [unsorted[4], unsorted[3]];
  const u = check(f, { ...f.indices, train: unsorted });
  assert.ok(
    u.some((v) =>
      v.path === "/train" && /not strictly increasing at 1 positions: 4/.test(v.message)
    ),
  );

  const frac = check(f, { ...f.indices, val: [...f.indices.val, 1.5] });
  assert.ok(frac.some((v) => v.path === "/val" && /not integers/.test(v.message)));
});

Deno.test("checkSplits() catches random members moved between random splits", () => {
  const f = fixture();
  const a = f.indices.train[0];
  const b = f.indices.val[0];
  const swapped = {
    ...f.indices,
    train: sorted([...f.indices.train.slice(1), b]),
    val: sorted([...f.indices.val.slice(1), a]),
  };
  const v = check(f, swapped);
  assert.ok(
    v.some((x) =>
      x.path === "/train" && /seeded construction/.test(x.message) && x.message.includes(String(b))
    ),
  );
  assert.ok(v.some((x) => x.path === "/val" && x.message.includes(String(a))));
  // Sizes are unchanged, so only the reconstruction catches the swap.
  assert.ok(v.every((x) => /seeded construction/.test(x.message)));
});

Deno.test("checkSplits() catches recorded info that disagrees", () => {
  const f = fixture();
  const wrongThreshold = { ...f.info, persistenceThreshold: f.info.persistenceThreshold! + 1e-6 };
  assert.ok(
    check(f, f.indices, wrongThreshold).some((v) => v.path === "/info/persistence_threshold"),
  );
  const wrongSize = { ...f.info, sizes: { ...f.info.sizes, val: f.info.sizes.val + 1 } };
  assert.ok(check(f, f.indices, wrongSize).some((v) => v.path === "/info/sizes/val"));
  const wrongFraction = {
    ...f.info,
    realizedFractions: {
      ...f.info.realizedFractions,
      train: f.info.realizedFractions.train + 0.01,
    },
  };
  const v = check(f, f.indices, wrongFraction);
  assert.ok(v.some((x) => x.path === "/info/realized_fractions/train"));
  assert.ok(v.some((x) => x.path === "/info/realized_fractions" && /sum to/.test(x.message)));
  const wrongRule = { ...f.info, sliceRule: { ...RULE, threshold: 0.9 } };
  assert.ok(check(f, f.indices, wrongRule).some((v) => v.path === "/info/slice_rule/threshold"));
  const wrongN = { ...f.info, n: 601 };
  assert.ok(check(f, f.indices, wrongN).some((v) => v.path === "/info/n"));
  const badFractions = { ...f.info, fractions: { train: 0.5, val: 0.1, test_interpolation: 0.1 } };
  assert.ok(
    check(f, f.indices, badFractions).some((v) => v.path === "/info" && /sum to 1/.test(v.message)),
  );
});

Deno.test("checkSplits() catches missing and unexpected split names and wrong stats length", () => {
  const f = fixture();
  const { val: _val, ...noVal } = f.indices;
  assert.ok(check(f, noVal).some((v) => v.path === "/val" && /missing/.test(v.message)));
  const extra = check(f, { ...f.indices, holdout: [] });
  assert.ok(extra.some((v) => v.path === "/holdout" && /Unexpected/.test(v.message)));
  const v = checkSplits(f.indices, {
    stats: f.stats.slice(1),
    sliceRule: RULE,
    info: f.info,
    n: 600,
  });
  assert.ok(
    v.some((x) => x.path === "" && /Expected 600 split statistics, got 599/.test(x.message)),
  );
});

Deno.test("parseSplitsJson() rejects malformed documents", () => {
  assert.throws(() => parseSplitsJson("{"), SyntaxError);
  assert.throws(() => parseSplitsJson("[1, 2]"), TypeError);
  assert.throws(() => parseSplitsJson('{"train": 3}'), /not an array/);
  assert.throws(() => parseSplitsJson('{"train": [1, 2.5]}'), /"train"\[1\]/);
  assert.equal(splitsToJson({}), "{}\n");
});
