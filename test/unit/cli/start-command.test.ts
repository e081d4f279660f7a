import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { CommanderError } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { generatorVersion, scriptedSentence } from "../../../src/models/generator/make-model.js";
import { startInProcess as start, startProgram } from "../../helpers/servers/index.js";
import { testModelPath } from "../../helpers/test-models.js";

let home: string;

describe("pensieve start (in process)", () => {
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "pensieve-start-"));
    // The demo model is the scripted test model under the name start looks for: nothing to generate.
    await mkdir(path.join(home, "models"), { recursive: true });
    await copyFile(await testModelPath("scripted"), path.join(home, "models", `pensieve-demo-g${generatorVersion}.gguf`));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("serves a model, prints how to point clients at it, and exits 0 on SIGTERM", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    const started = await start(["--model", await testModelPath("tiny"), "--threads", "1", "--gpu", "cpu", "--ctx-size", "1024", "--parallel", "2"]);
    expect(started.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.banner).toMatch(/^Pensieve is serving tiny-q8_0-seed1-vocab-builtin-g\d+ on /m);
    expect(started.banner).toContain(`Pensieve is serving tiny-q8_0-seed1-vocab-builtin-g${generatorVersion} on ${started.baseUrl}\n`);
    expect(started.banner).toContain("context: 1024 tokens");
    expect(started.banner).toContain(`live page and chat: ${started.baseUrl}/ (open it in a browser)`);
    expect(started.banner).toContain(`export ANTHROPIC_BASE_URL=${started.baseUrl}\n`);
    expect(started.banner).not.toContain("DEMO");
    const health = await fetch(`${started.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await started.signal()).toEqual([0]);
    await expect(fetch(`${started.baseUrl}/health`)).rejects.toThrow();
  });

  it("serves the demo model with no --model, says so, and a second signal exits at once with 130", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    vi.stubEnv("PENSIEVE_MODEL", undefined);
    const started = await start(["--threads", "1", "--gpu", "cpu", "--no-prompt-cache"]);
    expect(started.banner).toContain("This is the built-in DEMO model");
    expect(started.banner).toContain("context: 65536 tokens");
    // The real exit(130) ends the process there; the recorded one returns, so the first stop runs on and exits 0 too.
    expect(await started.signal(2)).toEqual([130, 0]);
  });

  it("takes a signal repeated within half a second as the same stop: exits 0, not 130", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    const started = await start(["--model", await testModelPath("tiny"), "--threads", "1", "--gpu", "cpu", "--ctx-size", "512", "--no-prompt-cache"]);
    expect(await started.signal(2, 0)).toEqual([0]);
  });

  it("keeps listening when the model fails to load, and says why", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    const missing = path.join(home, "missing.gguf");
    const started = await start(["--model", missing, "--host", "::1", "--prompt-cache-dir", path.join(home, "cache"), "--prompt-cache-size", "16"]);
    expect(started.baseUrl).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect(started.banner.split("\n")[0]).toBe(`Pensieve is listening on ${started.baseUrl}, but the model did not load:`);
    expect(started.banner).toContain("/health answers 503");
    const health = await fetch(`${started.baseUrl}/health`);
    expect(health.status).toBe(503);
    expect(await started.signal()).toEqual([0]);
  });

  it("uses all cores by default and reads the model from PENSIEVE_MODEL", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    vi.stubEnv("PENSIEVE_MODEL", await testModelPath("tiny"));
    const started = await start(["--gpu", "cpu", "--ctx-size", "512", "--no-prompt-cache"]);
    expect(started.banner).toMatch(/serving tiny-q8_0/);
    await started.signal();
  });

  it("serves the config file's model, and its aliases' models to the names they match", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    vi.stubEnv("PENSIEVE_MODEL", undefined);
    const configPath = path.join(home, "aliases.json");
    await writeFile(configPath, JSON.stringify({ model: await testModelPath("tiny"), aliases: { "claude-*haiku*": await testModelPath("scripted") } }));
    const started = await start(["--config", configPath, "--gpu", "cpu", "--threads", "1", "--ctx-size", "1024", "--no-prompt-cache", "--log-level", "info"]);
    expect(started.banner).toMatch(/serving tiny-q8_0/);
    expect(started.banner).toMatch(/requests for claude-\*haiku\* go to scripted-g\d+-\w+\.gguf/);
    // Each model's engine logs under its own file name.
    const engineLogs = started.io.logText.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line["component"] === "engine");
    expect(new Set(engineLogs.map((line) => line["model"]))).toEqual(new Set([path.basename(await testModelPath("tiny")), path.basename(await testModelPath("scripted"))]));
    const client = new Anthropic({ baseURL: started.baseUrl, apiKey: "test", maxRetries: 0 });
    const ask = async (model: string) => {
      const message = await client.messages.create({ model, max_tokens: 40, messages: [{ role: "user", content: "Hi" }] });
      return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    };
    expect(await ask("claude-haiku-4-5")).toBe(scriptedSentence);
    expect(await ask("claude-sonnet-4-5")).not.toBe(scriptedSentence);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual([expect.stringMatching(/^tiny-q8_0/), expect.stringMatching(/^scripted-/)]);
    expect(models.data.every((model) => (model as unknown as { max_input_tokens: number }).max_input_tokens === 1022)).toBe(true);
    expect((await client.models.retrieve("claude-haiku-4-5")).display_name).toMatch(/^scripted-/);
    await started.signal();
  });

  it("starts without an alias whose model cannot be downloaded, and says so", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    // Nothing listens on port 9: the hub is unreachable, as offline.
    vi.stubEnv("HF_ENDPOINT", "http://127.0.0.1:9");
    const configPath = path.join(home, "offline-alias.json");
    await writeFile(configPath, JSON.stringify({ aliases: { "claude-*haiku*": "hf:nobody/Missing-GGUF:Q4_0" } }));
    const started = await start(["--config", configPath, "--model", await testModelPath("tiny"), "--gpu", "cpu", "--threads", "1", "--ctx-size", "512", "--no-prompt-cache"]);
    expect(started.banner).toMatch(/serving tiny-q8_0/);
    expect(started.banner).not.toContain("requests for");
    expect(started.io.stderrText).toContain("Could not download hf:nobody/Missing-GGUF:Q4_0 for claude-*haiku*");
    expect(started.io.stderrText).toContain("those requests go to the default model.");
    await started.signal();
  });

  it("refuses a --memory-limit it cannot read", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    const { root, output } = startProgram();
    await expect(root.parseAsync(["start", "--memory-limit", "lots"], { from: "user" })).rejects.toBeInstanceOf(CommanderError);
    expect(output.err).toContain("error: --memory-limit takes a number of GiB, auto or off");
  });

  it("refuses a port already in use in one line, not a stack trace", async () => {
    vi.stubEnv("PENSIEVE_HOME", home);
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const { root, output } = startProgram();
      const argv = ["start", "--model", await testModelPath("tiny"), "--threads", "1", "--gpu", "cpu", "--ctx-size", "512", "--no-prompt-cache", "--port", String(port)];
      await expect(root.parseAsync(argv, { from: "user" })).rejects.toBeInstanceOf(CommanderError);
      expect(output.err).toBe(`error: port ${port} on 127.0.0.1 is already in use (another Pensieve, or another server): stop it, or start with another --port (--port 0 takes a free one)\n`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("refuses a config file it cannot use, saying what is wrong", async () => {
    const configPath = path.join(home, "broken.json");
    await writeFile(configPath, JSON.stringify({ modle: "typo" }));
    const { root, output } = startProgram();
    await expect(root.parseAsync(["start", "--config", configPath], { from: "user" })).rejects.toBeInstanceOf(CommanderError);
    expect(output.err).toContain(`error: config file ${configPath}: unknown setting "modle" (known: model, aliases, pools)`);
  });

  it("lists its options in --help", async () => {
    const { root, output } = startProgram();
    await expect(root.parseAsync(["start", "--help"], { from: "user" })).rejects.toBeInstanceOf(CommanderError);
    for (const option of ["--model", "--port", "--ctx-size", "--threads", "--parallel", "--max-queue", "--gpu", "--shutdown-grace"]) {
      expect(output.out).toContain(option);
    }
  });

  it.each([
    [["--port", "70000"], "expected a port from 0 to 65535"],
    [["--port", "http"], "expected a port from 0 to 65535"],
    [["--threads", "0"], "expected a positive whole number"],
    [["--parallel", "1.5"], "expected a positive whole number"],
    [["--max-queue", "-1"], "expected a whole number, 0 or more"],
    [["--gpu", "cuda"], "cuda"],
  ])("refuses %j", async (argv, message) => {
    const { root, output } = startProgram();
    await expect(root.parseAsync(["start", ...argv], { from: "user" })).rejects.toBeInstanceOf(CommanderError);
    expect(output.err).toContain(message);
  });
});
