import { existsSync, readFileSync } from "node:fs";

/**
 * Whether this machine's CPU has Intel AMX (Sapphire Rapids and later) with the AVX-512 VNNI that ggml's AMX
 * kernels also need: from the `flags` line of `/proc/cpuinfo` (Linux, x86-64). llama.cpp then holds matrix weights
 * in AMX's own buffers, and a build that targets the CPU natively compiles its AMX code in.
 */
export function cpuHasAmx(cpuInfoPath = "/proc/cpuinfo", arch: string = process.arch): boolean {
  if (arch !== "x64" || !existsSync(cpuInfoPath)) return false;
  const flags = new Set(/^flags\s*:(.*)$/m.exec(readFileSync(cpuInfoPath, "utf8"))?.[1]?.trim().split(/\s+/) ?? []);
  return flags.has("amx_tile") && flags.has("amx_int8") && flags.has("avx512_vnni");
}
