import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { usesGlibc } from "../../src/util/uses-glibc.js";
import { servingPid, spawnServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

const onGlibc = usesGlibc();
// Node 22.15+ relaunches in place (process.execve); older Node leaves a launcher process in front of the server.
const withLauncher = onGlibc && (process as { execve?: unknown }).execve === undefined;
const flags = ["--threads", "1", "--ctx-size", "512"];

async function environmentOf(pid: number): Promise<Map<string, string>> {
  const entries = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").filter((entry) => entry.includes("="));
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

const alive = async (pid: number): Promise<boolean> => readFile(`/proc/${pid}/stat`, "utf8").then((stat) => !/^\d+ \(.*\) Z/.test(stat), () => false);

describe.runIf(onGlibc)("pensieve start relaunched with glibc's memory settings", () => {
  it("serves from a process that has the settings, and exits 0 on SIGTERM", async () => {
    const server = await spawnServer(await testModelPath("tiny"), flags);
    try {
      const pid = await server.servingPid();
      if (withLauncher) expect(pid).not.toBe(server.process.pid);
      const environment = await environmentOf(pid);
      expect(environment.get("MALLOC_ARENA_MAX")).toBe("1");
      expect(environment.get("MALLOC_TRIM_THRESHOLD_")).toBe("131072");
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);

  it("keeps the operator's own setting, and serves without a relaunch when both are set", async () => {
    const modelPath = await testModelPath("tiny");
    const partly = await spawnServer(modelPath, flags, { ...process.env, MALLOC_ARENA_MAX: "4" });
    try {
      const environment = await environmentOf(await partly.servingPid());
      expect(environment.get("MALLOC_ARENA_MAX")).toBe("4");
      expect(environment.get("MALLOC_TRIM_THRESHOLD_")).toBe("131072");
    } finally {
      await partly.stop();
    }
    const chosen = await spawnServer(modelPath, flags, { ...process.env, MALLOC_ARENA_MAX: "4", MALLOC_TRIM_THRESHOLD_: "262144" });
    try {
      expect(await chosen.servingPid()).toBe(chosen.process.pid);
      expect((await environmentOf(chosen.process.pid ?? 0)).has("PENSIEVE_MALLOC_SET")).toBe(false);
    } finally {
      await chosen.stop();
    }
  }, 60_000);
});

describe.runIf(withLauncher)("the launcher in front of the server (Node before 22.15)", () => {
  it("stops the server when the launcher is killed, so no orphan keeps the port and the memory", async () => {
    const server = await spawnServer(await testModelPath("tiny"), flags);
    const pid = await servingPid(server.process.pid ?? 0);
    try {
      expect(pid).not.toBe(server.process.pid);
      server.process.kill("SIGKILL");
      await expect.poll(() => alive(pid), { timeout: 30_000 }).toBe(false);
      await expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow();
    } finally {
      if (await alive(pid)) process.kill(pid, "SIGKILL");
    }
  }, 60_000);

  it("exits 128 + the signal's number when the server is killed by one, as a shell reports it", async () => {
    const server = await spawnServer(await testModelPath("tiny"), flags);
    const pid = await server.servingPid();
    expect(pid).not.toBe(server.process.pid);
    process.kill(pid, "SIGKILL");
    expect(await server.stop()).toBe(137);
  }, 60_000);
});
