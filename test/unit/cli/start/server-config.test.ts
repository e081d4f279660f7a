import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { memoryLimitForLoad, parseMemoryLimit } from "../../../../src/cli/commands/start/memory-limit.js";
import { decodeThreadsDeprecation, toServerConfig } from "../../../../src/cli/commands/start/server-config.js";
import { parseStartFlags } from "../../../helpers/servers/index.js";

const env = { PENSIEVE_HOME: "/srv/pensieve" };
const configOf = async (argv: readonly string[], environment: NodeJS.ProcessEnv = env) => toServerConfig(await parseStartFlags(argv), environment);

describe("toServerConfig", () => {
  it("gives the documented defaults, leaving out the settings nobody gave", async () => {
    // Strict: an unset optional setting is absent, not present as undefined.
    expect(await configOf([])).toStrictEqual({
      host: "127.0.0.1",
      port: 8080,
      allowedHosts: [],
      corsOrigins: [],
      maxRequestsPerSocket: 1000,
      home: "/srv/pensieve",
      upstreams: [],
      demo: false,
      pull: {},
      engine: {
        threads: os.availableParallelism(),
        parallel: 1,
        maxQueue: 16,
        maxQueueWaitMs: 600_000,
        maxGenerationMs: 1_800_000,
        stallTimeoutMs: 600_000,
        chatFormat: "auto",
        gpu: "auto",
        promptCache: { folder: path.join("/srv/pensieve", "prompt-cache"), maxBytes: 4096 * 1024 * 1024 },
      },
      memoryLimit: { kind: "auto" },
      shutdownGraceMs: 30_000,
      warnings: [],
      logLevel: "info",
      logPrompts: false,
    });
  });

  it("takes every flag", async () => {
    const config = await configOf([
      "--model", "m.gguf", "--config", "c.json", "--demo", "--host", "::1", "--port", "0", "--ctx-size", "512", "--threads", "3",
      "--decode-threads", "2", "--no-prompt-lookup", "--parallel", "4", "--max-queue", "0", "--max-queue-wait", "5", "--max-generation-time", "60", "--max-requests-per-socket", "0", "--prompt-cache-dir", "/cache", "--prompt-cache-size", "16",
      "--shutdown-grace", "5", "--stall-timeout", "0", "--chat-format", "qwen", "--seed", "9", "--memory-limit", "1.5", "--gpu", "cpu",
      "--log-level", "warn", "--log-prompts", "--api-key", "k", "--allowed-host", "a.lan,b.lan", "--cors-origin", "http://localhost:3000",
      "--upstream", "vllm+http://gpu-0:8000", "--upstream", "http://gpu-1:8000",
    ]);
    expect(config).toEqual({
      host: "::1",
      port: 0,
      apiKey: "k",
      allowedHosts: ["a.lan", "b.lan"],
      corsOrigins: ["http://localhost:3000"],
      maxRequestsPerSocket: 0,
      home: "/srv/pensieve",
      configFile: "c.json",
      model: "m.gguf",
      upstreams: [
        { url: "http://gpu-0:8000", dialect: "vllm", maxConcurrent: 8 },
        { url: "http://gpu-1:8000", dialect: "openai", maxConcurrent: 8 },
      ],
      demo: true,
      pull: {},
      engine: {
        threads: 3,
        promptLookup: false,
        parallel: 4,
        maxQueue: 0,
        maxQueueWaitMs: 5000,
        maxGenerationMs: 60_000,
        stallTimeoutMs: 0,
        chatFormat: "qwen",
        seed: 9,
        gpu: false,
        contextSize: 512,
        promptCache: { folder: "/cache", maxBytes: 16 * 1024 * 1024 },
      },
      memoryLimit: { kind: "total", bytes: Math.floor(1.5 * 1024 ** 3) },
      shutdownGraceMs: 5000,
      logLevel: "warn",
      logPrompts: true,
      warnings: [decodeThreadsDeprecation],
    });
  });

  it("keeps no prompt cache with --no-prompt-cache", async () => {
    expect((await configOf(["--no-prompt-cache"])).engine.promptCache).toBeUndefined();
  });

  it("reads the home, the Hugging Face token and the hub from the environment it is given, not the process's", async () => {
    expect((await configOf([], { XDG_CACHE_HOME: "/xdg", HF_TOKEN: "t", HF_ENDPOINT: "http://hub" })).home).toBe(path.join("/xdg", "pensieve"));
    expect((await configOf([], { ...env, HF_TOKEN: "t", HF_ENDPOINT: "http://hub" })).pull).toEqual({ token: "t", hubUrl: "http://hub" });
    expect((await configOf([], { ...env, HUGGING_FACE_HUB_TOKEN: "old" })).pull).toEqual({ token: "old" });
    // An empty HF_TOKEN means none, and does not fall back to the older name.
    expect((await configOf([], { ...env, HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "old", HF_ENDPOINT: "" })).pull).toEqual({});
  });

  it("counts an empty key as none", async () => {
    expect(await configOf(["--api-key", ""])).not.toHaveProperty("apiKey");
  });

  it.each([["0.0.0.0"], ["::"], ["192.168.1.20"]])("refuses to listen on %s without a key, and allows it with one", async (host) => {
    await expect(configOf(["--host", host])).rejects.toThrow(`refusing to listen on ${host} without an API key`);
    await expect(configOf(["--host", host, "--api-key", ""])).rejects.toThrow("PENSIEVE_API_KEY=<key>");
    expect((await configOf(["--host", host, "--api-key", "k"])).host).toBe(host);
  });

  it.each([["lots"], ["0"], ["-1"], ["Infinity"]])("refuses --memory-limit %s", async (value) => {
    await expect(configOf(["--memory-limit", value])).rejects.toThrow("--memory-limit takes a number of GiB, auto or off");
  });
});

describe("parseMemoryLimit", () => {
  it("reads auto, off and a number of GiB", () => {
    expect(parseMemoryLimit("auto")).toEqual({ kind: "auto" });
    expect(parseMemoryLimit("off")).toEqual({ kind: "off" });
    expect(parseMemoryLimit("0.5")).toEqual({ kind: "total", bytes: 512 * 1024 ** 2 });
  });
});

describe("memoryLimitForLoad", () => {
  it("sets no limit when off", () => {
    expect(memoryLimitForLoad({ kind: "off" }, 0)).toEqual({});
  });

  it("shares a total with the models loaded before, never below one byte", () => {
    expect(memoryLimitForLoad({ kind: "total", bytes: 1000 }, 0)).toEqual({ memoryLimitBytes: 1000 });
    expect(memoryLimitForLoad({ kind: "total", bytes: 1000 }, 400)).toEqual({ memoryLimitBytes: 600 });
    expect(memoryLimitForLoad({ kind: "total", bytes: 1000 }, 5000)).toEqual({ memoryLimitBytes: 1 });
  });

  it("leaves a tenth of the free memory to the machine when auto", () => {
    const { memoryLimitBytes } = memoryLimitForLoad({ kind: "auto" }, 0);
    expect(memoryLimitBytes).toBeGreaterThan(0);
    expect(memoryLimitBytes).toBeLessThanOrEqual(os.freemem());
  });
});
