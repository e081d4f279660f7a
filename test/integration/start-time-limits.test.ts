import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { startInProcess } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * `--max-generation-time` and `--max-queue-wait` bound what one client can hold: a generation that runs too long
 * ends cleanly with `max_tokens`, and a request that waits too long for a sequence gets 529, so a retry goes
 * elsewhere or later. Both are seconds-long here, so the test runs in bounded time.
 */
describe("pensieve start's time limits", () => {
  it("ends a generation at --max-generation-time and refuses a request waiting past --max-queue-wait with 529", async () => {
    const started = await startInProcess([
      "--model", await testModelPath("tiny"), "--threads", "1", "--gpu", "cpu", "--ctx-size", "32768", "--parallel", "1",
      "--no-prompt-cache", "--max-generation-time", "3", "--max-queue-wait", "1",
    ]);
    try {
      const client = new Anthropic({ baseURL: started.baseUrl, apiKey: "test", maxRetries: 0, timeout: 60_000 });
      // Greedy decoding (temperature 0, which this SDK's types no longer list) keeps the random model's path fixed.
      const greedy = { model: "m", max_tokens: 30_000, temperature: 0, messages: [{ role: "user", content: "keep going" }] };
      const long = client.messages.create(greedy as Anthropic.MessageCreateParamsNonStreaming);
      // Queued behind the long generation, which holds the only sequence for three seconds (greedy: its path does not end its turn early).
      const queued = client.messages.create({ model: "m", max_tokens: 1, messages: [{ role: "user", content: "Hi" }] });
      const refusal = await queued.then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(Anthropic.APIError);
      expect((refusal as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
      expect((refusal as InstanceType<typeof Anthropic.APIError>).message).toContain("waited 1 s for a free sequence");
      const message = await long;
      expect(message.stop_reason).toBe("max_tokens");
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeLessThan(30_000);
    } finally {
      await started.stop();
    }
  });
});
