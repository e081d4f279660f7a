import type { LlamaContext } from "node-llama-cpp";


interface NativeContext {
  initBatch(size: number): void;
  decodeBatch(): Promise<void>;
  setThreads(threads: number): void;
}

/**
 * Gives single-token batches (one sequence decoding) fewer threads than everything else, as llama.cpp's own
 * `n_threads` and `n_threads_batch` do (node-llama-cpp sets both to one number). Such a batch is small and
 * memory-bound, and a core left free for the event loop (HTTP, SSE, LlamaChat's per-token work) keeps
 * llama.cpp's threads from stalling at their barrier; prompt batches and batches that decode several
 * sequences at once have the work to use every core. Measured on 2 cores (0.5B shape): one thread for a lone
 * sequence's decode gave more tokens/s through HTTP than two, while 4 sequences decoded with one thread fell
 * from 0.97× to 0.63× of raw batched throughput.
 *
 * node-llama-cpp has no option for this, so the context's native handle is wrapped; if its shape ever changes,
 * nothing is wrapped and both phases keep `threads`. Returns whether it applied.
 */
export function useFewerDecodeThreads(context: LlamaContext, threads: { readonly prompt: number; readonly decode: number }): boolean {
  const native = (context as unknown as { _ctx?: Partial<NativeContext> })._ctx;
  if (typeof native?.initBatch !== "function" || typeof native.decodeBatch !== "function" || typeof native.setThreads !== "function") {
    return false;
  }
  const { initBatch, decodeBatch, setThreads } = native as NativeContext;
  let batchTokens = 0;
  try {
    // The native methods are read-only on the prototype: define own properties instead of assigning.
    Object.defineProperty(native, "initBatch", {
      value(this: NativeContext, size: number) {
        batchTokens = size;
        return initBatch.call(this, size);
      },
    });
    // node-llama-cpp sets the threads it allots just before each decode; this runs after it. Setting the same
    // count again costs nothing (the native side only acts on a change).
    Object.defineProperty(native, "decodeBatch", {
      value(this: NativeContext) {
        setThreads.call(this, batchTokens === 1 ? threads.decode : threads.prompt);
        return decodeBatch.call(this);
      },
    });
    return true;
  } catch {
    return false;
  }
}
