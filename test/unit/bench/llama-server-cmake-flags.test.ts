import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { llamaServerCmakeFlags, shellWords } from "../../../bench/anchor/build-llama-server.js";
import { cpuInfoFile } from "../../helpers/cpu-info-file.js";

describe("llamaServerCmakeFlags", () => {
  it("leaves AMX out of the compiler's target on an x86-64 CPU that has it, and only there", async () => {
    const amxInfo = await cpuInfoFile("fpu sse4_2 avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8");
    const withAmx = llamaServerCmakeFlags(amxInfo, "x64");
    expect(withAmx).toContain("-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16");
    expect(withAmx).toContain("-DCMAKE_CXX_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16");
    const withoutAmx = llamaServerCmakeFlags(await cpuInfoFile("fpu sse4_2 avx2 avx512f avx512_vnni"), "x64");
    expect(withoutAmx.filter((flag) => flag.includes("amx"))).toEqual([]);
    expect(withAmx.filter((flag) => !flag.includes("amx"))).toEqual(withoutAmx);
    // The flags are x86's: an arm64 CPU is never given them.
    expect(llamaServerCmakeFlags(amxInfo, "arm64")).toEqual(withoutAmx);
  });

  it("builds as for a CPU without AMX where there is no /proc/cpuinfo to read", async () => {
    const withoutAmx = llamaServerCmakeFlags(await cpuInfoFile("fpu sse4_2 avx2 avx512f avx512_vnni"), "x64");
    expect(llamaServerCmakeFlags(path.join(os.tmpdir(), "no-such-cpuinfo"), "x64")).toEqual(withoutAmx);
    expect(withoutAmx).toContain("-DBUILD_SHARED_LIBS=OFF");
  });
});

describe("shellWords", () => {
  it("quotes what a shell would split, so a printed command can be pasted", () => {
    expect(shellWords(["cmake", "-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8", "it's"])).toBe(`cmake '-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8' 'it'\\''s'`);
  });
});
