import type { LlamaRuntimePool } from "./llama-runtime-pool.js";

/** How a `LlamaEngine` loads its model and serves generations. */
export interface LlamaEngineOptions {
  /** The GGUF file to load. */
  readonly modelPath: string;
  /**
   * Context size in tokens for each sequence. Defaults to as much as memory allows, between 2048 and the
   * model's training context, capped at 32768 (a Claude Code turn alone is about 20k tokens).
   */
  readonly contextSize?: number;
  /**
   * CPU threads for every batch: prompts, a lone sequence's decode, several sequences at once. Pass the machine's
   * parallelism: node-llama-cpp's own default oversubscribes small machines.
   */
  readonly threads: number;
  /**
   * Prompt-lookup speculative decoding for greedy generations on a lone sequence (`parallel` 1): tokens that
   * followed the last generated ones earlier in the context are checked as drafts in the same batch (see
   * `GreedyPromptLookup`). The reply is the same with or without it. Defaults to `true`.
   */
  readonly promptLookup?: boolean;
  /** Concurrent sequences in the one context. Defaults to `1`. */
  readonly parallel?: number;
  /** Requests allowed to wait for a sequence before new ones are refused. Defaults to `16`. */
  readonly maxQueue?: number;
  /** How long a request may wait for a free sequence. Defaults to 10 minutes. */
  readonly maxQueueWaitMs?: number;
  /** A generation running longer than this is ended cleanly with `max-tokens`. Defaults to 30 minutes. */
  readonly maxGenerationMs?: number;
  /**
   * A generation that finishes no prompt batch and generates no token for this long is ended cleanly with
   * `max-tokens` at its next batch or token; `0` turns the watchdog off. Defaults to 10 minutes: one prompt
   * batch of a large model on a slow CPU can take minutes.
   */
  readonly stallTimeoutMs?: number;
  /** How often a long prompt evaluation logs its progress. Defaults to 10 s. */
  readonly progressLogIntervalMs?: number;
  /** How often running generations are checked for progress. Defaults to 1 s. */
  readonly watchIntervalMs?: number;
  /**
   * Sampling seed for every generation, for reproducible output. When omitted each generation draws its own:
   * node-llama-cpp's default is the epoch second, which gives two same-second requests the same reply.
   */
  readonly seed?: number;
  /** `false` for CPU only, `"auto"` to use a GPU where one works. Defaults to `"auto"`. */
  readonly gpu?: false | "auto";
  /** Where the llama.cpp runtime comes from: pass one pool to every engine of a process. Defaults to a pool of its own. */
  readonly runtimePool?: LlamaRuntimePool;
  /**
   * Called once when loading first reports progress, after node-llama-cpp has read the file's metadata: on the CPU
   * once the first tensor is in, before the rest of the weights, while the process is still small and a garbage
   * collection's own memory costs least. Defaults to none.
   */
  readonly onWeightsLoading?: () => void;
  /** Where the engine's messages go (and llama.cpp's warnings). Defaults to none. */
  readonly log?: (level: "info" | "warn" | "error", message: string) => void;
  /**
   * The chat format, when the one node-llama-cpp picks from the model's template is wrong: one of
   * node-llama-cpp's wrapper names (`qwen`, `llama3.1`, `chatML`, …) or `jinja` for the model's own template.
   * Defaults to `auto`.
   */
  readonly chatFormat?: string;
  /**
   * Refuse to load (or, with an automatic context size, shrink the context) when weights + KV cache + compute
   * buffers would exceed this many bytes. No check when omitted: on the CPU a fixed context size then skips
   * node-llama-cpp's free-RAM check too (see `loadModel`).
   */
  readonly memoryLimitBytes?: number;
  /** Map the model file instead of reading it. Defaults to `false` on the CPU (see `load`), llama.cpp's choice on a GPU. */
  readonly useMmap?: boolean;
  /** KV states of long prompts kept on disk across restarts; off when omitted. */
  readonly promptCache?: {
    readonly folder: string;
    /** Prompts shorter than this are not saved. Defaults to 1024 tokens. */
    readonly minTokens?: number;
    /** Disk budget in bytes. Defaults to 4 GiB. */
    readonly maxBytes?: number;
  };
}
