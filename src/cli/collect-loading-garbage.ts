import v8 from "node:v8";
import vm from "node:vm";

/**
 * One full garbage collection. Loading leaves tens of MB of dead objects in V8's old space (each GGUF's metadata
 * parsed twice, its token strings once `releaseTokenizerArrays` drops them), and V8 keeps those pages until its
 * next full collection, which a server that allocates little may not reach for hours. The CLI calls it twice:
 * - when a model's load first reports progress (node-llama-cpp has parsed the metadata, most of the weights are
 *   still to come), without compaction. Compacting copies every survivor first, which there includes the parsed
 *   vocabulary: for a 262k-token vocabulary on small weights that raised the load's peak by 33 MiB.
 * - once the models are loaded, compacting, so the survivors do not stay spread over partly empty pages.
 * Measured at 1 × 4k on the 0.5B bench model (qwen2 vocabulary, issue #12): the compacting call took old space
 * from 48.5 to 29.1 MB committed and RSS 23 MB lower; the first call took the load's peak from 558 to 529 MiB.
 * `gc` is exposed only to a new context and only for this call, so nothing else in the process sees it.
 */
export function collectLoadingGarbage(options: { readonly compact: boolean }): void {
  v8.setFlagsFromString("--expose-gc");
  const collect = vm.runInNewContext("gc") as () => void;
  v8.setFlagsFromString("--no-expose-gc");
  if (options.compact) v8.setFlagsFromString("--compact-on-every-full-gc");
  collect();
  if (options.compact) v8.setFlagsFromString("--no-compact-on-every-full-gc");
}
