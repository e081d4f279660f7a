/** How ggml stores one tensor type: weights per block and bytes per block. */
export interface GgmlTypeTraits {
  readonly name: string;
  readonly blockSize: number;
  readonly bytesPerBlock: number;
}

/**
 * Every ggml tensor type a current llama.cpp loads, by the id a GGUF tensor info stores. Ids 4, 5, 31-33
 * and 36-38 are removed types that llama.cpp refuses, so they are absent here too. Sizes are the
 * `sizeof(block_*)` values of ggml-common.h (checked against the llama.cpp bundled with node-llama-cpp).
 */
export const ggmlTypeTraits: ReadonlyMap<number, GgmlTypeTraits> = new Map<number, GgmlTypeTraits>([
  [0, { name: "F32", blockSize: 1, bytesPerBlock: 4 }],
  [1, { name: "F16", blockSize: 1, bytesPerBlock: 2 }],
  [2, { name: "Q4_0", blockSize: 32, bytesPerBlock: 18 }],
  [3, { name: "Q4_1", blockSize: 32, bytesPerBlock: 20 }],
  [6, { name: "Q5_0", blockSize: 32, bytesPerBlock: 22 }],
  [7, { name: "Q5_1", blockSize: 32, bytesPerBlock: 24 }],
  [8, { name: "Q8_0", blockSize: 32, bytesPerBlock: 34 }],
  [9, { name: "Q8_1", blockSize: 32, bytesPerBlock: 36 }],
  [10, { name: "Q2_K", blockSize: 256, bytesPerBlock: 84 }],
  [11, { name: "Q3_K", blockSize: 256, bytesPerBlock: 110 }],
  [12, { name: "Q4_K", blockSize: 256, bytesPerBlock: 144 }],
  [13, { name: "Q5_K", blockSize: 256, bytesPerBlock: 176 }],
  [14, { name: "Q6_K", blockSize: 256, bytesPerBlock: 210 }],
  [15, { name: "Q8_K", blockSize: 256, bytesPerBlock: 292 }],
  [16, { name: "IQ2_XXS", blockSize: 256, bytesPerBlock: 66 }],
  [17, { name: "IQ2_XS", blockSize: 256, bytesPerBlock: 74 }],
  [18, { name: "IQ3_XXS", blockSize: 256, bytesPerBlock: 98 }],
  [19, { name: "IQ1_S", blockSize: 256, bytesPerBlock: 50 }],
  [20, { name: "IQ4_NL", blockSize: 32, bytesPerBlock: 18 }],
  [21, { name: "IQ3_S", blockSize: 256, bytesPerBlock: 110 }],
  [22, { name: "IQ2_S", blockSize: 256, bytesPerBlock: 82 }],
  [23, { name: "IQ4_XS", blockSize: 256, bytesPerBlock: 136 }],
  [24, { name: "I8", blockSize: 1, bytesPerBlock: 1 }],
  [25, { name: "I16", blockSize: 1, bytesPerBlock: 2 }],
  [26, { name: "I32", blockSize: 1, bytesPerBlock: 4 }],
  [27, { name: "I64", blockSize: 1, bytesPerBlock: 8 }],
  [28, { name: "F64", blockSize: 1, bytesPerBlock: 8 }],
  [29, { name: "IQ1_M", blockSize: 256, bytesPerBlock: 56 }],
  [30, { name: "BF16", blockSize: 1, bytesPerBlock: 2 }],
  [34, { name: "TQ1_0", blockSize: 256, bytesPerBlock: 54 }],
  [35, { name: "TQ2_0", blockSize: 256, bytesPerBlock: 66 }],
  [39, { name: "MXFP4", blockSize: 32, bytesPerBlock: 17 }],
  [40, { name: "NVFP4", blockSize: 64, bytesPerBlock: 36 }],
  [41, { name: "Q1_0", blockSize: 128, bytesPerBlock: 18 }],
  [42, { name: "Q2_0", blockSize: 64, bytesPerBlock: 18 }],
]);
