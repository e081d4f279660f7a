import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

const longSystem = `You are a careful assistant. ${"Follow every rule in this long system prompt exactly. ".repeat(60)}`;
const request = {
  model: "claude-sonnet-5",
  max_tokens: 1,
  system: longSystem,
  messages: [{ role: "user" as const, content: "the same question after a restart" }],
};

async function stateFiles(folder: string): Promise<string[]> {
  const [modelFolder] = await readdir(folder);
  return modelFolder === undefined ? [] : (await readdir(path.join(folder, modelFolder))).filter((file) => file.endsWith(".state"));
}

describe("prompt state cache on disk", () => {
  let cacheFolder: string;
  let modelPath: string;
  beforeAll(async () => {
    cacheFolder = await mkdtemp(path.join(os.tmpdir(), "pensieve-prompt-cache-"));
    modelPath = await testModelPath("tiny");
  });
  afterAll(async () => rm(cacheFolder, { recursive: true, force: true }));

  it("serves a long prompt's prefix from disk after a restart, with the same total input", async () => {
    const first = await startTestServer(modelPath, { contextSize: 4096, promptCache: { folder: cacheFolder, minTokens: 256 } });
    const cold = await first.client.messages.create(request);
    await first.close();
    expect(cold.usage.cache_read_input_tokens ?? 0).toBe(0);
    expect(await stateFiles(cacheFolder)).toHaveLength(1);

    const second = await startTestServer(modelPath, { contextSize: 4096, promptCache: { folder: cacheFolder, minTokens: 256 } });
    try {
      const warm = await second.client.messages.create(request);
      expect(warm.usage.cache_read_input_tokens).toBeGreaterThan(500);
      expect(warm.usage.input_tokens + (warm.usage.cache_read_input_tokens ?? 0)).toBe(cold.usage.input_tokens);
    } finally {
      await second.close();
    }
  });

  it("never restores a state into a context of another size (keyed apart)", async () => {
    const other = await startTestServer(modelPath, { contextSize: 2048, promptCache: { folder: cacheFolder, minTokens: 256 } });
    try {
      const reply = await other.client.messages.create(request);
      expect(reply.usage.cache_read_input_tokens ?? 0).toBe(0);
    } finally {
      await other.close();
    }
    expect((await readdir(cacheFolder)).length).toBe(2);
  });

  it("does not save short prompts", async () => {
    const server = await startTestServer(modelPath, { contextSize: 4096, promptCache: { folder: cacheFolder, minTokens: 256 } });
    try {
      const before = await stateFiles(cacheFolder);
      await server.client.messages.create({ model: "claude-haiku-4-5", max_tokens: 1, messages: [{ role: "user", content: "short" }] });
      expect(await stateFiles(cacheFolder)).toEqual(before);
    } finally {
      await server.close();
    }
  });
});
