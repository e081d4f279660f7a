import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { checkStreamGrammar } from "../helpers/stream-grammar.js";
import { strictTool } from "../helpers/strict-tool.js";
import { useTestServer, type SuiteServer } from "../helpers/servers/index.js";

/** Closes within a few tokens: enums and a bounded integer. */
const weatherTool = strictTool("get_weather", "Current weather for a city.", {
  city: { type: "string", enum: ["Paris", "London", "Tokyo"] },
  days: { type: "integer", minimum: 1, maximum: 7 },
});
/** A short value, then a free string, which a random-weight model almost never closes: its calls are cut. */
const noteTool = strictTool("note", "Writes a note.", { title: { type: "string", enum: ["todo", "idea"] }, text: { type: "string" } });
/** Claude Code's Write: free strings only. */
const writeTool = strictTool("Write", "Writes a file to the local filesystem.", { file_path: { type: "string" }, content: { type: "string" } });

const requests = 18;
type Body = Anthropic.MessageCreateParamsNonStreaming;

/** Request `i` of a batch: a different prompt (the server's seed is fixed) and a small, different max_tokens. */
function bodyFor(i: number, tools: Anthropic.Tool[], toolChoice: Anthropic.ToolChoice = { type: "any" }): Body {
  return { model: "claude-sonnet-5", max_tokens: 16 + ((i * 11) % 48), tools, tool_choice: toolChoice, messages: [{ role: "user", content: `Request ${i}: go.` }] };
}

/** A mix: one call that completes, calls in parallel (the second often cut), and a call that is always cut. */
function mixedBodyFor(i: number): Body {
  switch (i % 3) {
    case 0:
      return bodyFor(i, [weatherTool], { type: "any", disable_parallel_tool_use: true });
    case 1:
      return bodyFor(i, [weatherTool, noteTool], { type: "tool", name: "get_weather" });
    default:
      return bodyFor(i, [noteTool]);
  }
}

interface StreamedReply {
  readonly events: Anthropic.RawMessageStreamEvent[];
  readonly stopReason: string | null | undefined;
  /** Each tool_use block: its name and its deltas. */
  readonly calls: { name: string; deltas: string[] }[];
}

async function stream(server: SuiteServer, body: Body, headers: Record<string, string> = {}): Promise<StreamedReply> {
  const events: Anthropic.RawMessageStreamEvent[] = [];
  for await (const event of await server.client.messages.create({ ...body, stream: true }, { headers })) events.push(event);
  const calls: { name: string; deltas: string[] }[] = [];
  for (const event of events) {
    if (event.type === "content_block_start" && event.content_block.type === "tool_use") calls.push({ name: event.content_block.name, deltas: [] });
    if (event.type === "content_block_delta" && event.delta.type === "input_json_delta") calls.at(-1)?.deltas.push(event.delta.partial_json);
  }
  const delta = events.find((event) => event.type === "message_delta");
  return { events, stopReason: delta?.type === "message_delta" ? delta.delta.stop_reason : undefined, calls };
}

/** Checked by hand against the schemas above, independently of the server's own schema code. */
function expectValidInput(name: string, input: unknown): void {
  const value = input as Record<string, unknown>;
  if (name === "note") {
    expect(Object.keys(value).sort()).toEqual(["text", "title"]);
    expect(["todo", "idea"]).toContain(value["title"]);
    expect(typeof value["text"]).toBe("string");
  } else if (name === "get_weather") {
    expect(Object.keys(value).sort()).toEqual(["city", "days"]);
    expect(["Paris", "London", "Tokyo"]).toContain(value["city"]);
    expect([1, 2, 3, 4, 5, 6, 7]).toContain(value["days"]);
  } else {
    expect(name).toBe("Write");
    expect(Object.keys(value).sort()).toEqual(["content", "file_path"]);
    expect(typeof value["file_path"] === "string" && typeof value["content"] === "string").toBe(true);
  }
}

