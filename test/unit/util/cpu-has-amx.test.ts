import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cpuHasAmx } from "../../../src/util/cpu-has-amx.js";
import { cpuInfoFile } from "../../helpers/cpu-info-file.js";

describe("cpuHasAmx", () => {
  it("is true for an x86-64 CPU listing AMX's tile and int8 flags with AVX-512 VNNI", async () => {
    expect(cpuHasAmx(await cpuInfoFile("fpu avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8"), "x64")).toBe(true);
  });

  it("is false without any one of them, on another architecture, and without /proc/cpuinfo", async () => {
    expect(cpuHasAmx(await cpuInfoFile("fpu avx2 avx512f avx512_vnni amx_bf16 amx_tile"), "x64")).toBe(false);
    expect(cpuHasAmx(await cpuInfoFile("fpu avx2 avx512f amx_tile amx_int8"), "x64")).toBe(false);
    expect(cpuHasAmx(await cpuInfoFile("fpu avx2 avx512f avx512_vnni amx_tile amx_int8"), "arm64")).toBe(false);
    expect(cpuHasAmx(path.join(os.tmpdir(), "no-such-cpuinfo"), "x64")).toBe(false);
  });
});
