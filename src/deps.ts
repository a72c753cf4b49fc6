/**
 * Every external specifier used by the library, inline and versioned, so that
 * `mod.ts` can be imported by URL from a project that has no import map.
 *
 * @module
 */

export { Blosc } from "npm:numcodecs@0.3.2";
export { Ajv2020 } from "npm:ajv@8.20.0/dist/2020.js";
export { AwsClient } from "npm:aws4fetch@1.0.20";
