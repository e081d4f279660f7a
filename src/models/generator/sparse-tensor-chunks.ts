import { float16BitsToFloat32, float32ToFloat16Bits } from "./float16.js";

const blockSize = 32;
const bytesPerBlock = 18;
const chunkTargetBytes = 1024 * 1024;
/** Sixteen bytes of nibble pairs, each nibble 8: Q4_0 stores `(q - 8) * scale`, so 8 is zero. */
const zeroNibbles = 0x88;

/**
 * A Q4_0 matrix of `rowCount` rows of `rowLength` weights, zero except for `value` at the listed columns of some
 * rows, in chunks of about 1 MB (one reused buffer). Exact, which Q4_0 rarely is: a block holding `value` gets
 * the scale `-value / 8`, so `value` is nibble 0 and zero is nibble 8, as llama.cpp's quantizer would write it.
 * A block without `value` is all zero bytes. Tiny on disk next to F16 (0.56 bytes a weight), which matters for
 * a real tokenizer's 150,000 rows.
 */
export function* sparseQ4ZeroChunks(
  rowLength: number,
  rowCount: number,
  columnsByRow: ReadonlyMap<number, readonly number[]>,
  value: number,
): Generator<Uint8Array> {
  if (rowLength % blockSize !== 0) throw new RangeError(`a Q4_0 row holds whole blocks of ${blockSize}, not ${rowLength} weights`);
  const scaleBits = float32ToFloat16Bits(-value / 8);
  if (float16BitsToFloat32(scaleBits) !== -value / 8) throw new RangeError(`${value} / 8 is not exact in F16`);
  const bytesPerRow = (rowLength / blockSize) * bytesPerBlock;
  const rowsPerChunk = Math.max(1, Math.floor(chunkTargetBytes / bytesPerRow));
  const chunk = new Uint8Array(Math.min(rowsPerChunk, rowCount) * bytesPerRow);
  for (let firstRow = 0; firstRow < rowCount; firstRow += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, rowCount - firstRow);
    chunk.fill(0);
    for (let row = firstRow; row < firstRow + rows; row++) {
      for (const column of columnsByRow.get(row) ?? []) {
        const blockOffset = (row - firstRow) * bytesPerRow + Math.floor(column / blockSize) * bytesPerBlock;
        if (chunk[blockOffset] !== (scaleBits & 0xff) || chunk[blockOffset + 1] !== scaleBits >>> 8) {
          chunk[blockOffset] = scaleBits & 0xff;
          chunk[blockOffset + 1] = scaleBits >>> 8;
          chunk.fill(zeroNibbles, blockOffset + 2, blockOffset + bytesPerBlock);
        }
        // Weight j of a block is the low nibble of byte j, weight j + 16 the high nibble of byte j.
        const within = column % blockSize;
        const byteOffset = blockOffset + 2 + (within % 16);
        chunk[byteOffset] = (chunk[byteOffset] ?? 0) & (within < 16 ? 0xf0 : 0x0f);
      }
    }
    yield chunk.subarray(0, rows * bytesPerRow);
  }
}
