/**
 * Validation of `manifest.json`: the JSON Schema (ajv, draft 2020-12), then
 * every consistency rule a schema cannot express.
 *
 * @module
 */

import { sampleChunkCount } from "../zarr/chunk.ts";
import { Ajv2020 } from "./_deps.ts";
import schema from "../../schemas/manifest.json" with { type: "json" };
import { CORNER_SPLIT, SLICE_SPLIT } from "../splits.ts";
import { canonicalJson } from "./canonical_json.ts";
import { configHash } from "./hashing.ts";
import {
  CANONICAL_OBSERVABLES,
  MAIN_DIMENSIONS,
  type Manifest,
  type ManifestViolation,
} from "./types.ts";

/** Tolerance for fractions that must sum to 1 or equal a ratio. */
const TOLERANCE = 1e-9;

const DTYPE_BYTES: Readonly<Record<string, number>> = {
  int8: 1,
  uint8: 1,
  int32: 4,
  float32: 4,
  float64: 8,
};

type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  propertyName?: string;
  data?: unknown;
  parentSchema?: { title?: string };
}

let compiled: Validator | undefined;

function schemaValidator(): Validator {
  if (compiled === undefined) {
    const ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      allowUnionTypes: true,
      verbose: true,
    });
    compiled = ajv.compile(schema) as unknown as Validator;
  }
  return compiled;
}

/** Thrown when a manifest is invalid; carries every violation. */
export class ManifestValidationError extends Error {
  /** Tag for callers that branch on the error kind. */
  readonly code = "MANIFEST_INVALID";
  /** Every violation found. */
  readonly violations: ManifestViolation[];
  /**
   * Wrap violations in an error whose message lists them (the first 20).
   *
   * @param violations The violations (at least one).
   * @param what What was being validated, e.g. `"Cannot write manifest.json"`.
   */
  constructor(violations: ManifestViolation[], what = "Invalid manifest") {
    const shown = violations.slice(0, 20).map((v) => `  ${v.path || "/"}: ${v.message}`);
    if (violations.length > 20) shown.push(`  ... and ${violations.length - 20} more`);
    super(`${what}: ${violations.length} violation(s)\n${shown.join("\n")}`);
    this.name = "ManifestValidationError";
    this.violations = violations;
  }
}

function escapePointer(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function schemaViolations(manifest: unknown): ManifestViolation[] {
  const validate = schemaValidator();
  if (validate(manifest)) return [];
  const out: ManifestViolation[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    if (e.keyword === "if" || e.keyword === "propertyNames") continue;
    let path = e.instancePath;
    let message: string;
    const title = e.parentSchema?.title;
    if (e.propertyName !== undefined) {
      path = `${path}/${escapePointer(e.propertyName)}`;
      message = `Invalid key: must be a ${title ?? "valid name"}`;
    } else if (e.keyword === "required") {
      path = `${path}/${escapePointer(String(e.params.missingProperty))}`;
      message = "Required field is missing";
    } else if (e.keyword === "additionalProperties") {
      path = `${path}/${escapePointer(String(e.params.additionalProperty))}`;
      message = "Unknown field";
    } else if (e.keyword === "pattern" && title !== undefined) {
      message = `Must be a ${title}: got ${show(e.data)}`;
    } else if (e.keyword === "const") {
      message = `Must be ${show(e.params.allowedValue)}: got ${show(e.data)}`;
    } else if (e.keyword === "enum") {
      message = `Must be one of ${show(e.params.allowedValues)}: got ${show(e.data)}`;
    } else {
      message = `${capitalize(e.message ?? e.keyword)}: got ${show(e.data)}`;
    }
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path, message });
    }
  }
  return out;
}

// Defensive accessors: the semantic checks run even when the schema failed.
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function isInt(v: unknown): v is number {
  return Number.isSafeInteger(v);
}

