/**
 * Render report data as one self-contained HTML page: inline CSS and static
 * SVG charts, no scripts, no external resources.
 *
 * @module
 */

import {
  barChart,
  fanChart,
  histogram,
  lineChart,
  PLOT_STYLE,
  SERIES_COLORS,
  SPLIT_COLORS,
  splitScatter,
} from "./charts.ts";
import type { ReportData, StateShare, WorldReport } from "./collect.ts";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escape text for HTML content and attribute values.
 *
 * @param text Any text.
 * @returns The text with `& < > " '` escaped.
 *
 * @example Escape markup
 * ```ts
 * import { escapeHtml } from "./html.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeHtml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const esc = escapeHtml;

function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a";
}

function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : "n/a";
}

function bytes(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

function ratio(raw: number, stored: number): string {
  return stored > 0 ? `${(raw / stored).toFixed(2)}×` : "n/a";
}

function num(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  return Number(x.toPrecision(4)).toString();
}

const CSS = `
:root { color-scheme: light; --fg: #1a202c; --muted: #5a6473; --line: #dde2ea; --bad: #c53030; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: #f7f8fa; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0 0 4px; }
h2 small { font-weight: normal; color: var(--muted); font-size: 14px; }
h3 { font-size: 15px; margin: 22px 0 6px; border-bottom: 1px solid var(--line); padding-bottom: 3px; }
.url { font-family: ui-monospace, monospace; color: var(--muted); margin: 0 0 8px; word-break: break-all; }
nav a { margin-right: 12px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px;
  margin: 16px 0; }
.note { color: var(--muted); margin: 2px 0 8px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 6px 0; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, monospace; font-size: 13px; }
.grid { display: grid; gap: 6px 14px; align-items: start; }
.irf-grid { grid-template-columns: 90px repeat(var(--cols), minmax(0, 340px)); }
.irf-grid .rowlabel { align-self: center; font-weight: 600; }
.irf-grid .colhead { font-weight: 600; text-align: center; }
.theta-grid { grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); }
.path-grid { grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); }
.split-grid { grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); }
figure { margin: 0; }
figcaption { font-size: 12px; color: var(--muted); text-align: center; }
.bad { color: var(--bad); font-weight: 600; }
.ok { color: #2f855a; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin: 4px 0; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px;
  border-radius: 2px; margin-right: 5px; background: var(--c); vertical-align: -1px; }
${PLOT_STYLE}
`;

function legend(entries: readonly [string, string][], title?: string): string {
  const head = title === undefined ? "" : `<b>${esc(title)}:</b>`;
  return `<div class="legend">${head}${
    entries.map(([label, color]) => `<span style="--c:${esc(color)}">${esc(label)}</span>`).join("")
  }</div>`;
}

function manifestSection(data: ReportData): string {
  const m = data.manifest;
  const items: [string, string][] = [
    ["version", esc(m.version)],
    ["created_at", esc(m.createdAt)],
    ["git_hash", `<code>${esc(m.gitHash)}</code>`],
    ["generator", esc(m.generator)],
    ["global seed", esc(String(m.globalSeed))],
    ["T / H", `${m.T} / ${m.H}`],
    ["storage", `Zarr v${m.zarrFormat}, ${esc(m.dtype)}, ${esc(m.codec)}`],
    ["samples", int(m.totalSamples)],
    ["size", `${bytes(m.storedBytes)} stored, ${bytes(m.rawBytes)} raw`],
    ["compression ratio", ratio(m.rawBytes, m.storedBytes)],
    [
      "splits",
      m.splits.map((s) =>
        `<span title="nominal, of ${esc(s.fractionOf)}">${esc(s.name)} (${esc(s.algorithm)}, ${
          pct(s.nominalFraction, s.nominalFraction < 0.05 ? 1 : 0)
        })</span>`
      ).join(", "),
    ],
  ];
  const dl = items.map(([k, v]) => `<dt>${esc(k)}</dt><dd data-field="${esc(k)}">${v}</dd>`)
    .join("");
  const rows = data.worlds.map((w) =>
    `<tr data-world="${esc(w.id)}"><td><a href="#world-${esc(w.id)}">${esc(w.id)}</a></td>` +
    `<td class="num">${int(w.nSamples)}</td><td class="num">${int(w.sampleIndices.length)}</td>` +
    `<td class="num">${bytes(w.rawBytes)}</td><td class="num">${bytes(w.storedBytes)}</td>` +
    `<td class="num">${ratio(w.rawBytes, w.storedBytes)}</td>` +
    `<td class="num">${int(w.rejections.total)} (${pct(w.rejections.rate)})</td>` +
    `<td>${esc(w.version)}</td></tr>`
  ).join("");
  return `<section id="manifest"><h2>Manifest</h2><dl class="summary">${dl}</dl>
