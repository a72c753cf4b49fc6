/**
 * The report's charts: Observable Plot rendered to static SVG strings on a
 * linkedom document, so the report needs no JavaScript at view time.
 *
 * Every function returns one `<svg>` element as a string, without Plot's
 * per-chart `<style>` block (include {@link PLOT_STYLE} once in the page) and
 * with coordinates rounded to 0.1 px to keep the file small.
 *
 * @module
 */

import { parseHTML, Plot } from "./_deps.ts";

type PlotDocument = NonNullable<Plot.PlotOptions["document"]>;

/** Plot's class name for every chart (its default). */
const PLOT_CLASS = "plot-d6a7b5";

/** The style rules Plot attaches to every chart; include once in the page. */
export const PLOT_STYLE = `:where(.${PLOT_CLASS}) {
  --plot-background: white;
  display: block;
  height: auto;
  height: intrinsic;
  max-width: 100%;
}
:where(.${PLOT_CLASS} text),
:where(.${PLOT_CLASS} tspan) {
  white-space: pre;
}`;

/** Colours of the splits (unknown names get grey). */
export const SPLIT_COLORS: Readonly<Record<string, string>> = Object.freeze({
  train: "#9aa9bc",
  val: "#4c78a8",
  test_interpolation: "#54a24b",
  test_extrapolation_slice: "#e45756",
  test_extrapolation_corner: "#f58518",
});

/** Colours of series in line charts, in order. */
export const SERIES_COLORS: readonly string[] = Object.freeze([
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#8c564b",
  "#e377c2",
]);

const FAN_COLOR = "#2b6cb0";
const BOUND_COLOR = "#c53030";

let cachedDocument: PlotDocument | undefined;

function plotDocument(): PlotDocument {
  if (cachedDocument === undefined) {
    const window = parseHTML("<!doctype html><html><head></head><body></body></html>");
    cachedDocument = (window as unknown as { document: PlotDocument }).document;
  }
  return cachedDocument;
}

const NUMERIC_ATTRIBUTE =
  /\s(d|x|y|x1|x2|y1|y2|cx|cy|r|width|height|transform|points|viewBox)="([^"]*)"/g;
const LONG_DECIMAL = /-?\d+\.\d{2,}/g;

function compactAttributes(svg: string): string {
  return svg.replace(NUMERIC_ATTRIBUTE, (_, name: string, value: string) => {
    const rounded = value.replace(LONG_DECIMAL, (num) => {
      const r = Math.round(Number(num) * 10) / 10;
      return Object.is(r, -0) ? "0" : String(r);
    });
    return ` ${name}="${rounded}"`;
  });
}

function render(options: Plot.PlotOptions, label: string): string {
  const node = Plot.plot({ ...options, document: plotDocument(), ariaLabel: label });
  const html = (node as unknown as { outerHTML: string }).outerHTML;
  return compactAttributes(html.replace(/<style>[^<]*<\/style>/, ""));
}

/** Size of a chart in CSS pixels. */
export interface ChartSize {
  /** Width (default depends on the chart). */
  width?: number;
  /** Height (default depends on the chart). */
  height?: number;
}

/** Options of {@link fanChart}. */
export interface FanChartOptions extends ChartSize {
  /** Label of the y axis. */
  yLabel?: string;
  /** Accessible label of the chart. */
  label?: string;
}

/**
 * A fan chart: the 5-95 and 25-75 percentile bands and the median of an IRF
 * over horizons 0..H, with a zero line.
 *
 * @param bands Five rows (5th, 25th, 50th, 75th, 95th percentile), one value per horizon.
 * @param options Size, y label, accessible label.
 * @returns An `<svg>` element as a string.
 *
 * @example A fan over three horizons
 * ```ts
 * import { fanChart } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const svg = fanChart([[-2, -1, 0], [-1, 0, 0], [0, 0.5, 0], [1, 1, 0], [2, 2, 0]]);
 * assert.match(svg, /^<svg[^>]*>/);
 * assert.equal((svg.match(/<path/g) ?? []).length > 3, true);
 * ```
 */
export function fanChart(
  bands: readonly (readonly number[])[],
  options: FanChartOptions = {},
): string {
  if (bands.length !== 5) {
    throw new TypeError(`Cannot draw a fan chart: expected 5 percentile rows, got ${bands.length}`);
  }
  const rows = bands[2].map((_, h) => ({
    h,
    p5: bands[0][h],
    p25: bands[1][h],
    p50: bands[2][h],
    p75: bands[3][h],
    p95: bands[4][h],
  })).filter((r) => Number.isFinite(r.p50));
  return render({
    width: options.width ?? 340,
    height: options.height ?? 180,
    marginLeft: 46,
    x: { label: "h", nice: false, domain: [0, Math.max(1, bands[2].length - 1)] },
    y: { label: options.yLabel ?? null, grid: true, nice: true },
    marks: [
      Plot.ruleY([0], { stroke: "#888" }),
      Plot.areaY(rows, { x: "h", y1: "p5", y2: "p95", fill: FAN_COLOR, fillOpacity: 0.18 }),
      Plot.areaY(rows, { x: "h", y1: "p25", y2: "p75", fill: FAN_COLOR, fillOpacity: 0.35 }),
      Plot.lineY(rows, { x: "h", y: "p50", stroke: FAN_COLOR, strokeWidth: 1.8 }),
    ],
  }, options.label ?? "fan chart");
}

