/**
 * The npm package of the manifest layer: ajv, for JSON Schema 2020-12
 * validation of `manifest.json` (inline, versioned specifier, so that
 * `mod.ts` can be imported by URL from a project that has no import map).
 *
 * @module
 */

export { Ajv2020 } from "npm:ajv@8.20.0/dist/2020.js";
