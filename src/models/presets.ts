import type { ModelMemoryShape } from "./model-memory-shape.js";
import { currentPresets } from "./presets/current-presets.js";
import { earlierPresets } from "./presets/earlier-presets.js";

/** A named, known-good model: `pensieve pull qwen3.5-4b`, `pensieve start --model qwen3.5-4b`. */
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
  /** The model's dimensions as its card states them: what the memory estimate needs before the file is here. */
  readonly memoryShape: ModelMemoryShape;
  /** What could not be checked against the model card or the hub's listing; absent: all of it was. */
  readonly unchecked?: string;
}

/**
 * Instruction models with a tool-calling format that Pensieve renders, each a single 4-bit GGUF file: today's
 * first (the default leading), then last year's. Sizes and hashes are left to the hub's metadata at pull time.
 */
export const modelPresets: readonly ModelPreset[] = [...currentPresets, ...earlierPresets];

/**
 * The preset `pensieve pull` suggests and `start` serves when nothing is chosen: picked for a 16 GB laptop
 * without a GPU. Qwen3.5-4B takes about 4 GB with a 32k context (its Gated DeltaNet layers keep no KV cache),
 * leaves room for an editor and a browser, and calls tools well.
 */
export const defaultPresetName = "qwen3.5-4b";

/** The preset called `name` (case-insensitive), or `undefined`. */
export function findPreset(name: string): ModelPreset | undefined {
  const wanted = name.toLowerCase();
  return modelPresets.find((preset) => preset.name === wanted);
}
