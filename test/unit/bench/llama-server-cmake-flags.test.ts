import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { llamaServerCmakeFlags, shellWords } from "../../../bench/anchor/build-llama-server.js";
import { cpuInfoFile } from "../../helpers/cpu-info-file.js";

describe("llamaServerCmakeFlags", () => {
  it("builds shared libraries that load their CPU backend at run time when the kernels are node-llama-cpp's prebuilt ones", async () => {
    const amxInfo = await cpuInfoFile("fpu sse4_2 avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8");
    const flags = llamaServerCmakeFlags("prebuilt", amxInfo, "x64");
    expect(flags).toEqual(expect.arrayContaining(["-DBUILD_SHARED_LIBS=ON", "-DGGML_BACKEND_DL=ON", "-DGGML_NATIVE=OFF"]));
    // The libraries are found beside the binary, wherever its folder is (a cache restored elsewhere).
    expect(flags).toEqual(expect.arrayContaining(["-DCMAKE_INSTALL_RPATH=$ORIGIN", "-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON"]));
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

describe("shellWords", () => {
  it("quotes what a shell would split, so a printed command can be pasted", () => {
    expect(shellWords(["cmake", "-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8", "it's"])).toBe(`cmake '-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8' 'it'\\''s'`);
    expect(shellWords(["-DCMAKE_INSTALL_RPATH=$ORIGIN"])).toBe(`'-DCMAKE_INSTALL_RPATH=$ORIGIN'`);
  });
});
