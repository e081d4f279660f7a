/** A named, known-good model: `pensieve pull qwen3-4b`, `pensieve start --model qwen3-4b`. */
export interface ModelPreset {
  readonly name: string;
  readonly title: string;
  /** The Hugging Face repository and the GGUF file in it. */
  readonly owner: string;
  readonly repository: string;
  readonly file: string;
  /** The training context length, in tokens. */
  readonly contextLength: number;
  readonly description: string;
  /** Pinned size; absent: the hub's metadata is used at pull time. */
  readonly sizeBytes?: number;
  /** Pinned sha256 (lower-case hex); absent: the hub's metadata is used at pull time. */
  readonly sha256?: string;
}

/**
 * Instruction models with a tool-calling format that node-llama-cpp renders, small to medium, each a single
 * 4-bit GGUF file. Repository and file names are the publishers' (not verifiable offline: `pensieve pull`
 * reports a 404 clearly if one moves). Sizes and hashes are left to the hub's metadata at pull time.
 */
export const modelPresets: readonly ModelPreset[] = [
  {
    name: "qwen3-4b",
    title: "Qwen3 4B (Q4_K_M)",
    owner: "Qwen",
    repository: "Qwen3-4B-GGUF",
    file: "Qwen3-4B-Q4_K_M.gguf",
    contextLength: 32768,
    description: "The default: reliable tool calls at 4B; thinks before answering unless thinking is disabled. About 2.5 GB.",
  },
  {
    name: "qwen2.5-1.5b",
    title: "Qwen2.5 1.5B Instruct (Q4_K_M)",
    owner: "Qwen",
    repository: "Qwen2.5-1.5B-Instruct-GGUF",
    file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
    contextLength: 32768,
    description: "Smallest with usable tool calls; fast on any CPU. About 1.1 GB.",
  },
  {
    name: "qwen2.5-3b",
    title: "Qwen2.5 3B Instruct (Q4_K_M)",
    owner: "Qwen",
    repository: "Qwen2.5-3B-Instruct-GGUF",
    file: "qwen2.5-3b-instruct-q4_k_m.gguf",
    contextLength: 32768,
    description: "Good tool calls without thinking; Qwen research licence (non-commercial). About 2.1 GB.",
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
  },
  {
    name: "llama-3.2-3b",
    title: "Llama 3.2 3B Instruct (Q4_K_M)",
    owner: "bartowski",
    repository: "Llama-3.2-3B-Instruct-GGUF",
    file: "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
    contextLength: 131072,
    description: "Meta's small model with Llama 3 tool calls and a long context. About 2.0 GB.",
  },
  {
    name: "llama-3.1-8b",
    title: "Llama 3.1 8B Instruct (Q4_K_M)",
    owner: "bartowski",
    repository: "Meta-Llama-3.1-8B-Instruct-GGUF",
    file: "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
    contextLength: 131072,
    description: "Meta's 8B: dependable tool calls and a long context; needs about 6 GB of memory. About 4.9 GB.",
  },
  {
    name: "phi-3-mini",
    title: "Phi-3 mini 4K Instruct (4-bit)",
    owner: "microsoft",
    repository: "Phi-3-mini-4k-instruct-gguf",
    file: "Phi-3-mini-4k-instruct-q4.gguf",
    contextLength: 4096,
    description: "Microsoft's 3.8B; no native tool format (tools go through Pensieve's grammar) and a short context. About 2.4 GB.",
  },
];

/** The preset `pensieve pull` suggests and documentation uses: small, and good at tool calls. */
export const defaultPresetName = "qwen3-4b";

/** The preset called `name` (case-insensitive), or `undefined`. */
export function findPreset(name: string): ModelPreset | undefined {
  const wanted = name.toLowerCase();
  return modelPresets.find((preset) => preset.name === wanted);
}
