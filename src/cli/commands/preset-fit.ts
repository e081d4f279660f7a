import os from "node:os";
import { gpuMemory } from "../../engine/llama/gpu-memory.js";
import { MemoryBudget } from "../../engine/llama/memory-budget.js";
import { defaultContextSize } from "../../engine/llama/plan-context-size.js";
import type { ModelPreset } from "../../models/presets.js";
import { formatSize } from "./format-size.js";

/** The memory a model may use here: RAM as `--memory-limit auto` counts it, and the accelerator's when there is one. */
export interface MachineMemory {
  readonly ramBytes: number;
  readonly gpu: { readonly kind: string; readonly freeBytes: number } | null;
}

/** Whether a preset fits, with the context `start` would give it, or what it needs at the smallest context. */
export interface PresetFit {
  readonly fits: boolean;
  readonly contextSize: number;
  readonly totalBytes: number;
}

/** This machine's memory: 90 % of the free RAM (what `start` allows by default) and the GPU's free memory. */
export async function detectMachineMemory(): Promise<MachineMemory> {
  const gpu = await gpuMemory().catch(() => null);
  return { ramBytes: Math.floor(os.freemem() * 0.9), gpu: gpu === null ? null : { kind: gpu.kind, freeBytes: gpu.freeBytes } };
}

/**
 * The largest automatic context (as `start` picks it: up to the training context and 32768 tokens, down to
 * 2048) at which the preset's weights and context fit `limitBytes`, by the same estimate `start` plans with.
 */
export function presetFit(preset: ModelPreset, limitBytes: number): PresetFit {
  const budget = new MemoryBudget(preset.memoryShape, limitBytes, preset.contextLength);
  const maxContext = Math.min(preset.contextLength, defaultContextSize.max);
  const fit = budget.largestFit({ maxContext, minContext: Math.min(defaultContextSize.min, maxContext), sequences: 1 });
  return { fits: fit.fits, contextSize: fit.contextSize, totalBytes: fit.estimate.totalBytes };
}

/** `yes, 32768 tokens (3.91 GiB)` or `no: 21.40 GiB at 2048 tokens`. */
export function describeFit(fit: PresetFit): string {
  return fit.fits ? `yes, ${fit.contextSize} tokens (${formatSize(fit.totalBytes)})` : `no: ${formatSize(fit.totalBytes)} at ${fit.contextSize} tokens`;
}