function arr(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

class Collector {
  readonly out: ManifestViolation[] = [];
  add(path: string, message: string): void {
    this.out.push({ path, message });
  }
}

function checkUnique(c: Collector, path: string, list: unknown[] | undefined, what: string): void {
  if (list === undefined) return;
  const seen = new Map<unknown, number>();
  list.forEach((v, i) => {
    const first = seen.get(v);
    if (first !== undefined) {
      c.add(`${path}/${i}`, `Duplicate ${what} ${show(v)} (first at index ${first})`);
    } else seen.set(v, i);
  });
}

function checkLength(
  c: Collector,
  path: string,
  list: unknown,
  expected: number,
  per: string,
): void {
  const a = arr(list);
  if (a !== undefined && a.length !== expected) {
    c.add(path, `Has ${a.length} entries, expected ${expected} (one per ${per})`);
  }
}

function checkParams(c: Collector, path: string, p: unknown): number | undefined {
  if (!isObj(p)) return undefined;
  const names = arr(p.names);
  if (names === undefined) return undefined;
  const n = names.length;
  checkUnique(c, `${path}/names`, names, "parameter name");
  for (const key of ["units", "bounds", "defaults", "priors"]) {
    checkLength(c, `${path}/${key}`, p[key], n, "parameter name");
  }
  const bounds = arr(p.bounds) ?? [];
  const defaults = arr(p.defaults) ?? [];
  const priors = arr(p.priors) ?? [];
  bounds.forEach((b, i) => {
    const lo = arr(b)?.[0];
    const hi = arr(b)?.[1];
    if (!isNum(lo) || !isNum(hi)) return;
    if (lo > hi) c.add(`${path}/bounds/${i}`, `Lower bound ${lo} exceeds upper bound ${hi}`);
    const d = defaults[i];
    if (isNum(d) && (d < lo || d > hi)) {
      c.add(`${path}/defaults/${i}`, `Default ${d} lies outside the bounds [${lo}, ${hi}]`);
    }
    const prior = priors[i];
    const params = isObj(prior) && isObj(prior.params) ? prior.params : {};
    if (isObj(prior) && prior.type === "uniform" && isNum(params.lo) && isNum(params.hi)) {
      if (params.lo > params.hi) {
        c.add(`${path}/priors/${i}`, `Prior lo ${params.lo} exceeds prior hi ${params.hi}`);
      } else if (params.lo < lo || params.hi > hi) {
        c.add(
          `${path}/priors/${i}`,
          `Uniform prior [${params.lo}, ${params.hi}] exceeds the bounds [${lo}, ${hi}]`,
        );
      }
    }
  });
  return n;
}

function checkShocks(c: Collector, path: string, s: unknown): number | undefined {
  if (!isObj(s)) return undefined;
  const names = arr(s.names);
  if (names === undefined) return undefined;
  checkUnique(c, `${path}/names`, names, "shock name");
  checkLength(c, `${path}/sigma`, s.sigma, names.length, "shock name");
  if (isInt(s.n_shocks) && s.n_shocks !== names.length) {
    c.add(
      `${path}/n_shocks`,
      `Must be the number of shock names ${names.length}: got ${s.n_shocks}`,
    );
  }
  return names.length;
}

function checkObs(c: Collector, path: string, o: unknown): void {
  if (!isObj(o)) return;
  const canonical = arr(o.canonical_names);
  if (canonical !== undefined) {
    checkLength(c, `${path}/units`, o.units, canonical.length, "canonical observable");
  }
  const extra = arr(o.extra_names);
  checkUnique(c, `${path}/extra_names`, extra, "observable name");
  if (extra !== undefined && isInt(o.n_extra) && o.n_extra !== extra.length) {
    c.add(`${path}/n_extra`, `Must be the number of extra names ${extra.length}: got ${o.n_extra}`);
  }
}

/** The chunk keys an array must have, for its zarr format. */
function expectedChunkKeys(
  shape: number[],
  chunks: number[],
  zarrFormat: unknown,
  separator: string,
): string[] {
  const counts = shape.map((s, d) => sampleChunkCount(s, chunks[d]));
  const total = counts.reduce((p, v) => p * v, 1);
  if (total > 10_000_000) return [];
  const keys: string[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < total; k++) {
    keys.push(zarrFormat === 2 ? idx.join(separator) : `c/${idx.join("/")}`);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < counts[d]) break;
      idx[d] = 0;
    }
  }
  return keys;
}

