/**
 * Tests of the dataset report (`src/report/`, `scripts/report.ts`): the
 * subsample, the numbers it shows against independent computations from the
 * dataset, that it reads only the chunks it needs, the HTML it writes, the
 * CLI's exit codes, and that the page renders in headless Chromium without
 * errors or network requests.
 *
 * The Chromium test is ignored when Debian's `chromium` is not installed,
 * unless UME_REQUIRE_ALL=1 (CI), which makes it fail with an install hint.
 * With UME_UPDATE_SCREENSHOT=1 it also writes docs/report-screenshot.png.
 *
 * @module
 */

import assert from "node:assert/strict";
import { skipUnless } from "./_requires.ts";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDataset } from "../src/dataset/reader.ts";
import { parseHTML } from "../src/report/_deps.ts";
import type { Manifest } from "../src/manifest/types.ts";
import { resolveConfig } from "../src/pipeline/config.ts";
import { generateDataset } from "../src/pipeline/generate.ts";
import { collectReport, FAN_PERCENTILES, type ReportData } from "../src/report/collect.ts";
import { renderReportHtml } from "../src/report/html.ts";
import { buildReport } from "../src/report/report.ts";
import { chooseSubsample } from "../src/report/subsample.ts";
import { getWorld } from "../src/simulators/registry.ts";
import { empiricalQuantile, inSlice, parseSplitsJson } from "../src/splits.ts";
import type { ByteStore } from "../src/store/byte_store.ts";
import { openStore } from "../src/store/open_store.ts";
import { findChromium, HeadlessChromium } from "./_chromium.ts";
import { runTask } from "./_dataset_files.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const UPDATE_SCREENSHOT = Deno.env.get("UME_UPDATE_SCREENSHOT") === "1";
const CHROMIUM = findChromium();

const N = 300;
const CHUNK = 50;
const T = 60;
const H = 20;
const GIT_HASH = "0123456789abcdef0123456789abcdef01234567";
const CREATED_AT = "2025-03-04T05:06:07.000Z";
const ALL_WORLDS = ["lss", "var", "nk", "rbc", "switching", "zlb"];

// --- fixture: one small real dataset of all six worlds, generated once ---------

let fixture: Promise<string> | undefined;
const tempDirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = Deno.makeTempDirSync({ prefix });
  tempDirs.push(dir);
  return dir;
}

globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already gone
    }
  }
});

function dataset(): Promise<string> {
  fixture ??= (async () => {
    const output = join(tempDir("ume_report_"), "ds");
    const config = resolveConfig([{
      worlds: "all",
      n_samples: N,
      output,
      T,
      H,
      chunk_samples: CHUNK,
      workers: 1,
    }], 1);
    const summary = await generateDataset(config, { gitHash: GIT_HASH, createdAt: CREATED_AT });
    assert.equal(summary.finalized, true);
    return output;
  })();
  return fixture;
}

async function readManifestJson(path: string): Promise<Manifest> {
  return JSON.parse(await Deno.readTextFile(join(path, "manifest.json"))) as Manifest;
}

async function readSplitsFile(path: string, world: string): Promise<Record<string, Uint32Array>> {
  return parseSplitsJson(await Deno.readTextFile(join(path, world, "splits.json")));
}

/** A store that delegates to another, records every key read, and can override keys. */
class RecordingStore implements ByteStore {
  readonly url: string;
  readonly reads: string[] = [];
  #inner: ByteStore;
  #overrides: Map<string, Uint8Array>;

  constructor(inner: ByteStore, overrides: Record<string, string> = {}) {
    this.#inner = inner;
    this.url = inner.url;
    this.#overrides = new Map(
      Object.entries(overrides).map(([k, v]) => [k, new TextEncoder().encode(v)]),
    );
  }

  get(key: string): Promise<Uint8Array | undefined> {
    this.reads.push(key);
    const value = this.#overrides.get(key);
    return value !== undefined ? Promise.resolve(value) : this.#inner.get(key);
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    this.reads.push(key);
    return this.#inner.getRange!(key, offset, length);
  }

  set(): Promise<void> {
    return Promise.reject(new Error("RecordingStore is read-only"));
  }

  delete(): Promise<void> {
    return Promise.reject(new Error("RecordingStore is read-only"));
  }

  list(prefix?: string): Promise<string[]> {
    return this.#inner.list(prefix);
  }
}

