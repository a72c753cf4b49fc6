/**
 * ume-data: dataset infrastructure of the Universal Macro Emulator.
 *
 * @module
 */

export { keyedStream, STREAM, worldKey, Xoshiro128 } from "./src/numeric/rng.ts";
export type { StreamId } from "./src/numeric/rng.ts";
export type { ByteStore } from "./src/store/byte_store.ts";
export { WORLD_IDS } from "./src/simulators/types.ts";
export type {
  MetaDtype,
  MetaFieldSpec,
  ObsManifest,
  ParamManifest,
  PriorSpec,
  SampleResult,
  ShockManifest,
  SimOutput,
  SimulateOptions,
  SliceRule,
  SplitStats,
  WorldAdapter,
  WorldId,
} from "./src/simulators/types.ts";
