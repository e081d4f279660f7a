import type { ModelPreset } from "../model-preset.js";
import { denseAttentionShape } from "./preset-shapes.js";

const qwenVocabulary = 151_936;

/** Last year's presets, kept for those who use them: every layer full attention, shapes from their configs. */
export const earlierPresets: readonly ModelPreset[] = [
  {
    name: "qwen3-4b",
    title: "Qwen3 4B (Q4_K_M)",
    owner: "Qwen",
    repository: "Qwen3-4B-GGUF",
    file: "Qwen3-4B-Q4_K_M.gguf",
    contextLength: 32768,
    description: "Reliable tool calls at 4B; thinks before answering unless thinking is disabled. About 2.5 GB.",
    memoryShape: denseAttentionShape({ architecture: "qwen3", weightsGb: 2.5, layers: 36, embedding: 2560, vocabulary: qwenVocabulary, feedForward: 9728, kvHeads: 8, headDimension: 128 }),
  },
  {
    name: "qwen2.5-1.5b",
    title: "Qwen2.5 1.5B Instruct (Q4_K_M)",
    owner: "Qwen",
    repository: "Qwen2.5-1.5B-Instruct-GGUF",
    file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
    contextLength: 32768,
    description: "Smallest with usable tool calls; fast on any CPU. About 1.1 GB.",
    memoryShape: denseAttentionShape({ architecture: "qwen2", weightsGb: 1.1, layers: 28, embedding: 1536, vocabulary: qwenVocabulary, feedForward: 8960, kvHeads: 2, headDimension: 128 }),
  },
  {
    name: "qwen2.5-3b",
    title: "Qwen2.5 3B Instruct (Q4_K_M)",
    owner: "Qwen",
    repository: "Qwen2.5-3B-Instruct-GGUF",
    file: "qwen2.5-3b-instruct-q4_k_m.gguf",
    contextLength: 32768,
    description: "Good tool calls without thinking; Qwen research licence (non-commercial). About 2.1 GB.",
    memoryShape: denseAttentionShape({ architecture: "qwen2", weightsGb: 2.1, layers: 36, embedding: 2048, vocabulary: qwenVocabulary, feedForward: 11_008, kvHeads: 2, headDimension: 128 }),
  },
  {
    name: "qwen2.5-7b",
    title: "Qwen2.5 7B Instruct (Q4_K_M)",
    // Qwen's own 7B Q4_K_M is split in two parts; bartowski's is one file.
    owner: "bartowski",
    repository: "Qwen2.5-7B-Instruct-GGUF",
    file: "Qwen2.5-7B-Instruct-Q4_K_M.gguf",
    contextLength: 32768,
    description: "Strong tool calls and coding for its size; needs about 6 GB of memory. About 4.7 GB.",
    memoryShape: denseAttentionShape({ architecture: "qwen2", weightsGb: 4.7, layers: 28, embedding: 3584, vocabulary: 152_064, feedForward: 18_944, kvHeads: 4, headDimension: 128 }),
  },
  {
    name: "llama-3.2-3b",
    title: "Llama 3.2 3B Instruct (Q4_K_M)",
    owner: "bartowski",
    repository: "Llama-3.2-3B-Instruct-GGUF",
    file: "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
    contextLength: 131072,
    description: "Meta's small model with Llama 3 tool calls and a long context. About 2.0 GB.",
    memoryShape: denseAttentionShape({ architecture: "llama", weightsGb: 2, layers: 28, embedding: 3072, vocabulary: 128_256, feedForward: 8192, kvHeads: 8, headDimension: 128 }),
  },
  {
    name: "llama-3.1-8b",
    title: "Llama 3.1 8B Instruct (Q4_K_M)",
    owner: "bartowski",
    repository: "Meta-Llama-3.1-8B-Instruct-GGUF",
    file: "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
    contextLength: 131072,
    description: "Meta's 8B: dependable tool calls and a long context; needs about 6 GB of memory. About 4.9 GB.",
    memoryShape: denseAttentionShape({ architecture: "llama", weightsGb: 4.9, layers: 32, embedding: 4096, vocabulary: 128_256, feedForward: 14_336, kvHeads: 8, headDimension: 128 }),
  },
  {
    name: "phi-3-mini",
    title: "Phi-3 mini 4K Instruct (4-bit)",
    owner: "microsoft",
    repository: "Phi-3-mini-4k-instruct-gguf",
    file: "Phi-3-mini-4k-instruct-q4.gguf",
    contextLength: 4096,
    description: "Microsoft's 3.8B; no native tool format (tools go through Pensieve's grammar) and a short context. About 2.4 GB.",
    memoryShape: denseAttentionShape({ architecture: "phi3", weightsGb: 2.4, layers: 32, embedding: 3072, vocabulary: 32_064, feedForward: 8192, kvHeads: 32, headDimension: 96 }),
  },
];
