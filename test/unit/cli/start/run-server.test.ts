import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAiServer } from "../../../helpers/fake-openai-server.js";
import { startInProcess, type StartedInProcess } from "../../../helpers/servers/index.js";

/**
 * `runServer` over an upstream pool: the whole start, with no model to load, so it takes milliseconds. Serving
 * local models is in start-command.test.ts.
 */
let home: string;
let fake: FakeOpenAiServer;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "pensieve-run-server-"));
  fake = await FakeOpenAiServer.start("upstream-one", "qwen3-coder");
});

afterAll(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

const startUpstream = (argv: readonly string[]): Promise<StartedInProcess> => startInProcess(["--upstream", fake.url, ...argv], { PENSIEVE_HOME: home });

async function messageStatus(baseUrl: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
    body: JSON.stringify({ model: "qwen3-coder", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.body?.cancel();
  return response.status;
}

describe("runServer", () => {
  it.each([
    ["0.0.0.0", /^http:\/\/127\.0\.0\.1:(\d+)$/],
    ["::", /^http:\/\/\[::1\]:(\d+)$/],
  ])("listening on %s with a key: prints a loopback URL with the port it took, requires the key, and never prints it", async (host, url) => {
    const server = await startUpstream(["--host", host, "--api-key", "secret-key"]);
    try {
      expect(server.baseUrl).toMatch(url);
      expect(Number(url.exec(server.baseUrl)?.[1])).toBeGreaterThan(0);
      expect(server.banner).toContain(`Pensieve is serving qwen3-coder on ${server.baseUrl}\n`);
      expect(server.banner).toContain("export ANTHROPIC_API_KEY=<the key given with --api-key>");
      expect(server.banner).not.toContain("secret-key");
      expect(await messageStatus(server.baseUrl, {})).toBe(401);
      expect(await messageStatus(server.baseUrl, { "x-api-key": "secret-key" })).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("serves an upstream as it is: no demo warning, no notice, any key on loopback", async () => {
    const server = await startUpstream([]);
    try {
      expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.banner).not.toContain("DEMO");
      expect(server.banner).toContain("export ANTHROPIC_API_KEY=pensieve-local");
      expect(server.io.stderrText).toBe("");
      expect(await messageStatus(server.baseUrl, {})).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("logs at the level asked for: the warnings of --log-prompts and ignored flags, the upstream's state by model, the shutdown", async () => {
    const quiet = await startUpstream(["--log-level", "warn", "--log-prompts", "--decode-threads", "2"]);
    await quiet.stop();
    const warnings = quiet.io.logText.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warnings.map(({ level, component, msg }) => ({ level, component, msg }))).toEqual([
      { level: 40, component: "server", msg: expect.stringMatching(/^--decode-threads is deprecated and ignored: every batch uses --threads/) },
      { level: 40, component: "server", msg: "--log-prompts: every prompt and reply goes into the log" },
    ]);

    const chatty = await startUpstream(["--log-level", "info"]);
    await chatty.stop();
    const lines = chatty.io.logText.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ component: "upstream", model: `upstream:${fake.url}`, msg: `upstream ${fake.url} is up` }));
    expect(lines).toContainEqual(expect.objectContaining({ component: "server", msg: "shutting down: finishing running requests" }));
    expect(lines.some((line) => line["component"] === "server" && String(line["msg"]).startsWith("--"))).toBe(false);
  });

  it("stops once, however often it is asked, and then answers nothing", async () => {
    const server = await startUpstream(["--log-level", "info"]);
    const first = server.stop();
    expect(server.stop()).toBe(first);
    await first;
    expect(server.io.logText.split("shutting down").length - 1).toBe(1);
    await expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow();
  });

  it("serves the config file's pools when no --upstream is given", async () => {
    const configFile = path.join(home, "pools.json");
    await writeFile(configFile, JSON.stringify({ pools: [{ model: "qwen3-coder", endpoints: [{ url: fake.url }] }] }));
    const server = await startInProcess(["--config", configFile], { PENSIEVE_HOME: home });
    try {
      expect(server.banner).toContain("Pensieve is serving qwen3-coder on");
      expect(await messageStatus(server.baseUrl, {})).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("holds upstream pools to --max-queue and --max-queue-wait", { timeout: 30_000 }, async () => {
    const slow = await FakeOpenAiServer.start("slow", "slow-model");
    slow.script = () => ({ hang: true });
    const configFile = path.join(home, "slow.json");
    await writeFile(configFile, JSON.stringify({ pools: [{ model: "slow-model", endpoints: [{ url: slow.url, maxConcurrent: 1 }] }] }));
    const server = await startInProcess(["--config", configFile, "--max-queue", "1", "--max-queue-wait", "1", "--shutdown-grace", "0"], { PENSIEVE_HOME: home });
    const running = new AbortController();
    try {
      const post = (signal?: AbortSignal) =>
        fetch(`${server.baseUrl}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
          body: JSON.stringify({ model: "slow-model", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
          ...(signal !== undefined ? { signal } : {}),
        });
      const errorOf = async (response: Response) => ({ status: response.status, message: ((await response.json()) as { error: { message: string } }).error.message });
      // The endpoint's one slot is taken, then the one place in the queue.
      post(running.signal).catch(() => undefined);
      await expect.poll(() => slow.completions.length).toBe(1);
      const queued = post();
      await expect.poll(async () => (await (await fetch(`${server.baseUrl}/metrics`)).text()).match(/^pensieve_queue_depth\b.* (\d+)$/m)?.[1]).toBe("1");
      expect(await errorOf(await post())).toEqual({ status: 529, message: "every upstream endpoint is at its cap and 1 requests are already waiting" });
      expect(await errorOf(await queued)).toEqual({ status: 529, message: "waited 1 s for an upstream endpoint" });
    } finally {
      running.abort();
      await server.stop();
      await slow.close();
    }
  });

  it("refuses aliases to local models when it serves no local model", async () => {
    const configFile = path.join(home, "aliases.json");
    await writeFile(configFile, JSON.stringify({ pools: [{ model: "qwen3-coder", endpoints: [{ url: fake.url }] }], aliases: { "claude-*haiku*": "small.gguf" } }));
    await expect(startInProcess(["--config", configFile], { PENSIEVE_HOME: home })).rejects.toThrow(
      `"aliases" to local models need a local default model (--model or "model")`,
    );
  });
});
