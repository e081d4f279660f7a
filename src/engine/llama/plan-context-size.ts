import type { LlamaEngineOptions } from "./llama-engine-options.js";
import { MemoryBudget } from "./memory-budget.js";
import type { MemoryShapeOptions } from "./memory-shape-from-gguf.js";

/** The automatic context size's bounds (a Claude Code turn alone is about 20k tokens). */
export const defaultContextSize = { min: 2048, max: 32768 } as const;

/**
 * The context size to create: as requested, or automatic (node-llama-cpp then picks within
 * `defaultContextSize`); checked against the memory limit when one is set, which also picks the automatic size.
 */
export async function planContextSize(
  options: Pick<LlamaEngineOptions, "modelPath" | "contextSize" | "memoryLimitBytes" | "log">,
  parallel: number,
  shapeOptions: MemoryShapeOptions = {},
): Promise<number | typeof defaultContextSize> {
  const limit = options.memoryLimitBytes;
  if (limit === undefined) return options.contextSize ?? defaultContextSize;
  const budget = await MemoryBudget.forModel(options.modelPath, limit, shapeOptions);
  const maxContext = Math.min(budget.trainContextSize ?? defaultContextSize.max, defaultContextSize.max);
  const planned = budget.plan({
    requested: options.contextSize ?? "auto",
    maxContext,
    minContext: Math.min(defaultContextSize.min, maxContext),
    sequences: parallel,
  });
  const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);
  options.log?.(
    "info",
    `memory plan: about ${mib(planned.estimate.totalBytes)} MiB (weights ${mib(planned.estimate.weightsBytes)} MiB, context ${planned.contextSize} × ${parallel}: ${mib(planned.estimate.contextBytes)} MiB) within a limit of ${mib(limit)} MiB`,
  );
  return planned.contextSize;
}