/** Options of {@link lineChart}. */
export interface LineChartOptions extends ChartSize {
  /** Label of the x axis (default `"t"`). */
  xLabel?: string;
  /** Label of the y axis. */
  yLabel?: string;
  /** Accessible label of the chart. */
  label?: string;
}

/**
 * Several series over t = 0..T-1, one colour each ({@link SERIES_COLORS}).
 *
 * @param series One array of values per series.
 * @param names Names of the series (shown on hover).
 * @param options Size, axis labels, accessible label.
 * @returns An `<svg>` element as a string.
 *
 * @example Two series
 * ```ts
 * import { lineChart } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const svg = lineChart([[0, 1, 0], [1, 0, 1]], ["a", "b"]);
 * assert.match(svg, /#d62728/);
 * ```
 */
export function lineChart(
  series: readonly (readonly number[])[],
  names: readonly string[],
  options: LineChartOptions = {},
): string {
  const rows = series.flatMap((values, k) =>
    values.map((v, t) => ({ t, v, series: names[k] ?? `series ${k}` }))
  ).filter((r) => Number.isFinite(r.v));
  return render({
    width: options.width ?? 380,
    height: options.height ?? 150,
    marginLeft: 46,
    x: { label: options.xLabel ?? "t" },
    y: { label: options.yLabel ?? null, grid: true },
    color: {
      domain: names.map((n, k) => n ?? `series ${k}`),
      range: SERIES_COLORS.slice(0, Math.max(1, names.length)),
    },
    marks: [
      Plot.ruleY([0], { stroke: "#aaa" }),
      Plot.lineY(rows, { x: "t", y: "v", stroke: "series", strokeWidth: 1.3 }),
    ],
  }, options.label ?? "line chart");
}

/** Options of {@link histogram}. */
export interface HistogramOptions extends ChartSize {
  /** Range of the bins (default: the range of the finite values). */
  domain?: readonly [number, number];
  /** Number of bins (default 20). */
  bins?: number;
  /** x positions of dashed red markers (e.g. prior bounds). */
  markers?: readonly number[];
  /** Label of the x axis. */
  xLabel?: string;
  /** Accessible label of the chart. */
  label?: string;
}

/** Counts of values in equal-width bins over `[lo, hi]` (values outside are not counted). */
export interface Bins {
  /** Bin edges, `bins + 1` values. */
  edges: number[];
  /** Count per bin. */
  counts: number[];
}

/**
 * Count values into `bins` equal bins over `[lo, hi]`; the last bin is closed.
 *
 * @param values The values (non-finite ones and those outside are skipped).
 * @param lo Lower edge.
 * @param hi Upper edge (> lo; if equal, one bin of width 1 around them is used).
 * @param bins Number of bins.
 * @returns Edges and counts.
 *
 * @example Four values in two bins
 * ```ts
 * import { binValues } from "./charts.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(binValues([0, 0.2, 0.6, 1], 0, 1, 2), { edges: [0, 0.5, 1], counts: [2, 2] });
 * ```
 */
