import type { GgufFileInfo } from "node-llama-cpp";

/** Arrays shorter than this are left alone: what they cost does not matter. */
const smallestReleased = 1024;

/**
 * Empties the per-token arrays of the GGUF's tokenizer metadata (pieces, merges, types, scores), which
 * node-llama-cpp keeps in the V8 heap for the model's lifetime beside llama.cpp's own native vocabulary: about
 * 20 MB for a 152k-token vocabulary (measured: 357k strings, the server's largest heap item). node-llama-cpp
 * reads only their `length` once the model is loaded (`iterateAllTokens`, `GgufInsights`), so each becomes a
 * sparse array of the same length (a few bytes: V8 keeps a sparse array as a dictionary). Call it after
 * everything that reads the pieces themselves (`PromptSizeGuard`) has done so: `LoadedModel` does.
 */
export function releaseTokenizerArrays(fileInfo: GgufFileInfo): void {
  const ggml = fileInfo.metadata.tokenizer?.ggml as Record<string, unknown> | undefined;
  if (ggml === undefined) return;
  for (const [key, value] of Object.entries(ggml)) {
    if (!Array.isArray(value) || value.length < smallestReleased) continue;
    const sparse: unknown[] = [];
    sparse[value.length - 1] = undefined;
    ggml[key] = sparse;
  }
}
