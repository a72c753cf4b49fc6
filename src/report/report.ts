/**
 * Build the dataset report: collect what it shows from a local or S3
 * dataset, render it as one self-contained HTML page.
 *
 * @module
 */

import { type StoreLocation, withLocation } from "../store/location.ts";
import { type CollectOptions, collectReport, type ReportData } from "./collect.ts";
import { renderReportHtml } from "./html.ts";

/** What {@link buildReport} returns. */
export interface BuiltReport {
  /** The HTML page. */
  html: string;
  /** The data it shows. */
  data: ReportData;
}

/**
 * Build the HTML report of a dataset.
 *
 * Needs read permission for a local dataset; network and `AWS_*` env
 * permissions for `s3://` URLs.
 *
 * @param location The dataset: a path or URL (opened and closed here), or an open store.
 * @param options Sample limit, sample paths, worlds (see {@link CollectOptions}).
 * @returns The HTML page and the data it shows.
 * @throws {UsageError} If there is no valid `manifest.json`, or a requested world is not in it.
 *
 * @example Report on a small in-memory dataset
 * ```ts
 * import { buildReport } from "./report.ts";
 * import { generateDataset } from "../pipeline/generate.ts";
 * import { resolveConfig } from "../pipeline/config.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryStore();
 * const config = resolveConfig([{ worlds: "nk", n_samples: 30, output: "memory://doc", T: 8, H: 3 }], 1);
 * await generateDataset(config, { store });
 * const { html, data } = await buildReport(store, { maxSamples: 20 });
 * assert.equal(data.worlds[0].sampleIndices.length, 20);
 * assert.match(html, /data-world="nk"/);
 * ```
 */
export async function buildReport(
  location: StoreLocation,
  options: CollectOptions = {},
): Promise<BuiltReport> {
  return await withLocation(location, async (store) => {
    const data = await collectReport(store, options);
    return { html: renderReportHtml(data), data };
  });
}