<table class="worlds"><thead><tr><th>world</th><th class="num">samples</th><th class="num">read</th>
<th class="num">raw</th><th class="num">stored</th><th class="num">ratio</th>
<th class="num">rejections</th><th>code</th></tr></thead><tbody>${rows}</tbody></table>
<p class="note">Charts use at most ${
    int(data.maxSamples)
  } samples per world: whole chunks evenly spaced over the sample range (samples are independent draws, so this is a fair sample). Split sizes come from each world's complete <code>splits.json</code>.</p></section>`;
}

function irfSection(w: WorldReport): string {
  const nObs = w.observables.names.length;
  const heads = w.observables.names.map((o, k) =>
    `<div class="colhead">${esc(o)}<br><small class="note">${
      esc(w.observables.units[k] ?? "")
    }</small></div>`
  ).join("");
  let cells = "";
  w.shocks.forEach((shock, s) => {
    cells += `<div class="rowlabel">${esc(shock)}</div>`;
    for (let o = 0; o < nObs; o++) {
      const band = w.irfBands[s * nObs + o];
      const svg = fanChart(band.bands, { label: `IRF of ${band.observable} to ${band.shock}` });
      const bad = band.nonFinite > 0
        ? ` <span class="bad">${band.nonFinite} non-finite skipped</span>`
        : "";
      cells += `<figure class="chart irf" data-world="${esc(w.id)}" data-shock="${
        esc(band.shock)
      }" data-observable="${esc(band.observable)}">${svg}<figcaption>${esc(band.shock)} → ${
        esc(band.observable)
      }${bad}</figcaption></figure>`;
    }
  });
  const size = w.irfShockSize;
  return `<h3>Impulse responses</h3><p class="note">Median (line), 25–75% and 5–95% bands over ${
    int(w.sampleIndices.length)
  } samples, horizons 0..${w.irfBands[0]?.bands[2].length - 1}; shock of ${
    size > 0 ? "+" : ""
  }${size} s.d. at h = 0.</p>
<div class="grid irf-grid" style="--cols:${nObs}"><div></div>${heads}${cells}</div>`;
}

function pathsSection(w: WorldReport): string {
  if (w.samplePaths.length === 0) return "";
  const obsColors = w.observables.names.map((n, k): [string, string] => [
    n,
    SERIES_COLORS[k % SERIES_COLORS.length],
  ]);
  const shockColors = w.shocks.map((n, k): [string, string] => [
    n,
    SERIES_COLORS[k % SERIES_COLORS.length],
  ]);
  const figures = w.samplePaths.map((p) =>
    `<figure class="chart path" data-world="${esc(w.id)}" data-sample="${p.index}">` +
    `<figcaption>sample ${p.index} (${esc(p.split)}): observables</figcaption>` +
    lineChart(p.observables, w.observables.names, { label: `sample ${p.index} observables` }) +
    `<figcaption>shocks (N(0, 1) units)</figcaption>` +
    lineChart(p.shocks, w.shocks, { height: 120, label: `sample ${p.index} shocks` }) +
    `</figure>`
  ).join("");
  return `<h3>Sample paths</h3>${legend(obsColors, "observables")}${
    legend(shockColors, "shocks")
  }<div class="grid path-grid">${figures}</div>`;
}

