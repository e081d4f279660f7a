import { getLlama, LlamaLogLevel } from "node-llama-cpp";

/** The accelerator llama.cpp would use here and its memory, or `null` when it runs on the CPU only. */
export async function gpuMemory(): Promise<{ readonly kind: string; readonly totalBytes: number; readonly freeBytes: number } | null> {
  const llama = await getLlama({ gpu: "auto", build: "never", logLevel: LlamaLogLevel.error });
  try {
    if (llama.gpu === false) return null;
    const vram = await llama.getVramState();
    return { kind: llama.gpu, totalBytes: vram.total, freeBytes: vram.free };
  } finally {
    await llama.dispose();
  }
}
