import { ggmlTensorTypes, type GgmlTensorType } from "../gguf/ggml-tensor-type.js";
import { float32ToFloat16Bits } from "./float16.js";
import { XorshiftRandom } from "./xorshift-random.js";

/** Weight spread of the generated matrices: the usual initialisation scale of transformer weights. */
const randomWeightStandardDeviation = 0.02;

const chunkTargetBytes = 4 * 1024 * 1024;
const gaussianTableSize = 65536;

// Standard deviation of the quantized values when every int8 or nibble is equally likely.
const uniformInt8StandardDeviation = Math.sqrt((256 * 256 - 1) / 12);
const uniformNibbleStandardDeviation = Math.sqrt((16 * 16 - 1) / 12);
const uniformSixBitStandardDeviation = Math.sqrt((64 * 64 - 1) / 12);
// Q6_K's sub-block scales are fixed rather than random, so the block scale stays a normal f16.
const q6kSubBlockScale = 16;
const q6kScalesOffset = 192;
const q6kBlockScaleOffset = 208;

let gaussianTables: { float32: Float32Array; float16: Uint16Array } | undefined;

/**
 * Random weights with standard deviation 0.02, as tensor bytes, in chunks of about 4 MB. Quantized blocks are
 * made directly (random int8s, nibbles or 6-bit values under fixed scales) and float weights are looked up in a table of
 * gaussian values by random index: both run at memory speed, which generating floats and quantizing would not.
 * The same seed and label always give the same bytes. The chunk buffer is reused between chunks.
 */
export function* randomTensorChunks(type: GgmlTensorType, elementCount: number, seed: number, label: string): Generator<Uint8Array> {
  const random = XorshiftRandom.forLabel(seed, label);
  // Typed-array views write in the platform byte order: little-endian, as GGUF is, on every platform Node runs on.
  const { blockSize, bytesPerBlock } = ggmlTensorTypes[type];
  const blockCount = elementCount / blockSize;
  const blocksPerChunk = Math.max(1, Math.floor(chunkTargetBytes / bytesPerBlock));
  // Room for whole 32-bit words, since the random source fills words.
  const words = new Uint32Array(Math.ceil((Math.min(blocksPerChunk, blockCount) * bytesPerBlock) / 4));
  const bytes = new Uint8Array(words.buffer);
  const scale = quantizedScaleBits(type);

  for (let firstBlock = 0; firstBlock < blockCount; firstBlock += blocksPerChunk) {
    const chunkBlocks = Math.min(blocksPerChunk, blockCount - firstBlock);
    const chunkBytes = chunkBlocks * bytesPerBlock;
    const chunkWords = words.subarray(0, Math.ceil(chunkBytes / 4));
    random.fillUint32(chunkWords);
    switch (type) {
      case "f32": {
        const table = tables().float32;
        const values = new Float32Array(words.buffer, 0, chunkBlocks);
        for (let index = 0; index < chunkBlocks; index++) values[index] = table[(chunkWords[index] ?? 0) & 0xffff] ?? 0;
        break;
      }
      case "f16": {
        // Each random 16-bit half is replaced, in place, by the table entry it indexes.
        const table = tables().float16;
        const halves = new Uint16Array(words.buffer, 0, chunkBlocks);
        for (let index = 0; index < chunkBlocks; index++) halves[index] = table[halves[index] ?? 0] ?? 0;
        break;
      }
      case "q4_0":
      case "q8_0":
        // Random bytes are already random int8s or nibble pairs; only the block scales need setting.
        for (let offset = 0; offset < chunkBytes; offset += bytesPerBlock) {
          bytes[offset] = scale & 0xff;
          bytes[offset + 1] = scale >>> 8;
        }
        break;
      case "q6_k":
        for (let offset = 0; offset < chunkBytes; offset += bytesPerBlock) {
          bytes.fill(q6kSubBlockScale, offset + q6kScalesOffset, offset + q6kBlockScaleOffset);
          bytes[offset + q6kBlockScaleOffset] = scale & 0xff;
          bytes[offset + q6kBlockScaleOffset + 1] = scale >>> 8;
        }
        break;
    }
    yield bytes.subarray(0, chunkBytes);
  }
}

function quantizedScaleBits(type: GgmlTensorType): number {
  switch (type) {
    case "q8_0":
      return float32ToFloat16Bits(randomWeightStandardDeviation / uniformInt8StandardDeviation);
    case "q4_0":
      return float32ToFloat16Bits(randomWeightStandardDeviation / uniformNibbleStandardDeviation);
    case "q6_k":
      return float32ToFloat16Bits(randomWeightStandardDeviation / (q6kSubBlockScale * uniformSixBitStandardDeviation));
    default:
      return 0;
  }
}

// Built once per process from a fixed seed (Box-Muller), so weights depend only on the caller's seed.
function tables(): { float32: Float32Array; float16: Uint16Array } {
  if (gaussianTables !== undefined) return gaussianTables;
  const random = new XorshiftRandom(0x9a55);
  const float32 = new Float32Array(gaussianTableSize);
  const float16 = new Uint16Array(gaussianTableSize);
  for (let index = 0; index < gaussianTableSize; index++) {
    const radius = Math.sqrt(-2 * Math.log(1 - random.nextFloat()));
    const value = randomWeightStandardDeviation * radius * Math.cos(2 * Math.PI * random.nextFloat());
    float32[index] = value;
    float16[index] = float32ToFloat16Bits(value);
  }
  gaussianTables = { float32, float16 };
  return gaussianTables;
}
