import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPensieveConfig } from "../../../src/cli/pensieve-config.js";
import { parseUpstreamFlag } from "../../../src/cli/upstream-pool-config.js";
import { FakeOpenAiServer } from "../../helpers/fake-openai-server.js";
import { parseStartFlags, startInProcess } from "../../helpers/servers/index.js";
import { repoRoot, testModelPath } from "../../helpers/test-models.js";

let home: string;
let fake: FakeOpenAiServer;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "pensieve-pools-"));
  fake = await FakeOpenAiServer.start("upstream-one", "qwen3-coder");
});

afterAll(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

const configWith = async (content: unknown): Promise<string> => {
  const filePath = path.join(home, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(filePath, JSON.stringify(content));
  return filePath;
};

describe("pools in the config file", () => {
  it("reads pools with their endpoints, aliases and affinity, with defaults", async () => {
    const filePath = await configWith({
      pools: [
        { model: "qwen3-coder", aliases: ["claude-*"], endpoints: [{ url: "http://vllm-0:8000", dialect: "vllm", maxConcurrent: 8 }, { url: "http://vllm-1:8000" }], affinity: "hash" },
        { model: "router-model", endpoints: [{ url: "http://router:30000", dialect: "sglang" }], affinity: "forward" },
      ],
    });
    expect((await readPensieveConfig(filePath, home)).pools).toEqual([
      {
        model: "qwen3-coder",
        aliases: ["claude-*"],
        affinity: "hash",
        endpoints: [
          { url: "http://vllm-0:8000", dialect: "vllm", maxConcurrent: 8 },
          { url: "http://vllm-1:8000", dialect: "openai", maxConcurrent: 8 },
        ],
      },
      { model: "router-model", aliases: [], affinity: "forward", endpoints: [{ url: "http://router:30000", dialect: "sglang", maxConcurrent: 8 }] },
    ]);
  });

  it("accepts deploy/config.json, the config the Kubernetes manifests mount", async () => {
    const config = await readPensieveConfig(path.join(repoRoot, "deploy", "config.json"), home);
    expect(config.pools?.[0]).toMatchObject({ model: "qwen3-coder", affinity: "hash" });
  });

  it.each([
    [{ pools: {} }, /"pools" must be a list/],
    [{ pools: [{ endpoints: [{ url: "http://a" }] }] }, /pools\[0\]\.model must name/],
    [{ pools: [{ model: "m", endpoints: [] }] }, /at least one endpoint/],
    [{ pools: [{ model: "m", endpoints: [{ url: "ftp://a" }] }] }, /url must be an http\(s\) URL/],
    [{ pools: [{ model: "m", endpoints: [{ url: "http://a", dialect: "tgi" }] }] }, /dialect must be one of/],
    [{ pools: [{ model: "m", endpoints: [{ url: "http://a", maxConcurrent: 0 }] }] }, /maxConcurrent must be a positive/],
    [{ pools: [{ model: "m", endpoints: [{ url: "http://a" }, { url: "http://b" }], affinity: "forward" }] }, /exactly one endpoint/],
    [{ pools: [{ model: "m", endpoints: [{ url: "http://a" }], affinity: "sticky" }] }, /affinity must be "hash" or "forward"/],
    [{ pools: [{ model: "m", endpoints: [{ url: "http://a", weight: 2 }] }] }, /unknown setting "weight"/],
    [{ pools: [{ model: "m", endpoints: [{ url: "http://a" }], aliases: [""] }] }, /aliases must be a list/],
  ])("refuses %j", async (content, message) => {
    await expect(readPensieveConfig(await configWith(content), home)).rejects.toThrow(message);
  });

  it("parses --upstream with an optional dialect, and refuses what is not a URL", async () => {
    expect(parseUpstreamFlag("llama-server+http://gpu-1:8080")).toEqual({ url: "http://gpu-1:8080", dialect: "llama-server", maxConcurrent: 8 });
    expect(parseUpstreamFlag("https://api.example.com")).toEqual({ url: "https://api.example.com", dialect: "openai", maxConcurrent: 8 });
    expect(() => parseUpstreamFlag("tgi+http://a")).toThrow(/unknown dialect tgi/);
    expect(() => parseUpstreamFlag("gpu-1:8080")).toThrow(/expected an http\(s\) URL/);
    await expect(parseStartFlags(["--upstream", "nope"])).rejects.toThrow(/expected an http/);
  });
});

describe("pensieve start with upstreams", () => {
  it("serves an --upstream's model without loading or pulling a local one", { timeout: 60_000 }, async () => {
    const server = await startInProcess(["--upstream", `vllm+${fake.url}`], { ...process.env, PENSIEVE_HOME: home });
    try {
      expect(server.banner).toContain("Pensieve is serving qwen3-coder");
      expect(server.banner).toContain("upstream (vllm)");
      const client = new Anthropic({ baseURL: server.baseUrl, apiKey: "k", maxRetries: 0 });
      const message = await client.messages.create({ model: "claude-sonnet-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] });
      expect(message.content).toEqual([{ type: "text", text: "I am upstream-one." }]);
    } finally {
      await server.stop();
    }
  });

  it("mixes a local model and an upstream pool by alias", { timeout: 120_000 }, async () => {
    const config = await configWith({ pools: [{ model: "qwen3-coder", aliases: ["claude-*opus*"], endpoints: [{ url: fake.url, dialect: "llama-server", maxConcurrent: 2 }] }] });
    const server = await startInProcess(["--model", await testModelPath("scripted"), "--config", config, "--ctx-size", "2048"], { ...process.env, PENSIEVE_HOME: home });
    try {
      const client = new Anthropic({ baseURL: server.baseUrl, apiKey: "k", maxRetries: 0 });
      const remote = await client.messages.create({ model: "claude-opus-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] });
      expect(remote.content).toEqual([{ type: "text", text: "I am upstream-one." }]);
      const local = await client.messages.create({ model: "claude-sonnet-5", max_tokens: 64, messages: [{ role: "user", content: "hi" }] });
      expect(JSON.stringify(local.content)).not.toContain("upstream-one");
      const models = (await client.models.list()).data.map((model) => model.id);
      expect(models).toContain("qwen3-coder");
    } finally {
      await server.stop();
    }
  });
});
