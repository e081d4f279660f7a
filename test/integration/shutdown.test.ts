import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { EngineOverloadedError } from "../../src/engine/engine-errors.js";
import { collectEvents, textRequest } from "../helpers/generation-requests.js";
import { repoRoot, testModelPath } from "../helpers/test-models.js";
import { withEngine } from "../helpers/with-engine.js";



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
    const modelPath = await testModelPath("tiny");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(repoRoot, "src/cli/main.ts"), "start", "--model", modelPath, "--port", "0", "--threads", "1", "--ctx-size", "4096", "--no-prompt-cache", "--log-level", "warn"],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const exited = once(child, "exit");
    try {
      await expect.poll(() => /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], { timeout: 60_000 }).toBeDefined();
      const baseUrl = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? "";
      const client = new Anthropic({ baseURL: baseUrl, apiKey: "test", maxRetries: 0 });
      const body = { model: "claude-sonnet-5", max_tokens: 300, stream: true as const, temperature: 0, messages: [{ role: "user" as const, content: "keep going" }] };
      const stream = await client.messages.create(body as Anthropic.MessageCreateParamsStreaming);
      const types: string[] = [];
      let signalled = false;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "content_block_delta" && !signalled) {
          signalled = true;
          child.kill("SIGTERM");
        }
      }
      expect(signalled).toBe(true);
      expect(types.at(-1)).toBe("message_stop");
      expect(types).toContain("message_delta");
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 120_000);
});