function thetaSection(w: WorldReport): string {
  const outside = w.theta.reduce((s, c) => s + c.outside, 0);
  const figures = w.theta.map((c) => {
    const bad = c.outside > 0 ? ` <span class="bad">${c.outside} outside</span>` : "";
    return `<figure class="chart theta" data-world="${esc(w.id)}" data-param="${esc(c.name)}">${
      histogram(c.values, {
        domain: c.bounds,
        markers: c.bounds,
        label: `histogram of ${c.name}`,
      })
    }<figcaption>${esc(c.name)} [${num(c.bounds[0])}, ${
      num(c.bounds[1])
    }]${bad}</figcaption></figure>`;
  }).join("");
  const status = outside === 0
    ? `<span class="ok">all values within the bounds</span>`
    : `<span class="bad">${outside} values outside the bounds</span>`;
  return `<h3>Parameters</h3><p class="note">Histograms over the prior bounds (dashed red); ${status}.</p>
<div class="grid theta-grid">${figures}</div>`;
}

function splitsSection(w: WorldReport): string {
  const rows = w.splits.map((s) => {
    const check = s.manifestN === undefined
      ? `<span class="bad">not in manifest</span>`
      : s.manifestN === s.n
      ? `<span class="ok">✓</span>`
      : `<span class="bad">manifest says ${int(s.manifestN)}</span>`;
    return `<tr data-split="${esc(s.name)}"><td><span class="legend"><span style="--c:${
      SPLIT_COLORS[s.name] ?? "#777"
    }">${esc(s.name)}</span></span></td><td class="num" data-n="${s.n}">${
      int(s.n)
    }</td><td class="num">${pct(s.fraction)}</td><td>${check}</td></tr>`;
  }).join("");
  const total = w.splits.reduce((sum, s) => sum + s.n, 0);
  const table = `<table class="splits"><thead><tr><th>split</th><th class="num">samples</th>
<th class="num">fraction</th><th>manifest</th></tr></thead><tbody>${rows}
<tr><td>total</td><td class="num" data-total="${total}">${int(total)}</td><td class="num">${
    pct(w.nSamples > 0 ? total / w.nSamples : NaN)
  }</td><td>${
    total === w.nSamples
      ? `<span class="ok">covers all</span>`
      : `<span class="bad">≠ ${int(w.nSamples)}</span>`
  }</td></tr></tbody></table>`;
  const bars = `<figure class="chart split-sizes" data-world="${esc(w.id)}">${
    barChart(w.splits.map((s) => s.name), w.splits.map((s) => s.n), {
      label: `${w.id} split sizes`,
    })
  }<figcaption>split sizes</figcaption></figure>`;
  const rule = w.sliceRule;
  let scatters: string;
  if ("unavailable" in w.splitPoints) {
    scatters = `<p class="bad">${esc(w.splitPoints.unavailable)}</p>`;
  } else {
    const p = w.splitPoints;
    const ct = w.cornerThresholds;
    const corner = splitScatter(p.persistence, p.volatility, p.split, {
      xLabel: "persistence",
      yLabel: "volatility",
      xRules: ct.persistence === null ? [] : [ct.persistence],
      yRules: ct.volatility === null ? [] : [ct.volatility],
      label: `${w.id} corner statistics by split`,
    });
    const slice = splitScatter(p.slice, p.volatility, p.split, {
      xLabel: rule.statistic,
      yLabel: "volatility",
      xRules: [rule.threshold],
      label: `${w.id} slice statistic by split`,
    });
    scatters = `<figure class="chart scatter" data-world="${esc(w.id)}" data-kind="corner">${corner}
<figcaption>corner: persistence ≥ ${num(ct.persistence)} and volatility ≥ ${
      num(ct.volatility)
    } (dashed)</figcaption></figure>
<figure class="chart scatter" data-world="${esc(w.id)}" data-kind="slice">${slice}
<figcaption>slice: ${esc(rule.statistic)} ${esc(rule.op)} ${
      num(rule.threshold)
    } (dashed)</figcaption></figure>`;
  }
  const names = [...new Set([...w.splits.map((s) => s.name)])];
  return `<h3>Splits</h3><p class="note">Slice rule: <code>${esc(rule.statistic)} ${esc(rule.op)} ${
    num(rule.threshold)
  }</code> (${esc(rule.description)}). Corner statistics: persistence = ${
    esc(w.cornerRule.persistence)
  }; volatility = ${esc(w.cornerRule.volatility)}.</p>${table}
${legend(names.map((n) => [n, SPLIT_COLORS[n] ?? "#777"]))}
<div class="grid split-grid">${bars}${scatters}</div>`;
}

