// Test-only external specifiers (never imported by the library).
export {
  CholeskyDecomposition,
  EigenvalueDecomposition,
  inverse,
  LuDecomposition,
  Matrix,
  QrDecomposition,
  solve,
} from "npm:ml-matrix@6.15.1";
export * as zarrita from "npm:zarrita@0.7.5";
export { Ajv as Ajv07 } from "npm:ajv@8.20.0";
// An independent Parquet reader (arrow-rs compiled to WebAssembly) and Arrow IPC, to read
// params.parquet back without the library that wrote it.
export { readParquet } from "npm:parquet-wasm@0.8.0";
export { tableFromIPC } from "npm:apache-arrow@21.2.0";
