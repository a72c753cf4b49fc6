/**
 * The npm package of the dataset layer: zarrita, the Zarr library the reader
 * is built on (`read_samples.ts`). Generation workers never load this layer.
 *
 * Specifiers are inline and versioned, so that `mod.ts` can be imported by
 * URL from a project that has no import map.
 *
 * @module
 */

export * as zarr from "npm:zarrita@0.7.5";