function checkArray(
  c: Collector,
  path: string,
  a: unknown,
  ctx: {
    expectedShape?: (number | undefined)[];
    expectedDims?: readonly string[];
    expectedPath: string;
    nSamples: number | undefined;
    zarrFormat: unknown;
  },
): void {
  if (!isObj(a)) return;
  if (typeof a.path === "string" && a.path !== ctx.expectedPath) {
    c.add(`${path}/path`, `Must be ${show(ctx.expectedPath)}: got ${show(a.path)}`);
  }
  const shape = arr(a.shape);
  const chunks = arr(a.chunks);
  const dims = arr(a.dimension_names);
  const shapeOk = shape !== undefined && shape.every(isInt);
  if (shapeOk && ctx.expectedShape !== undefined) {
    const want = ctx.expectedShape;
    const mismatch = want.length !== shape.length ||
      want.some((w, d) => w !== undefined && w !== shape[d]);
    if (mismatch) {
      c.add(
        `${path}/shape`,
        `Must be [${want.map((w) => w ?? "?").join(", ")}]: got ${show(shape)}`,
      );
    }
  } else if (shapeOk && ctx.nSamples !== undefined && shape[0] !== ctx.nSamples) {
    c.add(`${path}/shape/0`, `Sample axis has ${shape[0]} entries, expected ${ctx.nSamples}`);
  }
  if (dims !== undefined && shape !== undefined && dims.length !== shape.length) {
    c.add(`${path}/dimension_names`, `Has ${dims.length} names for ${shape.length} dimensions`);
  } else if (dims !== undefined && ctx.expectedDims !== undefined) {
    if (!sameList(dims, ctx.expectedDims)) {
      c.add(`${path}/dimension_names`, `Must be ${show(ctx.expectedDims)}: got ${show(dims)}`);
    }
  } else if (dims !== undefined && dims[0] !== "sample") {
    c.add(`${path}/dimension_names/0`, `First dimension must be "sample": got ${show(dims[0])}`);
  }
  if (!shapeOk || chunks === undefined || !chunks.every((v) => isInt(v) && v >= 1)) return;
  const s = shape as number[];
  const ch = chunks as number[];
  if (ch.length !== s.length) {
    c.add(`${path}/chunks`, `Has ${ch.length} entries for ${s.length} dimensions`);
    return;
  }
  for (let d = 1; d < s.length; d++) {
    if (ch[d] !== s[d]) {
      c.add(
        `${path}/chunks/${d}`,
        `Chunks split the sample axis only: expected ${s[d]}, got ${ch[d]}`,
      );
    }
  }
  const nChunks = s.reduce((p, v, d) => p * Math.ceil(v / ch[d]), 1);
  if (isInt(a.n_chunks) && a.n_chunks !== nChunks) {
    c.add(`${path}/n_chunks`, `Must be ${nChunks} for shape ${show(s)} and chunks ${show(ch)}`);
  }
  const itemSize = typeof a.dtype === "string" ? DTYPE_BYTES[a.dtype] : undefined;
  if (itemSize !== undefined && isInt(a.raw_bytes)) {
    const raw = s.reduce((p, v) => p * v, itemSize);
    if (a.raw_bytes !== raw) {
      c.add(
        `${path}/raw_bytes`,
        `Must be ${raw} for shape ${show(s)} of ${a.dtype}: got ${a.raw_bytes}`,
      );
    }
  }
  if (!isObj(a.chunk_sha256)) return;
  const have = Object.keys(a.chunk_sha256);
  const separator = ctx.zarrFormat === 2 && have.some((k) => k.includes("/")) ? "/" : ".";
  const want = expectedChunkKeys(s, ch, ctx.zarrFormat, separator);
  if (want.length === 0 && nChunks > 0) return;
  const wantSet = new Set(want);
  const haveSet = new Set(have);
  const missing = want.filter((k) => !haveSet.has(k));
  const extra = have.filter((k) => !wantSet.has(k));
  if (missing.length > 0) {
    c.add(
      `${path}/chunk_sha256`,
      `Missing digests of ${missing.length} chunks: ${missing.slice(0, 10).join(", ")}${
        missing.length > 10 ? ", ..." : ""
      }`,
    );
  }
  if (extra.length > 0) {
    c.add(
      `${path}/chunk_sha256`,
      `Digests of ${extra.length} chunks outside the chunk grid: ${extra.slice(0, 10).join(", ")}${
        extra.length > 10 ? ", ..." : ""
      }`,
    );
  }
}