function shareSection(w: WorldReport, share: StateShare, title: string, what: string): string {
  const items = share.labels.map((l, k) =>
    `<dt>${esc(l)}</dt><dd data-share="${esc(l)}">${pct(share.periodShares[k], 2)} of periods</dd>`
  ).join("");
  return `<h3>${
    esc(title)
  }</h3><dl class="summary">${items}<dt>samples</dt><dd data-any="${share.anyShare}">${
    pct(share.anyShare)
  } with at least one period ${esc(what)}</dd></dl>
<figure class="chart share" data-world="${esc(w.id)}" data-field="${esc(share.field)}">${
    histogram(share.perSample, {
      domain: [0, 1],
      width: 330,
      height: 150,
      xLabel: `share of periods ${what}, per sample`,
      label: `${w.id} ${share.field} per sample`,
    })
  }<figcaption>per-sample share of periods ${esc(what)} (${
    esc(share.field)
  })</figcaption></figure>`;
}

function worldSection(w: WorldReport): string {
  const parts = [
    `<section class="world" id="world-${esc(w.id)}" data-world="${esc(w.id)}">`,
    `<h2>${esc(w.id)} <small>${esc(w.description)}</small></h2>`,
    `<p class="note">${int(w.nSamples)} samples; charts from ${
      int(w.sampleIndices.length)
    } of them. Code version <code>${esc(w.version)}</code>.</p>`,
    irfSection(w),
    pathsSection(w),
    thetaSection(w),
    splitsSection(w),
  ];
  if (w.binding !== undefined) {
    parts.push(shareSection(w, w.binding, "ZLB binding", "at the ZLB"));
  }
  if (w.regimes !== undefined) {
    parts.push(shareSection(w, w.regimes, "Regimes", "in regime 1"));
  }
  parts.push("</section>");
  return parts.join("\n");
}

/**
 * Render the report page.
 *
 * @param data What `collectReport` gathered.
 * @returns A complete HTML document (UTF-8 text) with no external resources and no scripts.
 *
 * @example Render a report of a small dataset
 * ```ts
 * import { renderReportHtml } from "./html.ts";
 * import { collectReport } from "./collect.ts";
 * import { generateDataset } from "../pipeline/generate.ts";
 * import { resolveConfig } from "../pipeline/config.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const config = resolveConfig([{ worlds: "zlb", n_samples: 30, output: "memory://doc", T: 8, H: 3 }], 1);
 * await generateDataset(config, { store });
 * const html = renderReportHtml(await collectReport(store));
 * assert.match(html, /^<!doctype html>/);
 * assert.equal((html.match(/class="chart irf"/g) ?? []).length, 9);
 * assert.doesNotMatch(html, /<script|https?:\/\//);
 * ```
 */
export function renderReportHtml(data: ReportData): string {
  const nav = data.worlds.map((w) => `<a href="#world-${esc(w.id)}">${esc(w.id)}</a>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dataset report: ${esc(data.url)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>Dataset report</h1><p class="url">${
    esc(data.url)
  }</p><nav><a href="#manifest">manifest</a>${nav}</nav></header>
<main>
${manifestSection(data)}
${data.worlds.map(worldSection).join("\n")}
</main>
</body>
</html>
`;
}
