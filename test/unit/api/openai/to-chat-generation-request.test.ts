import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../../../src/api/server-error.js";
import { toChatGenerationRequest } from "../../../../src/api/translate/openai/to-chat-generation-request.js";
import type { ChatCompletionsRequest } from "../../../../src/api/wire/chat-completions-request.js";

/** A request as a client sends it: open objects, as the schema allows. */
function request(extra: Record<string, unknown> = {}): ChatCompletionsRequest {
  return { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...extra } as ChatCompletionsRequest;
}

function refusal(extra: Record<string, unknown>): string {
  try {
    toChatGenerationRequest(request(extra));
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as Error).message;
  }
  throw new Error("not refused");
}

const weather = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };

describe("toChatGenerationRequest", () => {
  it("defaults: temperature 1, no bound but the context, auto tools, the model's own thinking", () => {
    expect(toChatGenerationRequest(request())).toEqual({
      model: "gpt-4o",
      system: "",
      turns: [{ role: "user", parts: [{ type: "text", text: "Hi" }] }],
      tools: [],
      toolChoice: { type: "auto", disableParallelToolUse: false },
      thinking: { type: "default" },
      maxTokens: 2 ** 31 - 1,
      sampling: { temperature: 1 },
      stopSequences: [],
    });
  });

  it("takes max_completion_tokens before max_tokens, and a list of stop sequences without empty ones", () => {
    expect(toChatGenerationRequest(request({ max_tokens: 9 })).maxTokens).toBe(9);
    expect(toChatGenerationRequest(request({ max_tokens: 9, max_completion_tokens: 7 })).maxTokens).toBe(7);
    expect(toChatGenerationRequest(request({ stop: ["a", "", "b"] })).stopSequences).toEqual(["a", "b"]);
    expect(toChatGenerationRequest(request({ stop: null, seed: 2 ** 32 + 5 })).sampling).toEqual({ temperature: 1, seed: 5 });
  });

  it("turns a conversation with system, developer, tool calls, tool results and reasoning into the engine's turns", () => {
    const generation = toChatGenerationRequest(
      request({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "developer", content: [{ type: "text", text: "Use tools." }] },
          { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "text", text: "" }] },
          {
            role: "assistant",
            content: null,
            reasoning_content: "Call it.",
            tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
          },
          { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "Sunny" }] },
          { role: "user", content: "Thanks" },
          { role: "system", content: "Now in /tmp." },
          { role: "assistant", content: [{ type: "refusal", refusal: "No." }], tool_calls: [{ id: "call_2", function: { name: "f", arguments: "" } }] },
          { role: "user", content: "" },
        ],
      }),
    );
    expect(generation.system).toBe("Be brief.\n\nUse tools.");
    expect(generation.turns).toEqual([
      { role: "user", parts: [{ type: "text", text: "Weather?" }] },
      {
        role: "assistant",
        parts: [
          { type: "thinking", text: "Call it." },
          { type: "tool-call", id: "call_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        parts: [
          { type: "tool-result", toolCallId: "call_1", content: "Sunny", isError: false },
          { type: "text", text: "Thanks" },
        ],
      },
      { role: "system", text: "Now in /tmp." },
      { role: "assistant", parts: [{ type: "text", text: "No." }, { type: "tool-call", id: "call_2", name: "f", input: {} }] },
    ]);
  });

  it("refuses what it cannot serve, naming the field", () => {
    expect(refusal({ n: 2 })).toBe("n: only one choice per request is supported (n = 1)");
    expect(refusal({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] })).toBe(
      "messages.0.content.0: this model does not support image input",
    );
    expect(refusal({ messages: [{ role: "user", content: [{ type: "input_audio" }] }] })).toBe(
      "messages.0.content.0.type: unsupported content part type 'input_audio' in a user message",
    );
    expect(refusal({ messages: [{ role: "user", content: [{ type: "text" }] }] })).toBe("messages.0.content.0.text: Field required");
    expect(refusal({ messages: [{ role: "system", content: [{ type: "refusal", refusal: "x" }] }] })).toBe("messages.0.content.0.type: Input should be 'text'");
    expect(refusal({ messages: [{ role: "tool", content: "x" }] })).toBe("messages.0.tool_call_id: Field required");
    const call = (fields: object) => ({ messages: [{ role: "assistant" as const, tool_calls: [{ id: "c", function: { name: "f", arguments: "{}" }, ...fields }] }] });
    expect(refusal(call({ function: { name: "f", arguments: "[1]" } }))).toBe("messages.0.tool_calls.0.function.arguments: Input should be a JSON object");
    expect(refusal(call({ id: "" }))).toBe("messages.0.tool_calls.0.id: Field required");
    expect(refusal(call({ function: { name: "", arguments: "{}" } }))).toBe("messages.0.tool_calls.0.function.name: Field required");
    expect(refusal({ messages: [{ role: "user", content: [null as never] }] })).toBe("messages.0.content.0: Input should be a valid dictionary");
  });

  it("maps tool_choice: required is any, a named function is tool, none is none; parallel_tool_calls false allows one call", () => {
    const tools = [weather, { type: "function" as const, function: { name: "no_args" } }];
    expect(toChatGenerationRequest(request({ tools, tool_choice: "required" })).toolChoice).toEqual({ type: "any", disableParallelToolUse: false });
    expect(toChatGenerationRequest(request({ tools, tool_choice: "none" })).toolChoice).toEqual({ type: "none" });
    expect(toChatGenerationRequest(request({ tools, tool_choice: { type: "function", function: { name: "no_args" } }, parallel_tool_calls: false })).toolChoice).toEqual({
      type: "tool",
      name: "no_args",
      disableParallelToolUse: true,
    });
    expect(toChatGenerationRequest(request({ tools })).tools[1]).toEqual({ name: "no_args", description: "", inputSchema: { type: "object", properties: {} } });
    expect(refusal({ tool_choice: "required" })).toBe("tool_choice: 'required' needs at least one tool in 'tools'");
    expect(refusal({ tools, tool_choice: { type: "function", function: { name: "nope" } } })).toBe("tool_choice.function.name: no function named 'nope' in 'tools'");
    expect(refusal({ tools: [weather, weather] })).toBe("tools: Tool names must be unique (duplicate 'get_weather')");
    const strict = { type: "function" as const, function: { name: "s", strict: true, parameters: { type: "object", properties: { a: { type: "string", pattern: "x" } } } } };
    expect(refusal({ tools: [strict] })).toMatch(/^tools\.0\.function\.parameters\.properties\.a.*pattern.*\(function 's' is strict\)$/);
  });

  it("maps response_format: json_schema its schema, json_object any object, text nothing", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    expect(toChatGenerationRequest(request({ response_format: { type: "json_schema", json_schema: { name: "a", schema } } })).responseSchema).toEqual(schema);
    expect(toChatGenerationRequest(request({ response_format: { type: "json_object" } })).responseSchema).toEqual({ type: "object" });
    expect(toChatGenerationRequest(request({ response_format: { type: "text" } })).responseSchema).toBeUndefined();
    expect(refusal({ response_format: { type: "json_schema", json_schema: { name: "a" } } })).toBe("response_format.json_schema.schema: Field required");
    expect(refusal({ response_format: { type: "json_schema", json_schema: { name: "a", schema: { type: "array" } } } })).toMatch(
      /^response_format\.json_schema\.schema\.type: the schema of a structured output must be an object schema/,
    );
  });

  it("turns reasoning off for reasoning_effort none or enable_thinking false", () => {
    expect(toChatGenerationRequest(request({ reasoning_effort: "none" })).thinking).toEqual({ type: "disabled" });
    expect(toChatGenerationRequest(request({ chat_template_kwargs: { enable_thinking: false } })).thinking).toEqual({ type: "disabled" });
    expect(toChatGenerationRequest(request({ reasoning_effort: "high", chat_template_kwargs: { enable_thinking: true } })).thinking).toEqual({ type: "default" });
  });
});
