/**
 * The npm package of the Zarr layer: numcodecs' WebAssembly Blosc. Generation
 * workers load this layer, so it imports nothing else: every npm package
 * added here is loaded by every worker (`tests/deps_test.ts` checks the
 * worker's graph).
 *
 * Specifiers are inline and versioned, so that `mod.ts` can be imported by
 * URL from a project that has no import map.
 *
 * @module
 */

export { Blosc, Zstd } from "npm:numcodecs@0.3.2";
