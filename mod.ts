/**
 * ume-data: dataset infrastructure of the Universal Macro Emulator.
 *
 * @module
 */

export { keyedStream, STREAM, worldKey, Xoshiro128 } from "./src/numeric/rng.ts";
export type { StreamId } from "./src/numeric/rng.ts";
export {
  DEFAULT_STORED_DTYPE,
  quantizeTheta,
  quantizeValues,
  quantizeWithin,
  STORED_DTYPES,
} from "./src/numeric/quantize.ts";
export type { StoredDtype } from "./src/numeric/quantize.ts";
export type { ByteStore, ObjectInfo } from "./src/store/byte_store.ts";
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
export { DatasetWriter } from "./src/dataset/dataset_writer.ts";
export type {
  ArraySummary,
  BatchArrays,
  DatasetSummary,
  DatasetWriterOptions,
  SampleArrays,
} from "./src/dataset/dataset_writer.ts";
export { loadDataset, openDataset, readCoordinates } from "./src/dataset/reader.ts";
export type {
  Coordinates,
  Dataset,
  DatasetInfo,
  LoadedArray,
  LoadedWorld,
  LoadOptions,
  WorldInfo,
} from "./src/dataset/reader.ts";
export { LocalStore } from "./src/store/local_store.ts";
export { MemoryStore } from "./src/store/memory_store.ts";
export { openStore } from "./src/store/open_store.ts";
export type { StoreLocation } from "./src/store/location.ts";
export { StoreError } from "./src/store/store_error.ts";
export type { StoreErrorCode } from "./src/store/store_error.ts";
export type { ArraySpec, GroupSpec } from "./src/zarr/array_spec.ts";
export type { BloscCname, BloscConfig, BloscShuffle } from "./src/zarr/blosc.ts";
export type { DataType, NumericArray } from "./src/zarr/data_type.ts";
export { defaultChunkSamples, worldLayout } from "./src/dataset/world_layout.ts";
export { COORDINATE_NAMES } from "./src/dataset/coordinates.ts";
export type { CoordinateSpec } from "./src/dataset/coordinates.ts";
export type { MainArrayName, WorldLayout, WorldLayoutOptions } from "./src/dataset/world_layout.ts";

// Simulators
export { getWorld, isWorldId, listWorlds } from "./src/simulators/registry.ts";
export { lssWorld } from "./src/simulators/lss.ts";
export { varIrfs, varWorld } from "./src/simulators/var.ts";
export type { VarCoefficients, VarIrfOptions } from "./src/simulators/var.ts";
export { nkStateSpace, nkWorld, solveNk } from "./src/simulators/nk.ts";
export type { NkSolution } from "./src/simulators/nk.ts";

export { rbcFullIrf, rbcWorld, solveRbc } from "./src/simulators/rbc.ts";
export type { RbcSolution } from "./src/simulators/rbc.ts";
export { expectedIrf, switchingWorld } from "./src/simulators/switching.ts";
export type { ExpectedIrfOptions, SwitchingModel } from "./src/simulators/switching.ts";
export { zlbPath, zlbWorld } from "./src/simulators/zlb.ts";
export type { ZlbPath } from "./src/simulators/zlb.ts";
export type { StateSpace } from "./src/simulators/types.ts";

// Stores
export { S3Error, S3Store } from "./src/store/s3_store.ts";
export {
  awsCredentialChain,
  NoAwsCredentialsError,
  refreshingCredentials,
} from "./src/store/aws_credentials.ts";
export type {
  AwsCredentialProvider,
  AwsCredentials,
  CredentialAttempt,
  CredentialChainOptions,
  RefreshOptions,
} from "./src/store/aws_credentials.ts";
export type { RetryOptions } from "./src/store/s3_store.ts";
export type {
  S3Credentials,
  S3Operation,
  S3StoreOptions,
  S3StoreStats,
  S3StoreTuning,
} from "./src/store/s3_store.ts";

