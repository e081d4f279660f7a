import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { servingPid, spawnServer } from "../helpers/spawn-server.js";
import { testModelPath } from "../helpers/test-models.js";

const onGlibc = process.platform === "linux" && (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime !== undefined;
// Node 22.15+ relaunches in place (process.execve): no launcher process to observe.
const withLauncher = onGlibc && (process as { execve?: unknown }).execve === undefined;

async function environmentOf(pid: number): Promise<Map<string, string>> {
  const entries = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").filter((entry) => entry.includes("="));
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

const alive = async (pid: number): Promise<boolean> => readFile(`/proc/${pid}/stat`, "utf8").then((stat) => !/^\d+ \(.*\) Z/.test(stat), () => false);

describe.runIf(withLauncher)("pensieve start relaunched with glibc's memory settings", () => {
  it("serves from a child that has the settings, and exits 0 through the launcher on SIGTERM", async () => {
    const server = await spawnServer(await testModelPath("tiny"), ["--threads", "1", "--ctx-size", "512"]);
    try {
      const pid = await server.servingPid();
      expect(pid).not.toBe(server.process.pid);
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
    const flags = ["--threads", "1", "--ctx-size", "512"];
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
    } finally {
      await chosen.stop();
    }
  }, 60_000);

  it("stops the server when the launcher is killed, so no orphan keeps the port and the memory", async () => {
    const server = await spawnServer(await testModelPath("tiny"), ["--threads", "1", "--ctx-size", "512"]);
    const pid = await servingPid(server.process.pid ?? 0);
    expect(pid).not.toBe(server.process.pid);
    server.process.kill("SIGKILL");
    await expect.poll(() => alive(pid), { timeout: 30_000 }).toBe(false);
    await expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow();
  }, 60_000);
});
