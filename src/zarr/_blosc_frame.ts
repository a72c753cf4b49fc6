/**
 * A Blosc (format 2, c-blosc 1.x) frame with a byte shuffle of any element
 * size, written here because numcodecs' WASM build only shuffles with
 * typesize 4: float64 arrays are shuffled with typesize 8, as c-blosc does
 * for them. Each block is byte-shuffled, then compressed as one zstd frame
 * (numcodecs' WASM zstd), or stored as is when that is not smaller; the
 * header sets "don't split" (one stream per block), as numcodecs' build
 * does. Any c-blosc decodes it (numcodecs in Python, numcodecs' WASM).
 *
 * @module
 */

import { Zstd } from "./_deps.ts";

/** Block size of the frames, a multiple of every element size used (c-blosc's choice at clevel 3). */
const BLOCK_BYTES = 128 * 1024;
const HEADER_BYTES = 16;
const FORMAT_VERSION = 2;
const ZSTD_FORMAT_VERSION = 1;
const ZSTD_CODE = 4;
const FLAG_SHUFFLE = 0x01;
const FLAG_DONT_SPLIT = 0x10;

interface ZstdCodec {
  encode(data: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

const zstdByLevel = new Map<number, ZstdCodec>();

/** c-blosc 1.x maps its clevel 1..8 to zstd level 2 clevel − 1 (9: zstd's maximum, 22). */
function zstdLevel(clevel: number): number {
  return clevel < 9 ? 2 * clevel - 1 : 22;
}

/**
 * Byte-shuffle one block as c-blosc does: byte j of element i goes to
 * `j * n + i` (n whole elements); trailing bytes of a partial element stay.
 */
function shuffleBlock(src: Uint8Array, typesize: number, out: Uint8Array): void {
  const n = Math.floor(src.length / typesize);
  for (let j = 0; j < typesize; j++) {
    const base = j * n;
    for (let i = 0; i < n; i++) out[base + i] = src[i * typesize + j];
  }
  const rest = n * typesize;
  out.set(src.subarray(rest), rest);
}

/**
 * Encode bytes as a byte-shuffled, zstd-compressed Blosc frame.
 *
 * @param data The raw bytes.
 * @param typesize Element size of the shuffle, 2 to 255.
 * @param clevel Blosc compression level, 1 to 9.
 * @returns The Blosc buffer.
 */
export async function encodeShuffledZstdFrame(
  data: Uint8Array,
  typesize: number,
  clevel: number,
): Promise<Uint8Array> {
  if (!Number.isInteger(typesize) || typesize < 2 || typesize > 255) {
    throw new RangeError(`Invalid Blosc typesize ${typesize}: expected 2 to 255`);
  }
  if (!Number.isInteger(clevel) || clevel < 1 || clevel > 9) {
    throw new RangeError(`Invalid Blosc clevel ${clevel} for a zstd frame: expected 1 to 9`);
  }
  const level = zstdLevel(clevel);
  let zstd = zstdByLevel.get(level);
  if (zstd === undefined) {
    zstd = Zstd.fromConfig({ id: "zstd", level }) as ZstdCodec;
    zstdByLevel.set(level, zstd);
  }
  const nbytes = data.length;
  const blocksize = Math.min(BLOCK_BYTES - (BLOCK_BYTES % typesize), nbytes);
  const nblocks = nbytes === 0 ? 0 : Math.ceil(nbytes / blocksize);
  const parts: Uint8Array[] = [];
  const starts = new Uint32Array(nblocks);
  let offset = HEADER_BYTES + 4 * nblocks;
  const shuffled = new Uint8Array(blocksize);
  for (let b = 0; b < nblocks; b++) {
    const block = data.subarray(b * blocksize, Math.min(nbytes, (b + 1) * blocksize));
    const view = shuffled.subarray(0, block.length);
    shuffleBlock(block, typesize, view);
    const compressed = await zstd.encode(view);
    // A stream as long as its block is read as stored, so only a smaller one is kept compressed.
    const payload = compressed.length < block.length ? compressed : view.slice();
    const size = new Uint8Array(4);
    new DataView(size.buffer).setInt32(0, payload.length, true);
    starts[b] = offset;
    parts.push(size, payload);
    offset += 4 + payload.length;
  }
  const out = new Uint8Array(offset);
  const header = new DataView(out.buffer);
  out[0] = FORMAT_VERSION;
  out[1] = ZSTD_FORMAT_VERSION;
  out[2] = FLAG_SHUFFLE | FLAG_DONT_SPLIT | (ZSTD_CODE << 5);
  out[3] = typesize;
  header.setUint32(4, nbytes, true);
  header.setUint32(8, blocksize, true);
  header.setUint32(12, offset, true);
  for (let b = 0; b < nblocks; b++) header.setUint32(HEADER_BYTES + 4 * b, starts[b], true);
  let at = HEADER_BYTES + 4 * nblocks;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