function checkWorld(
  c: Collector,
  id: string,
  w: unknown,
  top: { T: unknown; H: unknown; splits: Obj | undefined },
): void {
  if (!isObj(w)) return;
  const path = `/simulators/${escapePointer(id)}`;
  const n = isInt(w.n_samples) ? w.n_samples : undefined;
  const nParams = checkParams(c, `${path}/param_manifest`, w.param_manifest);
  const nShocks = checkShocks(c, `${path}/shock_manifest`, w.shock_manifest);
  checkObs(c, `${path}/obs_manifest`, w.obs_manifest);
  const canonical = isObj(w.obs_manifest) ? arr(w.obs_manifest.canonical_names) : undefined;
  const zarrFormat = isObj(w.storage) ? w.storage.zarr_format : undefined;
  const storedDtype = isObj(w.storage) ? w.storage.dtype : undefined;
  const nObs = canonical?.length ?? CANONICAL_OBSERVABLES.length;

  if (isObj(w.config) && typeof w.config_hash === "string") {
    try {
      const want = configHash(w.config);
      if (want !== w.config_hash) {
        c.add(
          `${path}/config_hash`,
          `Does not match the SHA-256 of the canonical JSON of config: expected ${want}`,
        );
      }
    } catch (e) {
      c.add(`${path}/config`, `Cannot hash config: ${(e as Error).message}`);
    }
  }

  const T = isInt(top.T) ? top.T : undefined;
  const H = isInt(top.H) ? top.H : undefined;
  const shapes: Record<string, (number | undefined)[]> = {
    trajectories: [n, T, nObs],
    irfs: [n, nShocks, H === undefined ? undefined : H + 1, nObs],
    shocks: [n, T, nShocks],
    theta: [n, nParams],
  };
  if (isObj(w.arrays)) {
    for (const [name, a] of Object.entries(w.arrays)) {
      checkArray(c, `${path}/arrays/${escapePointer(name)}`, a, {
        expectedShape: shapes[name],
        expectedDims: MAIN_DIMENSIONS[name],
        expectedPath: `${id}/${name}.zarr`,
        nSamples: n,
        zarrFormat,
      });
      if (isObj(a) && typeof storedDtype === "string" && a.dtype !== storedDtype) {
        c.add(
          `${path}/arrays/${escapePointer(name)}/dtype`,
          `Must be storage.dtype ${show(storedDtype)}: got ${show(a.dtype)}`,
        );
      }
    }
  }
  if (isObj(w.metadata_arrays)) {
    for (const [name, a] of Object.entries(w.metadata_arrays)) {
      checkArray(c, `${path}/metadata_arrays/${escapePointer(name)}`, a, {
        expectedPath: `${id}/metadata.zarr/${name}`,
        nSamples: n,
        zarrFormat,
      });
    }
  }

  if (isObj(w.rejections) && isInt(w.rejections.total) && isNum(w.rejections.rate) && n) {
    const want = w.rejections.total / (w.rejections.total + n);
    if (Math.abs(w.rejections.rate - want) > TOLERANCE) {
      c.add(
        `${path}/rejections/rate`,
        `Must be total / (total + n_samples) = ${want}: got ${w.rejections.rate}`,
      );
    }
  }

  if (!isObj(w.splits)) return;
  const names = Object.keys(top.splits ?? {});
  const have = Object.keys(w.splits);
  for (const name of names) {
    if (!(name in w.splits)) {
      c.add(`${path}/splits/${escapePointer(name)}`, `Split "${name}" is defined but not realized`);
    }
  }
  for (const name of have) {
    if (!names.includes(name)) {
      c.add(
        `${path}/splits/${escapePointer(name)}`,
        `Split "${name}" has no definition in /splits`,
      );
    }
  }
  let total = 0;
  let fractionSum = 0;
  let complete = true;
  for (const [name, s] of Object.entries(w.splits)) {
    if (!isObj(s) || !isInt(s.n) || !isNum(s.realized_fraction)) {
      complete = false;
      continue;
    }
    total += s.n;
    fractionSum += s.realized_fraction;
    const sp = `${path}/splits/${escapePointer(name)}`;
    if (n !== undefined && Math.abs(s.realized_fraction - s.n / n) > TOLERANCE) {
      c.add(
        `${sp}/realized_fraction`,
        `Must be n / n_samples = ${s.n / n}: got ${s.realized_fraction}`,
      );
    }
  }
  if (complete && n !== undefined && total !== n) {
    c.add(`${path}/splits`, `Split sizes sum to ${total}, expected n_samples = ${n}`);
  }
  if (complete && Math.abs(fractionSum - 1) > TOLERANCE) {
    c.add(`${path}/splits`, `Realized fractions sum to ${fractionSum}, not 1`);
  }
  const slice = w.splits[SLICE_SPLIT];
  if (isObj(slice) && isObj(w.slice_rule)) {
    for (const key of ["statistic", "op", "threshold"]) {
      if (key in slice && slice[key] !== w.slice_rule[key]) {
        c.add(
          `${path}/splits/${SLICE_SPLIT}/${key}`,
          `Must equal slice_rule.${key} ${show(w.slice_rule[key])}: got ${show(slice[key])}`,
        );
      }
    }
  }
  const corner = w.splits[CORNER_SPLIT];
  const cornerDef = Object.values(top.splits ?? {}).find((d) =>
    isObj(d) && d.algorithm === "corner"
  );
  if (isObj(corner) && isObj(cornerDef) && "quantile" in corner) {
    if (corner.quantile !== cornerDef.quantile) {
      c.add(
        `${path}/splits/${CORNER_SPLIT}/quantile`,
        `Must equal the corner definition's quantile ${show(cornerDef.quantile)}: got ${
          show(corner.quantile)
        }`,
      );
    }
  }
}

