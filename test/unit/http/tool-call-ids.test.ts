import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import { ScriptedEngine, sequentialIds } from "../../helpers/scripted-engine.js";

const toolCallEvents: readonly GenerationEvent[] = [
  { type: "start", usage: { inputTokens: 12, cachedInputTokens: 0 } },
  { type: "tool-call", index: 0, name: "get_weather", input: { city: "Paris" } },
  { type: "tool-call", index: 1, name: "get_time", input: {} },
  { type: "finish", stopReason: "tool-use", stopSequence: null, usage: { inputTokens: 12, cachedInputTokens: 0, outputTokens: 9 } },
];

describe("tool call ids (in process, scripted engine)", () => {
  it("gives each tool call a toolu_ id from the app's id generator: the engine's events carry none", async () => {
    const app = createApp({ engine: ScriptedEngine.replaying(toolCallEvents), generateId: sequentialIds() });
    const response = await app.inject({
      method: "POST",
      url: "/v1/messages",
      payload: { model: "claude-sonnet-5", max_tokens: 64, messages: [{ role: "user", content: "Weather?" }] },
    });
    expect(response.statusCode).toBe(200);
    const message = response.json();
    expect(message.id).toBe("msg_test0002");
    expect(message.content).toEqual([
      { type: "tool_use", id: "toolu_test0003", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "toolu_test0004", name: "get_time", input: {} },
    ]);
    expect(message.stop_reason).toBe("tool_use");
  });
});
