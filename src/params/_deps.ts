/**
 * The npm package of the params layer: hyparquet-writer, a pure-JavaScript
 * Parquet writer (with its one dependency, hyparquet). It needs no Deno
 * permission: no WebAssembly file to read, no native code. Generation
 * workers never load this layer.
 *
 * Specifiers are inline and versioned, so that `mod.ts` can be imported by
 * URL from a project that has no import map. The modules are imported one
 * by one: the package's index also declares its geometry types, whose
 * declarations point at a file hyparquet does not ship (`deno check` warns).
 *
 * @module
 */

import { ParquetWriter } from "npm:hyparquet-writer@0.17.0/src/parquet-writer.js";

export { ParquetWriter };
export { ByteWriter } from "npm:hyparquet-writer@0.17.0/src/bytewriter.js";
export { schemaFromColumnData } from "npm:hyparquet-writer@0.17.0/src/schema.js";

/** One column's values and options, as `ParquetWriter.write` takes them. */
export type ColumnSource = Parameters<ParquetWriter["write"]>[0]["columnData"][number];

/** The writer and its version, recorded as the file's `created_by` (pinned: no other input). */
export const PARQUET_CREATED_BY = "hyparquet-writer version 0.17.0";
