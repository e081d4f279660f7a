import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import { ScriptedEngine, sequentialIds } from "../../helpers/scripted-engine.js";
import { checkStreamGrammar, oneBlockInTwoDeltas } from "../../helpers/stream-grammar.js";

type Frame = { type: string; [key: string]: unknown };

const usage = { inputTokens: 20, cachedInputTokens: 0 };
const writeTool = { name: "Write", input_schema: { type: "object", properties: { file_path: { type: "string" }, content: { type: "string" } } } };
const body = { model: "claude-sonnet-5", max_tokens: 64, tools: [writeTool], tool_choice: { type: "any" }, messages: [{ role: "user", content: "Write" }] };

/** A Write call whose content was still being generated when max_tokens hit. */
const cutCall: readonly GenerationEvent[] = [
  { type: "start", usage },
  { type: "tool-call-start", index: 0, name: "Write" },
  { type: "tool-input-delta", index: 0, text: '{"file_path":"a.txt"' },
  { type: "tool-input-delta", index: 0, text: "}" },
  { type: "finish", stopReason: "max-tokens", stopSequence: null, usage: { ...usage, outputTokens: 64 } },
];

function sseData(payload: string): Frame[] {
  return payload
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? "null") as Frame);
}

describe("tool input streaming (in process, scripted engine)", () => {
  it("sends the tool_use block and its first input before the call is complete", async () => {
    let release = (): void => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const engine = new ScriptedEngine(async function* () {
      yield { type: "start", usage };
      yield { type: "tool-call-start", index: 0, name: "Write" };
      yield { type: "tool-input-delta", index: 0, text: '{"file_path":"a.txt"' };
      await released;
      yield { type: "tool-input-delta", index: 0, text: ',"content":"Hi"}' };
      yield { type: "tool-call", index: 0, name: "Write", input: { file_path: "a.txt", content: "Hi" } };
      yield { type: "finish", stopReason: "tool-use", stopSequence: null, usage: { ...usage, outputTokens: 9 } };
    });
    const app = createApp({ engine, generateId: sequentialIds() });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      if (typeof address !== "object" || address === null) throw new Error("no address");
      const response = await fetch(`http://127.0.0.1:${address.port}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...body, stream: true }),
      });
      const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
      if (reader === undefined) throw new Error("no body");
      let payload = "";
      // The engine holds the rest of the call until the client has seen its start: a server that buffered it would hang here.
      while (!payload.includes('"partial_json":"{\\"file_path\\":\\"a.txt\\""')) {
        const { value, done } = await reader.read();
        if (done === true) throw new Error(`the stream ended early: ${payload}`);
        payload += value;
      }
      expect(sseData(payload).filter((frame) => frame.type === "content_block_start")).toEqual([
        { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_test0003", name: "Write", input: {} } },
      ]);
      release();
      for (let next = await reader.read(); next.done !== true; next = await reader.read()) payload += next.value;
      const frames = sseData(payload);
      expect(checkStreamGrammar(frames)).toEqual([]);
      expect(frames.filter((frame) => frame.type === "message_delta")[0]).toMatchObject({ delta: { stop_reason: "tool_use" } });
    } finally {
      await app.close();
    }
  });

  it("streams a call cut by max_tokens as a closed tool_use block holding valid JSON, and ends with max_tokens", async () => {
    const response = await createApp({ engine: ScriptedEngine.replaying(cutCall), generateId: sequentialIds() }).inject({
      method: "POST",
      url: "/v1/messages",
      payload: { ...body, stream: true },
    });
    const frames = sseData(response.payload);
    expect(checkStreamGrammar(frames)).toEqual([]);
    expect(frames.map((frame) => frame.type)).toEqual(oneBlockInTwoDeltas);
    expect(frames[6]).toMatchObject({ delta: { stop_reason: "max_tokens" } });
  });

  it("answers a call cut by max_tokens without streaming with the incomplete tool_use and max_tokens, never tool_use", async () => {
    const response = await createApp({ engine: ScriptedEngine.replaying(cutCall), generateId: sequentialIds() }).inject({
      method: "POST",
      url: "/v1/messages",
      payload: body,
    });
    expect(response.json()).toMatchObject({
      content: [{ type: "tool_use", id: "toolu_test0003", name: "Write", input: { file_path: "a.txt" } }],
      stop_reason: "max_tokens",
    });
  });

  it("asks the engine for eager input under the fine-grained beta or a tool's eager_input_streaming, only when streaming", async () => {
    const tools = [
      writeTool,
      { ...writeTool, name: "Edit", eager_input_streaming: false },
      { ...writeTool, name: "Bash", eager_input_streaming: true },
      { type: "web_search_20250305", name: "web_search" },
    ];
    const eagerTools = async (stream: boolean, headers: Record<string, string>): Promise<readonly string[] | undefined> => {
      const engine = ScriptedEngine.replaying(cutCall);
      await createApp({ engine, generateId: sequentialIds() }).inject({ method: "POST", url: "/v1/messages", headers, payload: { ...body, tools, stream } });
      return engine.requests[0]?.eagerInputTools;
    };
    expect(await eagerTools(true, {})).toEqual(["Bash"]);
    expect(await eagerTools(true, { "anthropic-beta": "claude-code-20250219, fine-grained-tool-streaming-2025-05-14" })).toEqual(["Write", "Bash"]);
    expect(await eagerTools(false, { "anthropic-beta": "fine-grained-tool-streaming-2025-05-14" })).toEqual([]);
  });
});
