import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findPrebuiltKernels, installPrebuiltKernels, kernelsMarkerName, prebuiltKernelsInstalled } from "../../../bench/anchor/llama-server-kernels.js";
import { cpuKernelsInMaps } from "../../../bench/anchor/loaded-cpu-kernels.js";

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-kernels-"));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function files(directory: string, names: Record<string, string>): Promise<string> {
  await mkdir(directory, { recursive: true });
  for (const [name, content] of Object.entries(names)) await writeFile(path.join(directory, name), content);
  return directory;
}

describe("findPrebuiltKernels", () => {
  it("finds the platform's CPU libraries where npm put them, and only those", async () => {
    const bins = await files(path.join(folder, "node-llama-cpp", "node_modules", "@node-llama-cpp", "linux-x64", "bins", "linux-x64"), {
      "libggml-cpu-zen4.so": "",
      "libggml-cpu-haswell.so": "",
      "libggml-base.so": "",
      "libllama.v0.5.0.so": "",
      "llama-addon.node": "",
    });
    expect(findPrebuiltKernels(folder, "linux-x64")).toEqual({ kind: "prebuilt", folder: bins, libraries: ["libggml-cpu-haswell.so", "libggml-cpu-zen4.so"] });
  });

  it("takes a platform's single CPU library as its kernels (linux-armv7l ships no variants)", async () => {
    const bins = await files(path.join(folder, "@node-llama-cpp", "linux-armv7l", "bins", "linux-armv7l"), { "libggml-cpu.so": "", "libggml-base.so": "" });
    expect(findPrebuiltKernels(folder, "linux-armv7l")).toEqual({ kind: "prebuilt", folder: bins, libraries: ["libggml-cpu.so"] });
  });

  it("says why llama-server gets its own kernels where there are no prebuilt ones", async () => {
    await files(path.join(folder, "@node-llama-cpp", "mac-arm64-metal", "bins", "mac-arm64-metal"), { "libggml-metal.dylib": "" });
    const metal = findPrebuiltKernels(folder, "mac-arm64-metal");
    expect(metal).toMatchObject({ kind: "native", reason: expect.stringContaining("no libggml-cpu library") });
    expect(findPrebuiltKernels(folder, "linux-riscv64")).toMatchObject({ kind: "native", reason: expect.stringContaining("no prebuilt llama.cpp package for linux-riscv64") });
  });
});

describe("installPrebuiltKernels", () => {
  it("replaces the build's CPU library with the prebuilt ones, leaves the rest, and marks them installed", async () => {
    const prebuilt = await files(path.join(folder, "prebuilt"), { "libggml-cpu-zen4.so": "zen4 v1", "libggml-cpu-haswell.so": "haswell v1" });
    const bin = await files(path.join(folder, "bin"), { "libggml-cpu.so": "built here", "libggml-cpu-sse42.so": "stale", "libllama.so": "llama", "llama-server": "server" });
    const kernels = { kind: "prebuilt", folder: prebuilt, libraries: ["libggml-cpu-haswell.so", "libggml-cpu-zen4.so"] } as const;
    expect(await prebuiltKernelsInstalled(bin, kernels)).toBe(false);

    await installPrebuiltKernels(bin, kernels);
    expect((await readdir(bin)).sort()).toEqual(["libggml-cpu-haswell.so", "libggml-cpu-zen4.so", "libllama.so", "llama-server", kernelsMarkerName]);
    expect(await readFile(path.join(bin, "libggml-cpu-zen4.so"), "utf8")).toBe("zen4 v1");
    expect(await prebuiltKernelsInstalled(bin, kernels)).toBe(true);
  });

  it("notices when node-llama-cpp's libraries change under an installed build, and installs them again", async () => {
    const prebuilt = await files(path.join(folder, "prebuilt"), { "libggml-cpu-zen4.so": "zen4 v1" });
    const bin = await files(path.join(folder, "bin"), { "llama-server": "server" });
    const kernels = { kind: "prebuilt", folder: prebuilt, libraries: ["libggml-cpu-zen4.so"] } as const;
    await installPrebuiltKernels(bin, kernels);

    await writeFile(path.join(prebuilt, "libggml-cpu-zen4.so"), "zen4 v2");
    expect(await prebuiltKernelsInstalled(bin, kernels)).toBe(false);
    await installPrebuiltKernels(bin, kernels);
    expect(await readFile(path.join(bin, "libggml-cpu-zen4.so"), "utf8")).toBe("zen4 v2");
    expect(await prebuiltKernelsInstalled(bin, kernels)).toBe(true);

    // A variant added to the package counts as a change too.
    await writeFile(path.join(prebuilt, "libggml-cpu-haswell.so"), "haswell v1");
    expect(await prebuiltKernelsInstalled(bin, { ...kernels, libraries: ["libggml-cpu-haswell.so", "libggml-cpu-zen4.so"] })).toBe(false);
  });

  it("leaves no marker when a copy fails, so the next run installs again", async () => {
    const prebuilt = await files(path.join(folder, "prebuilt"), { "libggml-cpu-zen4.so": "zen4" });
    const bin = await files(path.join(folder, "bin"), { "llama-server": "server" });
    await installPrebuiltKernels(bin, { kind: "prebuilt", folder: prebuilt, libraries: ["libggml-cpu-zen4.so"] });
    await expect(installPrebuiltKernels(bin, { kind: "prebuilt", folder: prebuilt, libraries: ["libggml-cpu-zen4.so", "libggml-cpu-missing.so"] })).rejects.toThrow();
    expect(existsSync(path.join(bin, kernelsMarkerName))).toBe(false);
  });
});

describe("cpuKernelsInMaps", () => {
  it("names the CPU libraries a process has mapped, once each", () => {
    const maps = [
      "7f00-7f10 r--p 00000000 08:01 1 /cache/build/bin/libggml-cpu-sapphirerapids.so",
      "7f10-7f20 r-xp 00010000 08:01 1 /cache/build/bin/libggml-cpu-sapphirerapids.so",
      "7f20-7f30 r-xp 00000000 08:01 2 /cache/build/bin/libggml-base.so.0.25.1",
      "7f30-7f40 r-xp 00000000 08:01 3 /addon/Release/libggml-cpu.so",
      "7f40-7f50 rw-p 00000000 00:00 0 ",
    ].join("\n");
    expect(cpuKernelsInMaps(maps)).toEqual(["libggml-cpu-sapphirerapids.so", "libggml-cpu.so"]);
    expect(cpuKernelsInMaps("7f20-7f30 r-xp 00000000 08:01 2 /usr/bin/llama-server\n")).toEqual([]);
  });
});
