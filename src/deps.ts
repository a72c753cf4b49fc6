/**
 * Every external specifier used by the library, inline and versioned, so that
 * `mod.ts` can be imported by URL from a project that has no import map.
 *
 * @module
 */

export { Blosc } from "npm:numcodecs@0.3.2";
export { Ajv2020 } from "npm:ajv@8.20.0/dist/2020.js";
export { AwsClient } from "npm:aws4fetch@1.0.20";
// Report charts: Observable Plot rendered to static SVG on a linkedom document.
export * as Plot from "npm:@observablehq/plot@0.6.17";
export { parseHTML } from "npm:linkedom@0.18.15";
