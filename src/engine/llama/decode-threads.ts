import type { LlamaContext } from "node-llama-cpp";

interface NativeContext {
  initBatch(size: number): void;
  decodeBatch(): Promise<void>;
  setThreads(threads: number): void;
}

/**
 * Gives single-token batches (one sequence decoding) one thread fewer than node-llama-cpp allots, or
 * `decodeThreads` when given, as llama.cpp's own `n_threads` and `n_threads_batch` do (node-llama-cpp sets both
 * to one number). Such a batch is small and memory-bound, and a core left free for the event loop (HTTP, SSE,
 * LlamaChat's per-token work) keeps llama.cpp's threads from stalling at their barrier; prompt batches and
 * batches that decode several sequences at once have the work to use every allotted thread. Measured on 2
 * cores (0.5B shape): one thread for a lone sequence's decode gave about 57 tokens/s through HTTP against 45
 * with two, while decoding 4 sequences with one thread fell from 0.97× to 0.63× of raw batched throughput.
 *
 * node-llama-cpp has no option for this, so the context's native handle is wrapped; if its shape ever changes,
 * nothing is wrapped and every batch keeps node-llama-cpp's threads. Returns whether it applied.
 */
export function useFewerDecodeThreads(context: LlamaContext, decodeThreads?: number): boolean {
  const native = (context as unknown as { _ctx?: Partial<NativeContext> })._ctx;
  if (typeof native?.initBatch !== "function" || typeof native.decodeBatch !== "function" || typeof native.setThreads !== "function") {
    return false;
  }
  const { initBatch, decodeBatch, setThreads } = native as NativeContext;
  // What node-llama-cpp allots (its thread splitter shares the cores among contexts); never raised here.
  let allotted = context.currentThreads;
  let batchTokens = 0;
  try {
    // The native methods are read-only on the prototype: define own properties instead of assigning.
    Object.defineProperty(native, "setThreads", {
      value(this: NativeContext, threads: number) {
        allotted = threads;
        return setThreads.call(this, threads);
      },
    });
    Object.defineProperty(native, "initBatch", {
      value(this: NativeContext, size: number) {
        batchTokens = size;
        return initBatch.call(this, size);
      },
    });
    // node-llama-cpp sets its allotment just before each decode; this runs after it. Setting the same count
    // again costs nothing (the native side only acts on a change).
    Object.defineProperty(native, "decodeBatch", {
      value(this: NativeContext) {
        const forDecode = Math.max(1, Math.min(allotted, decodeThreads ?? allotted - 1));
        setThreads.call(this, batchTokens === 1 ? forDecode : allotted);
        return decodeBatch.call(this);
      },
    });
    return true;
  } catch {
    return false;
  }
}