/** Chunk indices (sample axis) of `<world>/<array>.zarr` read, from v3 chunk keys. */
function chunksRead(reads: readonly string[], world: string, array: string): Set<number> {
  const prefix = `${world}/${array}/c/`;
  return new Set(
    reads.filter((k) => k.startsWith(prefix)).map((k) =>
      Number(k.slice(prefix.length).split("/")[0])
    ),
  );
}

/** The part of the DOM the tests use (Deno has no DOM types). */
interface Element {
  getAttribute(name: string): string | null;
  querySelector(selector: string): Element | null;
  querySelectorAll(selector: string): ArrayLike<Element> & Iterable<Element>;
  readonly textContent: string | null;
}

function parseDocument(html: string): Element {
  return (parseHTML(html) as unknown as { document: Element }).document;
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

// --- subsample ------------------------------------------------------------------

Deno.test("chooseSubsample() returns every index of a small world", () => {
  assert.deepEqual(chooseSubsample(7, 3, 7), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(chooseSubsample(0, 3, 5), []);
});

Deno.test("chooseSubsample() picks few whole chunks spread over the range, deterministically", () => {
  for (
    const [n, chunk, max] of [[100_000, 436, 2000], [10_000, 1000, 2000], [5000, 7, 100], [
      1001,
      1000,
      10,
    ]]
  ) {
    const picked = chooseSubsample(n, chunk, max);
    assert.equal(picked.length, Math.min(max, n));
    assert.deepEqual(chooseSubsample(n, chunk, max), picked);
    for (let k = 1; k < picked.length; k++) {
      assert.ok(picked[k] > picked[k - 1], "sorted, distinct");
    }
    assert.ok(picked[0] >= 0 && picked[picked.length - 1] < n);
    const chunks = new Set(picked.map((i) => Math.floor(i / chunk)));
    assert.ok(chunks.size <= Math.ceil(max / chunk), `${chunks.size} chunks for ${max} samples`);
    // spread: a chunk in the first and one in the second half of the range
    const nChunks = Math.ceil(n / chunk);
    if (chunks.size > 1) {
      assert.ok([...chunks].some((c) => c < nChunks / 2));
      assert.ok([...chunks].some((c) => c >= nChunks / 2));
    }
  }
  assert.throws(() => chooseSubsample(10, 0, 5), RangeError);
  assert.throws(() => chooseSubsample(10, 2, 0), RangeError);
  assert.throws(() => chooseSubsample(-1, 2, 5), RangeError);
});

// --- collect ------------------------------------------------------------------------

Deno.test("collectReport() reads only the chunks of its subsample", async () => {
  const path = await dataset();
  const store = new RecordingStore(await openStore(path));
  const max = 2 * CHUNK; // two of the six chunks: 0 and 3
  const data = await collectReport(store, { maxSamples: max, samplePaths: 2 });
  const expected = new Set([0, 3]);
  for (const w of data.worlds) {
    assert.deepEqual(
      w.sampleIndices,
      [
        ...Array.from({ length: CHUNK }, (_, i) => i),
        ...Array.from({ length: CHUNK }, (_, i) => 3 * CHUNK + i),
      ],
    );
    for (const array of ["theta.zarr", "irfs.zarr"]) {
      assert.deepEqual(chunksRead(store.reads, w.id, array), expected, `${w.id}/${array}`);
    }
    const pathChunks = new Set(w.samplePaths.map((p) => Math.floor(p.index / CHUNK)));
    assert.equal(w.samplePaths.length, 2);
    for (const array of ["trajectories.zarr", "shocks.zarr"]) {
      assert.deepEqual(chunksRead(store.reads, w.id, array), pathChunks, `${w.id}/${array}`);
    }
    for (const key of store.reads.filter((k) => k.startsWith(`${w.id}/metadata.zarr/`))) {
      const match = /\/c\/(\d+)/.exec(key);
      if (match !== null) assert.ok(expected.has(Number(match[1])), key);
    }
    // never the IRFs by regime or per-IRF flags: not shown
    assert.ok(!store.reads.some((k) => /irfs_by_regime\/c\/|irf_binding_flags\/c\//.test(k)));
  }
});

Deno.test("collectReport() numbers agree with the dataset: splits, IRF percentiles, theta, shares", async () => {
  const path = await dataset();
  const manifest = await readManifestJson(path);
  const data: ReportData = await collectReport(await openStore(path));
  assert.deepEqual(data.worlds.map((w) => w.id), ALL_WORLDS);

  // manifest summary
  let raw = 0;
  let stored = 0;
  for (const sim of Object.values(manifest.simulators)) {
    for (const a of [...Object.values(sim.arrays), ...Object.values(sim.metadata_arrays)]) {
      raw += a.raw_bytes;
      stored += a.stored_bytes;
    }
  }
  assert.equal(data.manifest.rawBytes, raw);
  assert.equal(data.manifest.storedBytes, stored);
  assert.equal(data.manifest.compressionRatio, raw / stored);
  assert.ok(data.manifest.compressionRatio > 1);
  assert.equal(data.manifest.gitHash, GIT_HASH);
  assert.equal(data.manifest.createdAt, CREATED_AT);
  assert.equal(data.manifest.globalSeed, manifest.rng_seeds.global);
  assert.equal(data.manifest.totalSamples, 6 * N);

  for (const w of data.worlds) {
    const all = Array.from({ length: N }, (_, i) => i);
    assert.deepEqual(w.sampleIndices, all);
    // split sizes: splits.json, and what the manifest records
    const splits = await readSplitsFile(path, w.id);
    assert.deepEqual(
      w.splits.map((s) => [s.name, s.n, s.manifestN]),
      Object.entries(splits).map((
        [name, idx],
      ) => [name, idx.length, manifest.simulators[w.id].splits[name].n]),
    );
    assert.equal(w.splits.reduce((s, x) => s + x.n, 0), N);

    // IRF bands against empiricalQuantile over the raw IRFs
    const loaded = await loadDataset(path, w.id, { arrays: ["irfs", "theta"], metadata: false });
    const [, nShocks, nH, nObs] = loaded.arrays.irfs.shape;
    assert.equal(nH, H + 1);
    assert.equal(w.irfBands.length, nShocks * nObs);
    for (let s = 0; s < nShocks; s++) {
      for (let o = 0; o < nObs; o++) {
        const band = w.irfBands[s * nObs + o];
        assert.equal(band.shock, w.shocks[s]);
        assert.equal(band.observable, w.observables.names[o]);
        for (let h = 0; h < nH; h++) {
          const values = all.map((i) =>
            loaded.arrays.irfs.data[((i * nShocks + s) * nH + h) * nObs + o]
          );
          FAN_PERCENTILES.forEach((p, k) => {
            assert.equal(
              band.bands[k][h],
              empiricalQuantile(values, p / 100),
              `${w.id} ${s} ${o} ${h} p${p}`,
            );
          });
        }
      }
    }
    // theta columns are the stored values, all within the prior bounds
    const nParams = loaded.arrays.theta.shape[1];
    assert.equal(w.theta.length, nParams);
    w.theta.forEach((c, j) => {
      assert.deepEqual(c.bounds, manifest.simulators[w.id].param_manifest.bounds[j]);
      assert.deepEqual(c.values, all.map((i) => loaded.arrays.theta.data[i * nParams + j]));
      assert.equal(c.outside, 0);
    });

    // split statistics place every holdout member where its rule says
    assert.ok(!("unavailable" in w.splitPoints), JSON.stringify(w.splitPoints).slice(0, 200));
    if (!("unavailable" in w.splitPoints)) {
      const p = w.splitPoints;
      const rule = getWorld(w.id).sliceRule;
      const qp = w.cornerThresholds.persistence!;
      const qv = w.cornerThresholds.volatility!;
      for (let k = 0; k < p.split.length; k++) {
        assert.equal(
          inSlice(p.slice[k], rule),
          p.split[k] === "test_extrapolation_slice",
          `${w.id} sample ${k}`,
        );
        if (p.split[k] === "test_extrapolation_corner") {
          assert.ok(p.persistence[k] >= qp && p.volatility[k] >= qv);
        } else if (p.split[k] !== "test_extrapolation_slice") {
          assert.ok(!(p.persistence[k] >= qp && p.volatility[k] >= qv));
        }
      }
    }
  }

  // ZLB binding and regime shares from the raw flags
  const zlb = data.worlds.find((w) => w.id === "zlb")!;
  const flags = (await loadDataset(path, "zlb", { arrays: [], metadata: ["binding_flags"] }))
    .metadata.binding_flags.data;
  const binding = sum(flags) / (N * T);
  assert.ok(Math.abs(zlb.binding!.periodShares[0] - binding) < 1e-12);
  assert.ok(binding > 0, "the fixture has binding periods");
  const switching = data.worlds.find((w) => w.id === "switching")!;
  const regimes = (await loadDataset(path, "switching", { arrays: [], metadata: ["regime_seq"] }))
    .metadata.regime_seq.data;
  const ones = sum(regimes) / (N * T);
  assert.ok(Math.abs(switching.regimes!.periodShares[1] - ones) < 1e-12);
  assert.ok(Math.abs(switching.regimes!.periodShares[0] - (1 - ones)) < 1e-12);
  assert.equal(data.worlds.filter((w) => w.binding !== undefined).length, 1);
  assert.equal(data.worlds.filter((w) => w.regimes !== undefined).length, 1);
});

Deno.test("collectReport() rejects a folder without manifest.json and unknown worlds", async () => {
  const empty = tempDir("ume_report_empty_");
  await assert.rejects(collectReport(await openStore(empty)), (e: Error & { code?: string }) => {
    assert.equal(e.code, "USAGE");
    assert.match(e.message, /nothing is there/);
    return true;
  });
  const path = await dataset();
  await assert.rejects(
    collectReport(await openStore(path), { worlds: ["dsge"] }),
    /Cannot report on world "dsge"/,
  );
});

// --- HTML ------------------------------------------------------------------------------

let reportFile: Promise<string> | undefined;

/** The report of the fixture, written by the CLI with the task's permissions. */
function cliReport(): Promise<string> {
  reportFile ??= (async () => {
    const path = await dataset();
    const out = join(tempDir("ume_report_html_"), "report.html");
    const r = await runTask("report", ["--path", path, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Wrote .*report\.html .*6 worlds, 1800 samples read/);
    return out;
  })();
  return reportFile;
}

Deno.test("report CLI writes a self-contained page with every chart, the manifest and the split sizes", async () => {
  const path = await dataset();
  const manifest = await readManifestJson(path);
  const html = await Deno.readTextFile(await cliReport());
  const document = parseDocument(html);

  // self-contained: no scripts, no external resources
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i);
  for (const el of document.querySelectorAll("[href]")) {
    assert.match(el.getAttribute("href")!, /^#/, "only in-page links");
  }
  assert.equal(document.querySelectorAll("[src]").length, 0);

  // manifest summary
  const field = (name: string): string =>
    document.querySelector(`#manifest dd[data-field="${name}"]`)!.textContent!;
  assert.equal(field("version"), manifest.version);
  assert.equal(field("created_at"), CREATED_AT);
  assert.equal(field("git_hash"), GIT_HASH);
  assert.equal(field("global seed"), String(manifest.rng_seeds.global));
  assert.equal(field("T / H"), `${T} / ${H}`);
  assert.match(field("compression ratio"), /^\d+\.\d\d×$/);

  let charts = 0;
  for (const world of ALL_WORLDS) {
    const section = document.querySelector(`section.world[data-world="${world}"]`);
    assert.ok(section !== null, `section of ${world}`);
    const sim = manifest.simulators[world];
    // one fan chart per shock x observable, each an <svg> with bands
    const irfs = section.querySelectorAll("figure.chart.irf");
    assert.equal(irfs.length, sim.shock_manifest.names.length * 3, world);
    for (const shock of sim.shock_manifest.names) {
      for (const obs of sim.obs_manifest.canonical_names) {
        const fig = section.querySelectorAll(
          `figure.irf[data-shock="${shock}"][data-observable="${obs}"]`,
        );
        assert.equal(fig.length, 1, `${world} ${shock} ${obs}`);
        assert.equal(fig[0].querySelectorAll("svg").length, 1);
        assert.equal(fig[0].querySelectorAll('g[aria-label="area"] path').length, 2, "two bands");
      }
    }
    // theta histograms, one per parameter, with the bounds marked
    const thetas = section.querySelectorAll("figure.chart.theta");
    assert.deepEqual(
      Array.from(thetas).map((f) => f.getAttribute("data-param")),
      sim.param_manifest.names,
    );
    // split sizes equal splits.json
    const splits = await readSplitsFile(path, world);
    for (const [name, idx] of Object.entries(splits)) {
      const cell = section.querySelector(`tr[data-split="${name}"] td[data-n]`);
      assert.equal(cell?.getAttribute("data-n"), String(idx.length), `${world} ${name}`);
    }
    assert.equal(section.querySelector("td[data-total]")!.getAttribute("data-total"), String(N));
    assert.equal(section.querySelectorAll(".splits .bad").length, 0, "manifest agrees");
    // two split scatters, three sample paths
    assert.equal(section.querySelectorAll("figure.scatter").length, 2);
    assert.equal(section.querySelectorAll("figure.path").length, 3);
    charts += section.querySelectorAll("figure.chart svg").length;
  }
  assert.equal(document.querySelectorAll("svg").length, charts);
  assert.equal(document.querySelectorAll('[data-field="binding_flags"] svg').length, 1);
  assert.equal(document.querySelectorAll('[data-field="regime_seq"] svg').length, 1);
});

Deno.test("report flags split sizes that disagree with the manifest", async () => {
  const path = await dataset();
  const splits = await readSplitsFile(path, "nk");
  const moved = splits.test_interpolation[0];
  const edited = {
    ...Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, Array.from(v)])),
    train: [...splits.train, moved].sort((a, b) => a - b),
    test_interpolation: Array.from(splits.test_interpolation.slice(1)),
  };
  const store = new RecordingStore(await openStore(path), {
    "nk/splits.json": JSON.stringify(edited),
  });
  const { data, html } = await buildReport(store, { worlds: ["nk"], maxSamples: 100 });
  const nk = data.worlds[0];
  assert.equal(nk.splits.find((s) => s.name === "train")!.n, splits.train.length + 1);
  const document = parseDocument(html);
  const bad = Array.from(document.querySelectorAll(".splits tr"))
    .filter((tr) => tr.querySelector(".bad") !== null)
    .map((tr) => tr.getAttribute("data-split"));
  assert.deepEqual(bad, ["train", "test_interpolation"]);
});

Deno.test("report CLI exits 2 on bad input, with an error message", async () => {
  const empty = tempDir("ume_report_cli_");
  const path = await dataset();
  const stray = join(empty, "stray");
  await Deno.mkdir(stray);
  await Deno.writeTextFile(join(stray, "notes.txt"), "not a dataset");
  const cases: [string[], RegExp][] = [
    [["--path", join(empty, "missing")], /nothing is there/],
    [["--path", stray, "--out", join(empty, "r.html")], /holds no manifest\.json/],
    [["--path", path, "--max-samples", "0"], /Invalid --max-samples/],
    [["--path", path, "--out", join(empty, "no", "dir", "r.html")], /Cannot write report/],
    [["--path", path, "--bogus"], /Unknown option/],
    [["--path", path, "--world", "dsge", "--out", join(empty, "r.html")], /world "dsge"/],
  ];
  for (const [args, message] of cases) {
    const r = await runTask("report", args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^error: /);
    assert.match(r.stderr, message);
  }
  const help = await runTask("report", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--path PATH\|URL/);
});

Deno.test("renderReportHtml() escapes text from the manifest", async () => {
  const path = await dataset();
  const data = await collectReport(await openStore(path), { worlds: ["rbc"], maxSamples: 50 });
  data.manifest.gitHash = `<img src=x onerror="alert(1)">`;
  data.worlds[0].description = "a & b <b>";
  const html = renderReportHtml(data);
  assert.ok(!html.includes("<img"));
  assert.ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"));
  assert.ok(html.includes("a &amp; b &lt;b&gt;"));
});

// --- headless Chromium ---------------------------------------------------------------

Deno.test({
  name: "report renders in headless Chromium: every chart visible, no console errors, no network",
  ignore: skipUnless({
    what: "Chromium (chromium)",
    available: CHROMIUM !== undefined,
    install: "apt-get install -y --no-install-recommends chromium",
  }),
  async fn(): Promise<void> {
    if (CHROMIUM === undefined) {
      assert.fail("Chromium is required (UME_REQUIRE_ALL=1): apt-get install chromium");
    }
    const file = await cliReport();
    const html = await Deno.readTextFile(file);
    const svgInFile = (html.match(/<svg/g) ?? []).length;
    const browser = await HeadlessChromium.launch(CHROMIUM);
    try {
      const page = await browser.newPage({ width: 1280, height: 900 });
      const url = new URL(`file://${file}`).href;
      await page.navigate(url);
      const info = await page.evaluate<{
        svgs: number;
        empty: string[];
        irfs: number;
        bandless: number;
        circles: number;
        title: string;
        height: number;
      }>(`(() => {
        const svgs = [...document.querySelectorAll("svg")];
        const empty = svgs.filter((s) => {
          const r = s.getBoundingClientRect();
          return !(r.width > 20 && r.height > 20);
        }).map((s) => s.closest("figure")?.outerHTML.slice(0, 120) ?? "?");
        const irfs = [...document.querySelectorAll("figure.irf")];
        const bandless = irfs.filter((f) => {
          const paths = [...f.querySelectorAll('g[aria-label="area"] path')];
          return paths.length !== 2 || paths.some((p) => { const b = p.getBBox(); return !(b.width > 0 && b.height > 0); });
        }).length;
        return {
          svgs: svgs.length, empty, irfs: irfs.length, bandless,
          circles: document.querySelectorAll("circle").length,
          title: document.title, height: document.documentElement.scrollHeight,
        };
      })()`);
      assert.equal(info.svgs, svgInFile);
      assert.ok(info.svgs > 200, `${info.svgs} charts`);
      assert.deepEqual(info.empty, [], "every chart has a size");
      assert.equal(info.irfs, 3 * (2 + 3 + 3 + 2 + 2 + 3));
      assert.equal(info.bandless, 0, "every fan chart drew both bands");
      assert.equal(info.circles, 6 * 2 * N, "every sample in both split scatters");
      assert.match(info.title, /^Dataset report: /);
      assert.deepEqual(page.problems, [], "no console errors, exceptions or log errors");
      assert.deepEqual(page.requests, [url], "no request but the page itself");

      const box = await page.evaluate<{ x: number; y: number; width: number; height: number }>(
        `(() => { const r = document.querySelector('section[data-world="nk"]').getBoundingClientRect();
          return { x: r.x + window.scrollX - 8, y: r.y + window.scrollY - 8, width: r.width + 16, height: Math.min(r.height, 1250) }; })()`,
      );
      const png = await page.screenshot(box);
      assert.deepEqual(Array.from(png.slice(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10], "a PNG");
      assert.ok(png.length > 50_000, `screenshot of ${png.length} bytes`);
      if (UPDATE_SCREENSHOT) await Deno.writeFile(join(ROOT, "docs", "report-screenshot.png"), png);
    } finally {
      await browser.close();
    }
  },
});