function checkSplitDefinitions(c: Collector, defs: Obj | undefined): void {
  if (defs === undefined) return;
  const entries = Object.entries(defs).filter((e): e is [string, Obj] => isObj(e[1]));
  const random = entries.filter(([, d]) => d.algorithm === "random");
  if (random.length > 0 && random.every(([, d]) => isNum(d.fraction))) {
    const sum = random.reduce((s, [, d]) => s + (d.fraction as number), 0);
    if (Math.abs(sum - 1) > TOLERANCE) {
      c.add("/splits", `Nominal fractions of the random splits sum to ${sum}, not 1`);
    }
  }
  const seeds = new Set(random.map(([, d]) => d.seed));
  if (seeds.size > 1) {
    c.add("/splits", `Random splits share one shuffle, so one seed: got ${show([...seeds])}`);
  }
  for (const [name, d] of entries) {
    const at = `/splits/${escapePointer(name)}`;
    if (d.algorithm === "slice" && name !== SLICE_SPLIT) {
      c.add(`${at}/algorithm`, `Only the split "${SLICE_SPLIT}" is a slice split`);
    }
    if (d.algorithm === "corner" && name !== CORNER_SPLIT) {
      c.add(`${at}/algorithm`, `Only the split "${CORNER_SPLIT}" is a corner split`);
    }
    if (name === SLICE_SPLIT && d.algorithm !== "slice") {
      c.add(`${at}/algorithm`, `Must be "slice": got ${show(d.algorithm)}`);
    }
    if (name === CORNER_SPLIT && d.algorithm !== "corner") {
      c.add(`${at}/algorithm`, `Must be "corner": got ${show(d.algorithm)}`);
    }
  }
}

/** `manifest.splits` without the entries keyed by a world id (those are index lists). */
function splitDefinitionEntries(splits: Obj, simulators: unknown): Obj {
  const worlds = isObj(simulators) ? simulators : {};
  return Object.fromEntries(Object.entries(splits).filter(([k]) => !(k in worlds)));
}

/**
 * `splits.<world_id>`: the world's indices per split, as many as its
 * realized split says, sorted, each index below `n_samples`.
 */
function checkWorldSplitIndices(c: Collector, splits: Obj, simulators: Obj): void {
  for (const [id, w] of Object.entries(simulators)) {
    const lists = splits[id];
    if (lists === undefined || !isObj(w)) continue;
    const at = `/splits/${escapePointer(id)}`;
    if (!isObj(lists)) {
      c.add(at, `Must be the world's sample indices per split: got ${show(lists)}`);
      continue;
    }
    const realized = isObj(w.splits) ? w.splits : {};
    const names = new Set([...Object.keys(realized), ...Object.keys(lists)]);
    for (const name of names) {
      const list = lists[name];
      const r = realized[name];
      const where = `${at}/${escapePointer(name)}`;
      if (!Array.isArray(list)) {
        c.add(where, `Missing: the indices of split "${name}" of world "${id}"`);
        continue;
      }
      if (isObj(r) && isInt(r.n) && list.length !== r.n) {
        c.add(where, `Holds ${list.length} indices; simulators.${id}.splits.${name}.n is ${r.n}`);
      }
      const n = isInt(w.n_samples) ? w.n_samples : Infinity;
      const bad = list.findIndex((v, i) =>
        !isInt(v) || v >= n || (i > 0 && (v as number) <= (list[i - 1] as number))
      );
      if (bad >= 0) {
        c.add(`${where}/${bad}`, `Indices must be sorted, distinct and below n_samples (${n})`);
      }
    }
  }
}

