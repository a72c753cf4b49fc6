/**
 * Our verified Blosc codec in zarrita's codec registry, under `blosc` (Zarr
 * v3) and `numcodecs.blosc` (what zarrita calls a v2 compressor), so that
 * zarrita decodes every Blosc chunk through `decodeBlosc`: the header's
 * compressed size must match the stored bytes (Blosc decodes some truncated
 * buffers without complaint) and its decoded size the chunk's. Encoding goes
 * through `BloscCodec`, which applies the configured shuffle (zarrita's
 * default hands numcodecs the v3 string `"shuffle"`, which numcodecs reads as
 * no shuffle) and checks the header of what it wrote.
 *
 * zarrita's registry is shared by everything in the process that imports
 * the same zarrita: once registered, its Blosc is ours.
 *
 * @module
 */

import { zarr } from "./_deps.ts";
import {
  type BloscCname,
  BloscCodec,
  type BloscShuffle,
  decodeBlosc,
  NUMCODECS_TYPESIZE,
} from "../zarr/blosc.ts";
import { dataTypeInfo, isDataType } from "../zarr/data_type.ts";

/** What zarrita tells a codec about the chunks it will see. */
interface ChunkMeta {
  /** zarrita's data type name (`"float32"`, ...). */
  dataType: string;
  /** The chunk shape. */
  shape: number[];
}

const SHUFFLE_V2: Readonly<Record<number, BloscShuffle>> = {
  0: "noshuffle",
  1: "shuffle",
  2: "bitshuffle",
};

/** The shuffle of a v3 (`"shuffle"`) or numcodecs (`1`; `-1` automatic) configuration. */
function shuffleOf(value: unknown, itemSize: number | undefined): BloscShuffle {
  if (typeof value === "string") return value as BloscShuffle;
  if (value === -1) return itemSize === 1 ? "noshuffle" : "shuffle";
  return SHUFFLE_V2[value as number] ?? (value as BloscShuffle);
}

/**
 * A zarrita bytes-to-bytes codec over `decodeBlosc` and `BloscCodec`.
 *
 * @example Decoding checks the sizes zarrita's numcodecs Blosc does not
 * ```ts
 * import { ZarritaBlosc } from "./_zarrita_blosc.ts";
 * import { BloscCodec, bloscConfigFor } from "../zarr/blosc.ts";
 * import assert from "node:assert/strict";
 * const raw = new Uint8Array(new Float32Array(64).fill(2.5).buffer);
 * const stored = await new BloscCodec(bloscConfigFor(4)).encode(raw);
 * const codec = ZarritaBlosc.fromConfig({}, { dataType: "float32", shape: [64] });
 * assert.deepEqual(await codec.decode(stored), raw);
 * const grown = new Uint8Array([...stored, 0]);
 * await assert.rejects(codec.decode(grown), /header says \d+ compressed bytes/);
 * const other = ZarritaBlosc.fromConfig({}, { dataType: "float32", shape: [32] });
 * await assert.rejects(other.decode(stored), /header says 256 decoded bytes, expected 128/);
 * ```
 */
export class ZarritaBlosc {
  /** zarrita's codec kind. */
  readonly kind = "bytes_to_bytes";
  #config: Record<string, unknown>;
  #itemSize: number | undefined;
  #chunkBytes: number | undefined;
  #encoder: BloscCodec | undefined;

  /**
   * The codec for one array, as zarrita's registry builds it.
   *
   * @param config The codec configuration: v3 (`shuffle: "shuffle"`, `typesize`) or numcodecs (`shuffle: 1`).
   * @param meta The chunks' data type and shape.
   * @returns The codec.
   */
  static fromConfig(config: unknown, meta: ChunkMeta): ZarritaBlosc {
    return new ZarritaBlosc(config, meta);
  }

  /**
   * Create the codec (see {@link ZarritaBlosc.fromConfig}).
   *
   * @param config The codec configuration.
   * @param meta The chunks' data type and shape.
   */
  constructor(config: unknown, meta: ChunkMeta) {
    this.#config = typeof config === "object" && config !== null
      ? config as Record<string, unknown>
      : {};
    // Data types of ours have a known size; for others zarrita may read in
    // this process, only the header's own sizes are checked.
    this.#itemSize = isDataType(meta.dataType) ? dataTypeInfo(meta.dataType).itemSize : undefined;
    this.#chunkBytes = this.#itemSize === undefined
      ? undefined
      : meta.shape.reduce((a, b) => a * b, 1) * this.#itemSize;
  }

  /**
   * Compress a chunk with the configured compressor and shuffle, checking the
   * header written.
   *
   * @param data The chunk's raw bytes.
   * @returns The Blosc buffer.
   */
  encode(data: Uint8Array): Promise<Uint8Array> {
    if (this.#encoder === undefined) {
      const c = this.#config;
      const shuffle = shuffleOf(c.shuffle ?? 1, this.#itemSize);
      this.#encoder = new BloscCodec({
        cname: (c.cname ?? "lz4") as BloscCname,
        clevel: (c.clevel ?? 5) as number,
        shuffle,
        // numcodecs records no typesize in v2; its WASM build shuffles with 4.
        typesize: typeof c.typesize === "number"
          ? c.typesize
          : shuffle === "noshuffle"
          ? this.#itemSize ?? 1
          : NUMCODECS_TYPESIZE,
        blocksize: (c.blocksize ?? 0) as number,
      });
    }
    return this.#encoder.encode(data);
  }

  /**
   * Decompress a chunk after checking the Blosc header's sizes against the
   * stored bytes and the chunk's size.
   *
   * @param data The stored bytes.
   * @returns The chunk's raw bytes.
   */
  decode(data: Uint8Array): Promise<Uint8Array> {
    return decodeBlosc(data, this.#chunkBytes);
  }
}

/**
 * Register {@link ZarritaBlosc} in zarrita's codec registry under `blosc`
 * and `numcodecs.blosc` (idempotent).
 *
 * @example zarrita now builds our codec
 * ```ts
 * import { registerBlosc, ZarritaBlosc } from "./_zarrita_blosc.ts";
 * import { zarr } from "./_deps.ts";
 * import assert from "node:assert/strict";
 * registerBlosc();
 * assert.equal(await zarr.registry.get("blosc")!(), ZarritaBlosc);
 * assert.equal(await zarr.registry.get("numcodecs.blosc")!(), ZarritaBlosc);
 * ```
 */
export function registerBlosc(): void {
  const entry = () => Promise.resolve(ZarritaBlosc);
  zarr.registry.set("blosc", entry);
  zarr.registry.set("numcodecs.blosc", entry);
}
