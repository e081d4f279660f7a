import type { ModelPreset } from "./model-preset.js";
import { currentPresets } from "./presets/current-presets.js";
import { earlierPresets } from "./presets/earlier-presets.js";

export type { ModelPreset } from "./model-preset.js";

/**
 * Instruction models with a tool-calling format that Pensieve renders, each a single 4-bit GGUF file: today's
 * first (the default leading), then last year's. Sizes and hashes are left to the hub's metadata at pull time.
 */
export const modelPresets: readonly ModelPreset[] = [...currentPresets, ...earlierPresets];

/**
 * The preset `pensieve pull` suggests and `start` serves when nothing is chosen: picked for a 16 GB laptop
 * without a GPU. Qwen3.5-4B takes about 5 GiB with a 32k context and its checkpoints (its Gated DeltaNet layers
 * keep no KV cache), leaves room for an editor and a browser, and calls tools well.
 */
export const defaultPresetName = "qwen3.5-4b";

/** The preset called `name` (case-insensitive), or `undefined`. */
export function findPreset(name: string): ModelPreset | undefined {
  const wanted = name.toLowerCase();
  return modelPresets.find((preset) => preset.name === wanted);
}
