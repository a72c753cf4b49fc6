/**
 * The npm package of the pipeline layer: ajv, for JSON Schema 2020-12
 * validation of `generate` config files (`config.ts`), at the same version as
 * `../manifest/_deps.ts` (`tests/deps_test.ts` checks that every layer names
 * one version of a package). Nothing on the worker's path imports this file.
 *
 * @module
 */

export { Ajv2020 } from "npm:ajv@8.20.0/dist/2020.js";