// Manifest
export { ManifestGenerator } from "./src/manifest/manifest_generator.ts";
export type {
  BuildManifestOptions,
  ManifestGeneratorOptions,
  SaveManifestOptions,
  SimulatorEntry,
} from "./src/manifest/manifest_generator.ts";
export { MANIFEST_KEY, readManifest } from "./src/manifest/manifest_io.ts";
export type { ReadManifestOptions } from "./src/manifest/manifest_io.ts";
export {
  assertValidManifest,
  ManifestValidationError,
  validateManifest,
} from "./src/manifest/validate_manifest.ts";
export { canonicalJson } from "./src/manifest/canonical_json.ts";
export { configHash } from "./src/manifest/hashing.ts";
export { gitHash } from "./src/manifest/git_hash.ts";
export { datasetFacts } from "./src/manifest/mapping.ts";
export type { ManifestArrayInput, SplitDefinition } from "./src/manifest/mapping.ts";
export { ManifestLayoutError, oldLayoutMessage } from "./src/manifest/layout.ts";
export type {
  DatasetFacts,
  Manifest,
  ManifestArray,
  ManifestChunking,
  ManifestCodec,
  ManifestCornerRule,
  ManifestGeneratorInfo,
  ManifestObs,
  ManifestParams,
  ManifestPrior,
  ManifestRealizedSplit,
  ManifestRngSeeds,
  ManifestShocks,
  ManifestSimulator,
  ManifestSliceRule,
  ManifestSplitDefinition,
  ManifestSplits,
  ManifestStorage,
  ManifestStreamIds,
  ManifestViolation,
  ManifestWorldSplitIndices,
  SplitAlgorithm,
} from "./src/manifest/types.ts";
export {
  isSplitDefinition,
  MANIFEST_SPLIT_INDEX_LIMIT,
  splitDefinition,
  splitDefinitions,
  worldSplitIndices,
} from "./src/manifest/types.ts";

// Splits
export {
  buildSplits,
  checkSplits,
  parseSplitsJson,
  QUANTILE_METHOD,
  splitsToJson,
} from "./src/splits.ts";
export type {
  BuildSplitsOptions,
  SplitExpectation,
  SplitInfo,
  SplitResult,
  SplitStatsColumns,
  SplitStatsInput,
  SplitViolation,
} from "./src/splits.ts";

// Pipeline
export { DEFAULT_CONFIG, resolveConfig, UsageError } from "./src/pipeline/config.ts";
export type { ConfigInput, GenerateConfig, ShardSpec } from "./src/pipeline/config.ts";
export { generateDataset } from "./src/pipeline/generate.ts";
export { finalizeDataset } from "./src/pipeline/finalize.ts";
export type {
  GenerateOptions,
  GenerateSummary,
  StageSeconds,
  WorldSummary,
} from "./src/pipeline/run_types.ts";
export {
  buildParamsParquet,
  PARAMS_PARQUET_ATTRIBUTE,
  paramsParquetFacts,
  writeParamsParquet,
} from "./src/params/params_parquet.ts";
export type { ParamsParquet, ParamsParquetFacts } from "./src/params/params_parquet.ts";
export { PARAMS_PARQUET_KEY } from "./src/dataset/keys.ts";
export { DEFAULT_RESIMULATE, validateDataset } from "./src/pipeline/validate.ts";
export type {
  ValidateOptions,
  ValidationProblem,
  ValidationReport,
} from "./src/pipeline/validate.ts";
export type { ProgressEvent, ProgressListener } from "./src/pipeline/progress.ts";

// Report
export { buildReport } from "./src/report/report.ts";
export type { BuiltReport } from "./src/report/report.ts";
export type {
  CollectOptions,
  FanBand,
  ManifestSummary,
  ReportData,
  SamplePath,
  SplitPoints,
  SplitSize,
  StateShare,
  ThetaColumn,
  WorldReport,
} from "./src/report/collect.ts";
