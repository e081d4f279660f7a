import { GgufInsights, readGgufFileInfo, type Llama } from "node-llama-cpp";
import { EngineError } from "../engine-errors.js";

export interface MemoryEstimate {
  readonly weightsBytes: number;
  readonly contextBytes: number;
  readonly totalBytes: number;
}

/** The model and its context would not fit the memory limit; the message names the numbers and the remedy. */
export class MemoryBudgetError extends EngineError {
  override readonly name = "MemoryBudgetError";
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/**
 * Plans memory before anything is loaded, with node-llama-cpp's own estimates (weights; KV cache and compute
 * buffers for the context × sequences). With a fixed context size it refuses what does not fit; with an
 * automatic one it picks the largest context, in steps of 1024 tokens down to `minContext`, that fits.
 */
export class MemoryBudget {
  private constructor(
    private readonly insights: GgufInsights,
    private readonly limitBytes: number,
  ) {}

  static async forModel(llama: Llama, modelPath: string, limitBytes: number): Promise<MemoryBudget> {
    const insights = await GgufInsights.from(await readGgufFileInfo(modelPath, { readTensorInfo: true }), llama);
    return new MemoryBudget(insights, limitBytes);
  }

  /** The context the model was trained for, when its file says. */
  get trainContextSize(): number | undefined {
    return this.insights.trainContextSize;
  }

  async estimate(contextSize: number, sequences: number): Promise<MemoryEstimate> {
    const weights = await this.insights.estimateModelResourceRequirementsV2({ gpuLayers: 0 });
    const context = await this.insights.estimateContextResourceRequirementsV2({ contextSize, sequences, modelGpuLayers: 0 });
    return { weightsBytes: weights.cpuRam, contextBytes: context.cpuRam, totalBytes: weights.cpuRam + context.cpuRam };
  }

  /** The context size to use: `requested` when it fits, else the largest fitting one for an automatic choice. */
  async plan(options: { requested: number | "auto"; maxContext: number; minContext: number; sequences: number }): Promise<{ contextSize: number; estimate: MemoryEstimate }> {
    const { sequences } = options;
    if (options.requested !== "auto") {
      const estimate = await this.estimate(options.requested, sequences);
      if (estimate.totalBytes > this.limitBytes) throw this.overLimit(estimate, options.requested, sequences, "lower --ctx-size or --parallel");
      return { contextSize: options.requested, estimate };
    }
    for (let contextSize = options.maxContext; contextSize >= options.minContext; contextSize -= 1024) {
      const estimate = await this.estimate(contextSize, sequences);
      if (estimate.totalBytes <= this.limitBytes) return { contextSize, estimate };
    }
    const smallest = await this.estimate(options.minContext, sequences);
    throw this.overLimit(smallest, options.minContext, sequences, "lower --parallel, use a smaller or more quantised model");
  }

  private overLimit(estimate: MemoryEstimate, contextSize: number, sequences: number, remedy: string): MemoryBudgetError {
    return new MemoryBudgetError(
      `the model needs about ${gib(estimate.totalBytes)} (weights ${gib(estimate.weightsBytes)} + context ${gib(estimate.contextBytes)} for ` +
        `${contextSize} tokens × ${sequences} sequence(s)) but the memory limit is ${gib(this.limitBytes)}: ${remedy}, or raise --memory-limit`,
    );
  }
}
