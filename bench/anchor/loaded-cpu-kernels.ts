import { readFile } from "node:fs/promises";

/**
 * The llama.cpp CPU libraries a process has mapped (`libggml-cpu-sapphirerapids.so`, …), from the text of
 * `/proc/<pid>/maps`: which kernels it really runs, since ggml picks the variant at load and skips one that fails
 * to load without a word.
 */
export function cpuKernelsInMaps(mapsText: string): string[] {
  const names = new Set<string>();
  for (const match of mapsText.matchAll(/\/(libggml-cpu(?:-[^/\s]+)?\.so)\s*$/gm)) if (match[1] !== undefined) names.add(match[1]);
  return [...names].sort();
}

/** `cpuKernelsInMaps` of a running process; empty where there is no `/proc` to read. */
export async function loadedCpuKernels(pid: number): Promise<string[]> {
  return cpuKernelsInMaps(await readFile(`/proc/${pid}/maps`, "utf8").catch(() => ""));
}