describe("tool input streaming on the real engine (random-weight model, tool_choice any, small max_tokens)", () => {
  const server = useTestServer("tiny", { contextSize: 4096 });

  it("streams every call's block as soon as its name is known; a cut call ends with max_tokens and valid JSON", async () => {
    let cut = 0;
    let complete = 0;
    for (let i = 0; i < requests; i += 1) {
      const reply = await stream(server, mixedBodyFor(i));
      expect(checkStreamGrammar(reply.events as unknown as { type: string }[])).toEqual([]);
      expect(reply.calls.length).toBeGreaterThan(0);
      expect(["tool_use", "max_tokens"]).toContain(reply.stopReason);
      if (reply.stopReason === "tool_use") {
        complete += 1;
        for (const call of reply.calls) expectValidInput(call.name, JSON.parse(call.deltas.join("")));
      } else {
        cut += 1;
      }
      // By whole values: every delta but the opening brace ends a value, so the JSON so far closes cleanly.
      for (const call of reply.calls) {
        let sent = "";
        for (const delta of call.deltas) {
          sent += delta;
          if (!sent.endsWith("}")) expect(() => JSON.parse(`${sent}}`)).not.toThrow();
        }
      }
    }
    // Both ways a call ends were exercised.
    expect(cut).toBeGreaterThan(0);
    expect(complete).toBeGreaterThan(0);
  });

  it("gives the same calls without streaming: the deltas concatenate to the final input, and a cut call stays max_tokens", async () => {
    for (let i = 0; i < 6; i += 1) {
      const body = mixedBodyFor(i);
      const streamed = await stream(server, body);
      const message = await server.client.messages.create(body);
      expect(message.stop_reason).toBe(streamed.stopReason);
      const calls = message.content.flatMap((block) => (block.type === "tool_use" ? [{ name: block.name, input: block.input }] : []));
      // A cut call is in the message too, with the values that were complete (as Anthropic returns a truncated tool_use).
      expect(calls.length).toBeGreaterThan(0);
      expect(calls).toEqual(streamed.calls.map((call) => ({ name: call.name, input: JSON.parse(call.deltas.join("")) })));
    }
  });

  it("streams tool_choice tool (the other forced path) the same way", async () => {
    const reply = await stream(server, bodyFor(3, [weatherTool, writeTool], { type: "tool", name: "Write" }));
    expect(checkStreamGrammar(reply.events as unknown as { type: string }[])).toEqual([]);
    expect(reply.calls.map((call) => call.name)).toEqual(["Write"]);
    expect(reply.stopReason).toBe("max_tokens");
  });

  it("streams string values as generated under the fine-grained beta or eager_input_streaming: a cut call ends mid-string", async () => {
    const eagerWrite = { ...writeTool, eager_input_streaming: true };
    for (const [tools, headers] of [
      [[writeTool], { "anthropic-beta": "fine-grained-tool-streaming-2025-05-14" }],
      [[eagerWrite], {}],
    ] as const) {
      const reply = await stream(server, { ...bodyFor(5, [...tools]), max_tokens: 40 }, headers);
      expect(checkStreamGrammar(reply.events as unknown as { type: string }[], { eagerToolInput: true })).toEqual([]);
      expect(reply.stopReason).toBe("max_tokens");
      const json = reply.calls[0]?.deltas.join("") ?? "";
      // The file path's characters arrive as the model writes them, and the cut leaves the string open.
      expect(json).toMatch(/^\{"file_path":"./);
      expect(reply.calls[0]?.deltas.length).toBeGreaterThan(3);
      expect(() => JSON.parse(json)).toThrow();
    }
    // Without either, the same call sends only whole values: here none was complete.
    const whole = await stream(server, { ...bodyFor(5, [writeTool]), max_tokens: 40 });
    expect(whole.calls[0]?.deltas).toEqual(["{", "}"]);
  });
});