export function binValues(values: readonly number[], lo: number, hi: number, bins: number): Bins {
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi : lo + k * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!(v >= lo && v <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { edges, counts };
}

/**
 * A histogram, optionally with dashed markers (e.g. the prior bounds).
 *
 * @param values The values.
 * @param options Domain, bins, markers, size, labels.
 * @returns An `<svg>` element as a string.
 *
 * @example Values against bounds
 * ```ts
 * import { histogram } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const svg = histogram([0.1, 0.4, 0.5, 0.9], { domain: [0, 1], markers: [0, 1] });
 * assert.match(svg, /<rect/);
 * assert.match(svg, /#c53030/);
 * ```
 */
export function histogram(values: readonly number[], options: HistogramOptions = {}): string {
  const finite = values.filter((v) => Number.isFinite(v));
  let [lo, hi] = options.domain ?? [Math.min(...finite), Math.max(...finite)];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  const { edges, counts } = binValues(finite, lo, hi, options.bins ?? 20);
  const rows = counts.map((count, k) => ({ x1: edges[k], x2: edges[k + 1], count }));
  const markers = options.markers ?? [];
  const xs = [edges[0], edges[edges.length - 1], ...markers];
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const pad = 0.03 * (xMax - xMin);
  return render({
    width: options.width ?? 170,
    height: options.height ?? 110,
    marginLeft: 30,
    marginRight: 14,
    x: {
      label: options.xLabel ?? null,
      domain: [xMin - pad, xMax + pad],
      ticks: [xMin, (xMin + xMax) / 2, xMax],
      tickFormat: "~g",
    },
    y: { label: null, ticks: 3, grid: true },
    marks: [
      Plot.rectY(rows, {
        x1: "x1",
        x2: "x2",
        y: "count",
        fill: FAN_COLOR,
        fillOpacity: 0.7,
        inset: 0.3,
      }),
      Plot.ruleY([0]),
      Plot.ruleX(markers, { stroke: BOUND_COLOR, strokeDasharray: "3,2", strokeWidth: 1.2 }),
    ],
  }, options.label ?? "histogram");
}

/** Options of {@link splitScatter}. */
export interface ScatterOptions extends ChartSize {
  /** Label of the x axis. */
  xLabel?: string;
  /** Label of the y axis. */
  yLabel?: string;
  /** x positions of dashed threshold lines. */
  xRules?: readonly number[];
  /** y positions of dashed threshold lines. */
  yRules?: readonly number[];
  /** Accessible label of the chart. */
  label?: string;
}

/**
 * A scatter of two statistics, coloured by split ({@link SPLIT_COLORS}),
 * with dashed threshold lines. Holdout points are drawn last, on top.
 *
 * @param x x value per point.
 * @param y y value per point.
 * @param split Split name per point.
 * @param options Size, labels, thresholds.
 * @returns An `<svg>` element as a string.
 *
 * @example Two splits
 * ```ts
 * import { splitScatter } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const svg = splitScatter([0, 1, 2], [1, 0, 2], ["train", "train", "test_extrapolation_slice"], { xRules: [1.5] });
 * assert.equal((svg.match(/<circle/g) ?? []).length, 3);
 * assert.match(svg, /#e45756/);
 * ```
 */
export function splitScatter(
  x: readonly number[],
  y: readonly number[],
  split: readonly string[],
  options: ScatterOptions = {},
): string {
  const order = (
    name: string,
  ): number => (name.startsWith("test_") && name !== "test_interpolation" ? 1 : 0);
  const rows = x.map((xv, i) => ({ x: xv, y: y[i], split: split[i] }))
    .filter((r) => Number.isFinite(r.x) && Number.isFinite(r.y))
    .sort((a, b) => order(a.split) - order(b.split));
  const names = [...new Set([...Object.keys(SPLIT_COLORS), ...split])];
  return render({
    width: options.width ?? 330,
    height: options.height ?? 240,
    marginLeft: 46,
    x: { label: options.xLabel ?? null, grid: true },
    y: { label: options.yLabel ?? null, grid: true },
    color: { domain: names, range: names.map((n) => SPLIT_COLORS[n] ?? "#777") },
    marks: [
      Plot.dot(rows, { x: "x", y: "y", fill: "split", r: 1.7, fillOpacity: 0.75 }),
      Plot.ruleX(options.xRules ?? [], { stroke: "#222", strokeDasharray: "4,3" }),
      Plot.ruleY(options.yRules ?? [], { stroke: "#222", strokeDasharray: "4,3" }),
    ],
  }, options.label ?? "scatter");
}

/** Options of {@link barChart}. */
export interface BarChartOptions extends ChartSize {
  /** Colour per label (default {@link SPLIT_COLORS}, then grey). */
  colors?: Readonly<Record<string, string>>;
  /** Accessible label of the chart. */
  label?: string;
}

/**
 * Horizontal bars, one per label, with the value written at the end.
 *
 * @param labels Bar labels, top to bottom.
 * @param values Bar lengths.
 * @param options Size, colours, accessible label.
 * @returns An `<svg>` element as a string.
 *
 * @example Split sizes
 * ```ts
 * import { barChart } from "./charts.ts";
 * import assert from "node:assert/strict";
 * const svg = barChart(["train", "val"], [80, 10]);
 * assert.equal((svg.match(/<rect/g) ?? []).length, 2);
 * assert.match(svg, />80</);
 * ```
 */
export function barChart(
  labels: readonly string[],
  values: readonly number[],
  options: BarChartOptions = {},
): string {
  const colors = options.colors ?? SPLIT_COLORS;
  const rows = labels.map((label, k) => ({ label, value: values[k] }));
  return render({
    width: options.width ?? 330,
    height: options.height ?? 28 + 22 * labels.length,
    marginLeft: 80,
    marginRight: 50,
    x: { label: null, grid: true, ticks: 4 },
    y: { label: null, domain: [...labels] },
    color: { domain: [...labels], range: labels.map((l) => colors[l] ?? "#777") },
    marks: [
      Plot.barX(rows, { x: "value", y: "label", fill: "label" }),
      Plot.text(rows, {
        x: "value",
        y: "label",
        text: (d: { value: number }) => String(d.value),
        dx: 4,
        textAnchor: "start",
      }),
      Plot.ruleX([0]),
    ],
  }, options.label ?? "bar chart");
}
