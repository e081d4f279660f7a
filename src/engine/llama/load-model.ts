import { stat } from "node:fs/promises";
import path from "node:path";
import { inspectGguf } from "../../models/inspect-gguf.js";
import type { ModelDescription } from "../engine.js";
import { cpuHasAmx } from "../../util/cpu-has-amx.js";
import { definedProperties } from "../../util/defined-properties.js";
import { describeBinaries } from "./describe-binaries.js";
import { checkpointLimits } from "./estimate-model-memory.js";
import type { LlamaEngineOptions } from "./llama-engine-options.js";
import { LlamaRuntimePool, type RuntimeLease } from "./llama-runtime-pool.js";
import { GreedyPromptLookup } from "./greedy-prompt-lookup.js";
import { LoadedModel } from "./loaded-model.js";
import { planContextSize } from "./plan-context-size.js";
import { PromptStateCache } from "./prompt-state-cache.js";
import { resolveChatFormat } from "./resolve-chat-format.js";

/**
 * Loads the model `options` name: the shared llama.cpp runtime, a check of the GGUF before the native loader
 * sees it, the memory plan, the context and its sequences, the chat format and the prompt cache. Whatever
 * fails, the runtime is given back.
 */
export async function loadModel(options: LlamaEngineOptions): Promise<LoadedModel> {
  const started = performance.now();
  const runtime = await (options.runtimePool ?? new LlamaRuntimePool()).acquire(options.gpu ?? "auto", options.log);
  try {
    return await loadWith(runtime, options, started);
  } catch (error) {
    await runtime.release();
    throw error;
  }
}

async function loadWith(runtime: RuntimeLease, options: LlamaEngineOptions, started: number): Promise<LoadedModel> {
  const { modelPath, threads } = options;
  const llama = runtime.llama;
  // Before the native loader sees the file: a damaged or hostile GGUF is refused here, with a reason.
  await inspectGguf(modelPath);
  const parallel = options.parallel ?? 1;
  const contextSize = await planContextSize(options, parallel, { amxWeights: llama.gpu === false && cpuHasAmx() });
  // On the CPU, llama.cpp repacks quantised weights into an anonymous buffer; with the file also mapped the
  // weights sit in memory twice (measured: 4.8 GB instead of 2.9 GB for a Phi-3-mini-size Q4_0), so read it.
  const useMmap = options.useMmap ?? (llama.gpu === false ? false : undefined);
  const model = await llama.loadModel({ modelPath, ...definedProperties({ useMmap, onLoadProgress: onFirstCall(options.onWeightsLoading) }) });
  // One thread count for every batch, as llama-server's default (`-t` = `-tb`): node-llama-cpp has no public
  // setting for a lone sequence's decode alone, and one thread fewer for it lost (2 cores, 2.6k context, issue
  // #12: 22-26 tokens/s against 27-34 with both). Flash attention: llama.cpp's `auto` rule, on where the backend
  // has it (node-llama-cpp's default too; our memory estimate assumes the same).
  // node-llama-cpp checks a fixed size against free RAM by simulating the context on a second copy of the model's
  // vocabulary, whose memory then stays in the allocator's heap: 23 MB for a 152k-token vocabulary (#12). On the
  // CPU `memoryLimitBytes` is the check (the plan above counted the context); a GPU keeps node-llama-cpp's VRAM check.
  const skipSimulatedCheck = llama.gpu === false && typeof contextSize === "number";
  const context = await model.createContext({ contextSize, sequences: parallel, threads, flashAttention: "auto", ignoreMemorySafetyChecks: skipSimulatedCheck });
  // Drafts cost batch slots that several sequences decoding at once already fill: a lone sequence only.
  const promptLookup = (options.promptLookup ?? true) && parallel === 1;
  // Checkpoints (hybrid and sliding-window models) within the memory the plan counted for them.
  const checkpoints = { maxMemory: checkpointLimits.bytesPerSequence };
  const sequences = Array.from({ length: parallel }, () =>
    context.getSequence(promptLookup ? { checkpoints, tokenPredictor: new GreedyPromptLookup() } : { checkpoints }),
  );
  const chatWrapper = resolveChatFormat(model, options.chatFormat ?? "auto");
  const file = await stat(modelPath);
  const description: ModelDescription = {
    id: modelIdFromPath(modelPath),
    displayName: `${path.basename(modelPath)} (local)`,
    createdAt: file.mtime,
    contextSize: context.contextSize,
    maxInputTokens: context.contextSize - 2,
    chatWrapper: chatWrapper.wrapperName,
  };
  const cacheOptions = options.promptCache;
  const promptCache =
    cacheOptions === undefined
      ? null
      : await PromptStateCache.open({
          folder: cacheOptions.folder,
          modelPath,
          contextSize: context.contextSize,
          minTokens: cacheOptions.minTokens ?? 1024,
          maxBytes: cacheOptions.maxBytes ?? 4 * 1024 ** 3,
          compatibilityKey: `${llama.llamaCppRelease.release}|${context.kvCacheKeyType}|${context.kvCacheValueType}`,
        });
  const loaded = new LoadedModel({ runtime, model, context, sequences, chatWrapper, description, promptCache, fileBytes: file.size, options });
  options.log?.(
    "info",
    `model ${description.id} ready in ${Math.round(performance.now() - started)} ms: context ${context.contextSize} × ${parallel} sequence(s), ${threads} threads, chat format ${description.chatWrapper}, llama.cpp ${describeBinaries(llama)}`,
  );
  return loaded;
}

/** `action` wrapped to run on its first call only; undefined for none. */
function onFirstCall(action: (() => void) | undefined): (() => void) | undefined {
  if (action === undefined) return undefined;
  let pending: (() => void) | undefined = action;
  return () => {
    const first = pending;
    pending = undefined;
    first?.();
  };
}

/** `/models/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf` → `qwen2.5-0.5b-instruct-q4_k_m`. */
function modelIdFromPath(modelPath: string): string {
  return path.basename(modelPath).replace(/\.gguf$/i, "").toLowerCase();
}
