import type { Llama } from "node-llama-cpp";

/**
 * How the load log names the llama.cpp binaries in use. The prebuilt binaries keep no thread pool between tokens:
 * on a CPU one request decodes at 0.7–0.8× a build's speed, so the log says how to build one.
 */
export function describeBinaries(llama: Pick<Llama, "buildType" | "gpu">): string {
  if (llama.buildType === "localBuild") return "built on this machine";
  return llama.gpu === false ? "prebuilt (npm run build:engine builds a faster one for this CPU)" : "prebuilt";
}
