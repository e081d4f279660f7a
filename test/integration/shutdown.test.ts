import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { EngineOverloadedError } from "../../src/engine/engine-errors.js";
import { collectEvents, textRequest } from "../helpers/generation-requests.js";
import { spawnServer, withEngine } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

describe("engine drain", () => {
  it("refuses queued requests, lets the running one finish, and ends it cleanly when the grace runs out", async () => {
    await withEngine({ modelPath: await testModelPath("tiny"), threads: 1, gpu: false, contextSize: 4096, parallel: 1 }, async (engine) => {
      // Greedy (temperature 0): the random model's path is fixed and does not end its turn early here.
      const running = collectEvents(engine.generate(textRequest("keep going", 3000, 0), new AbortController().signal));
      await expect.poll(() => engine.stats().busySequences).toBe(1);
      const queued = collectEvents(engine.generate(textRequest("waiting", 5, 0), new AbortController().signal)).catch((error: unknown) => error);
      await expect.poll(() => engine.stats().queuedRequests).toBe(1);

      await engine.drain(0);
      expect(await queued).toBeInstanceOf(EngineOverloadedError);
      const events = await running;
      const finish = events.at(-1);
      expect(finish?.type).toBe("finish");
      if (finish?.type === "finish") expect(finish.stopReason).toBe("max-tokens");
      await expect(collectEvents(engine.generate(textRequest("too late", 5, 0), new AbortController().signal))).rejects.toBeInstanceOf(
        EngineOverloadedError,
      );
    });
  });
});

describe("SIGTERM on the real CLI", () => {
  it("finishes the request in flight, then exits 0: no accepted request is lost", async () => {
    const server = await spawnServer(await testModelPath("tiny"), ["--threads", "1", "--ctx-size", "4096"]);
    try {
      const client = new Anthropic({ baseURL: server.baseUrl, apiKey: "test", maxRetries: 0 });
      const body = { model: "claude-sonnet-5", max_tokens: 300, stream: true as const, temperature: 0, messages: [{ role: "user" as const, content: "keep going" }] };
      const stream = await client.messages.create(body as Anthropic.MessageCreateParamsStreaming);
      const types: string[] = [];
      let signalled = false;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "content_block_delta" && !signalled) {
          signalled = true;
          server.process.kill("SIGTERM");
        }
      }
      const streamEnded = Date.now();
      expect(signalled).toBe(true);
      expect(types.at(-1)).toBe("message_stop");
      expect(types).toContain("message_delta");
      expect(await server.exited()).toBe(0);
      // A guard, not a timing: the client's keep-alive connection once held the exit for Fastify's 72 s timeout.
      expect(Date.now() - streamEnded).toBeLessThan(30_000);
    } finally {
      if (server.process.exitCode === null) server.process.kill("SIGKILL");
    }
  }, 120_000);
});
