/**
 * The npm packages of the report: Observable Plot rendered to static SVG on
 * a linkedom document (inline, versioned specifiers, so that `mod.ts` can be
 * imported by URL from a project that has no import map).
 *
 * @module
 */

export * as Plot from "npm:@observablehq/plot@0.6.17";
export { parseHTML } from "npm:linkedom@0.18.15";