/** Every world records the same dataset-wide facts (`generator`, `storage`). */
function checkDatasetFacts(c: Collector, simulators: Obj): void {
  const worlds = Object.entries(simulators).filter((e): e is [string, Obj] => isObj(e[1]));
  if (worlds.length < 2) return;
  const [firstId, first] = worlds[0];
  for (const [id, w] of worlds.slice(1)) {
    for (const key of ["generator", "storage"]) {
      if (key in w && key in first && canonicalOrNull(w[key]) !== canonicalOrNull(first[key])) {
        c.add(
          `/simulators/${escapePointer(id)}/${key}`,
          `Dataset-wide: must equal /simulators/${escapePointer(firstId)}/${key}`,
        );
      }
    }
  }
}

function canonicalOrNull(v: unknown): string | null {
  try {
    return canonicalJson(v);
  } catch {
    return null;
  }
}

/**
 * Validate a manifest: the JSON Schema (`schemas/manifest.json`, ajv with
 * every error), then the rules a schema cannot express: parameter
 * names/units/bounds/defaults/priors of the same length, `lo <= default <=
 * hi`, uniform priors inside the bounds, unique names, shock sigmas per
 * shock, units per canonical observable, the config hash, array shapes from
 * `n_samples`/`T`/`H`/counts, dimension names, chunking along the sample axis
 * only, chunk counts and the full set of chunk digests, raw byte counts,
 * the rejection rate, split names against the definitions, split sizes
 * summing to `n_samples`, realized fractions equal to `n / n_samples` and
 * summing to 1, nominal fractions of the random splits summing to 1, one
 * seed for the random splits, `n_shocks` and `n_extra` equal to their name
 * counts, the same `generator` and `storage` in every world, and global
 * seeds that stay safe integers.
 *
 * A manifest in the layout before 0.2.0 gets schema violations here; callers
 * that face users check `oldLayoutMessage` (`./layout.ts`) first.
 *
 * @param manifest The parsed manifest (any JSON value).
 * @returns Every violation, each with a JSON-pointer path; empty if valid.
 *
 * @example A violation with its path
 * ```ts
 * import { validateManifest } from "./validate_manifest.ts";
 * import assert from "node:assert/strict";
 * const violations = validateManifest({ version: "1.0" });
 * assert.ok(violations.some((v) => v.path === "/version"));
 * assert.ok(violations.some((v) => v.path === "/simulators" && /missing/.test(v.message)));
 * ```
 */
export function validateManifest(manifest: unknown): ManifestViolation[] {
  const c = new Collector();
  c.out.push(...schemaViolations(manifest));
  if (!isObj(manifest)) return c.out;
  if (typeof manifest.created_at === "string" && Number.isNaN(Date.parse(manifest.created_at))) {
    c.add("/created_at", `Is not a valid date: got ${show(manifest.created_at)}`);
  }
  const defs = isObj(manifest.splits)
    ? splitDefinitionEntries(manifest.splits, manifest.simulators)
    : undefined;
  checkSplitDefinitions(c, defs);
  if (isObj(manifest.splits) && isObj(manifest.simulators)) {
    checkWorldSplitIndices(c, manifest.splits, manifest.simulators);
  }
  if (isObj(manifest.simulators)) {
    let maxN = 0;
    for (const [id, w] of Object.entries(manifest.simulators)) {
      if (isObj(w) && isInt(w.n_samples)) maxN = Math.max(maxN, w.n_samples);
      checkWorld(c, id, w, { T: manifest.T, H: manifest.H, splits: defs });
    }
    checkDatasetFacts(c, manifest.simulators);
    const rng = isObj(manifest.rng_seeds) ? manifest.rng_seeds : {};
    if (isInt(rng.global) && rng.global + maxN - 1 > Number.MAX_SAFE_INTEGER) {
      c.add(
        "/rng_seeds/global",
        `Sample seeds global_seed + i must stay below 2^53 for ${maxN} samples`,
      );
    }
  }
  return c.out;
}

/**
 * Validate a manifest and throw if it is invalid.
 *
 * @param manifest The parsed manifest.
 * @param what Prefix of the error message.
 * @throws {ManifestValidationError} Listing every violation.
 *
 * @example Throws on an invalid manifest
 * ```ts
 * import { assertValidManifest, ManifestValidationError } from "./validate_manifest.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => assertValidManifest({}), ManifestValidationError);
 * ```
 */
export function assertValidManifest(
  manifest: unknown,
  what?: string,
): asserts manifest is Manifest {
  const violations = validateManifest(manifest);
  if (violations.length > 0) throw new ManifestValidationError(violations, what);
}
