import { scanGgufHeader } from "../../models/gguf/gguf-header-scanner.js";
import type { ModelMemoryShape } from "../../models/model-memory-shape.js";
import { EngineError } from "../engine-errors.js";
import { estimateModelMemory, type ModelMemoryEstimate } from "./estimate-model-memory.js";
import { memoryShapeFromGguf, type MemoryShapeOptions } from "./memory-shape-from-gguf.js";
import { shapeInfoFromScan } from "./shape-info-from-scan.js";

/** The model and its context would not fit the memory limit; the message names the numbers and the remedy. */
export class MemoryBudgetError extends EngineError {
  override readonly name = "MemoryBudgetError";
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/**
 * Plans memory before anything is loaded, with `estimateModelMemory` applied to the model file's shape (weights
 * with every expert; KV for attention layers only, window-sized where the window slides; recurrent state and
 * checkpoints; the compute buffer). With a fixed context size it refuses what does not fit; with an automatic
 * one it picks the largest context, in steps of 1024 tokens down to `minContext`, that fits.
 */
export class MemoryBudget {
  constructor(
    private readonly shape: ModelMemoryShape,
    private readonly limitBytes: number,
    /** The context the model was trained for, when known. */
    readonly trainContextSize?: number,
  ) {}

  static async forModel(modelPath: string, limitBytes: number, shapeOptions: MemoryShapeOptions = {}): Promise<MemoryBudget> {
    // The header scan, not node-llama-cpp's parse: that one holds every token string (see `shapeInfoFromScan`).
    const info = shapeInfoFromScan(await scanGgufHeader(modelPath));
    const trained = (info.architectureMetadata as { context_length?: unknown }).context_length;
    return new MemoryBudget(memoryShapeFromGguf(info, shapeOptions), limitBytes, typeof trained === "number" ? trained : undefined);
  }

  estimate(contextSize: number, sequences: number): ModelMemoryEstimate {
    return estimateModelMemory(this.shape, { contextSize, sequences });
  }

  /** The context size to use: `requested` when it fits, else the largest fitting one for an automatic choice. */
  plan(options: { requested: number | "auto"; maxContext: number; minContext: number; sequences: number }): { contextSize: number; estimate: ModelMemoryEstimate } {
    const { sequences } = options;
    if (options.requested !== "auto") {
      const estimate = this.estimate(options.requested, sequences);
      if (estimate.totalBytes > this.limitBytes) throw this.overLimit(estimate, options.requested, sequences, "lower --ctx-size or --parallel");
      return { contextSize: options.requested, estimate };
    }
    const fit = this.largestFit(options);
    if (!fit.fits) throw this.overLimit(fit.estimate, fit.contextSize, sequences, "lower --parallel, use a smaller or more quantised model");
    return fit;
  }

  /** The largest context, in steps of 1024 tokens from `maxContext` down to `minContext`, that fits; else the smallest's needs. */
  largestFit(options: { maxContext: number; minContext: number; sequences: number }): { fits: boolean; contextSize: number; estimate: ModelMemoryEstimate } {
    for (let contextSize = options.maxContext; contextSize >= options.minContext; contextSize -= 1024) {
      const estimate = this.estimate(contextSize, options.sequences);
      if (estimate.totalBytes <= this.limitBytes) return { fits: true, contextSize, estimate };
    }
    return { fits: false, contextSize: options.minContext, estimate: this.estimate(options.minContext, options.sequences) };
  }

  private overLimit(estimate: ModelMemoryEstimate, contextSize: number, sequences: number, remedy: string): MemoryBudgetError {
    return new MemoryBudgetError(
      `the model needs about ${gib(estimate.totalBytes)} (weights ${gib(estimate.weightsBytes)} + context ${gib(estimate.contextBytes)} for ` +
        `${contextSize} tokens × ${sequences} sequence(s)) but the memory limit is ${gib(this.limitBytes)}: ${remedy}, or raise --memory-limit`,
    );
  }
}
