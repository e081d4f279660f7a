import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { llamaServerCmakeFlags, llamaServerKernels, shellWords } from "../../../bench/anchor/build-llama-server.js";
import { cpuInfoFile } from "../../helpers/cpu-info-file.js";

describe("llamaServerCmakeFlags", () => {
  it("builds shared libraries that load their CPU backend at run time when the kernels are node-llama-cpp's prebuilt ones", async () => {
    const amxInfo = await cpuInfoFile("fpu sse4_2 avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8");
    const flags = llamaServerCmakeFlags("prebuilt", amxInfo, "x64");
    expect(flags).toEqual(expect.arrayContaining(["-DBUILD_SHARED_LIBS=ON", "-DGGML_BACKEND_DL=ON", "-DGGML_NATIVE=OFF"]));
    // Nothing compiled here does the math, so the CPU's own features change nothing.
    expect(flags.filter((flag) => flag.includes("amx"))).toEqual([]);
  });

  it("leaves AMX out of a native build's target on an x86-64 CPU that has it, and only there", async () => {
    const amxInfo = await cpuInfoFile("fpu sse4_2 avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8");
    const withAmx = llamaServerCmakeFlags("native", amxInfo, "x64");
    expect(withAmx).toContain("-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16");
    expect(withAmx).toContain("-DCMAKE_CXX_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16");
    const withoutAmx = llamaServerCmakeFlags("native", await cpuInfoFile("fpu sse4_2 avx2 avx512f avx512_vnni"), "x64");
    expect(withoutAmx.filter((flag) => flag.includes("amx"))).toEqual([]);
    expect(withAmx.filter((flag) => !flag.includes("amx"))).toEqual(withoutAmx);
    // The flags are x86's: an arm64 CPU is never given them.
    expect(llamaServerCmakeFlags("native", amxInfo, "arm64")).toEqual(withoutAmx);
  });

  it("builds natively as for a CPU without AMX where there is no /proc/cpuinfo to read", async () => {
    const withoutAmx = llamaServerCmakeFlags("native", await cpuInfoFile("fpu sse4_2 avx2 avx512f avx512_vnni"), "x64");
    expect(llamaServerCmakeFlags("native", path.join(os.tmpdir(), "no-such-cpuinfo"), "x64")).toEqual(withoutAmx);
    expect(withoutAmx).toContain("-DBUILD_SHARED_LIBS=OFF");
  });
});

describe("llamaServerKernels", () => {
  it("finds the platform's prebuilt CPU variants where npm put them, and only the CPU ones", async () => {
    const modules = await mkdtemp(path.join(os.tmpdir(), "pensieve-kernels-"));
    const bins = path.join(modules, "node-llama-cpp", "node_modules", "@node-llama-cpp", "linux-x64", "bins", "linux-x64");
    await mkdir(bins, { recursive: true });
    for (const name of ["libggml-cpu-zen4.so", "libggml-cpu-haswell.so", "libggml-base.so", "libllama.v0.5.0.so", "llama-addon.node"]) await writeFile(path.join(bins, name), "");
    expect(llamaServerKernels(modules, "linux-x64")).toEqual({ kind: "prebuilt", folder: bins, variants: ["libggml-cpu-haswell.so", "libggml-cpu-zen4.so"] });
  });

  it("builds natively for a platform without prebuilt CPU variants", async () => {
    const modules = await mkdtemp(path.join(os.tmpdir(), "pensieve-kernels-"));
    const bins = path.join(modules, "@node-llama-cpp", "mac-arm64-metal", "bins", "mac-arm64-metal");
    await mkdir(bins, { recursive: true });
    await writeFile(path.join(bins, "libggml-metal.dylib"), "");
    expect(llamaServerKernels(modules, "mac-arm64-metal")).toEqual({ kind: "native" });
    expect(llamaServerKernels(modules, "linux-riscv64")).toEqual({ kind: "native" });
  });
});

describe("shellWords", () => {
  it("quotes what a shell would split, so a printed command can be pasted", () => {
    expect(shellWords(["cmake", "-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8", "it's"])).toBe(`cmake '-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8' 'it'\\''s'`);
  });
});
