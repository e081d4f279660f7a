import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../../src/api/server-error.js";
import { toGenerationRequest, toPromptRequest } from "../../../src/api/translate/to-generation-request.js";
import type { MessagesRequest } from "../../../src/api/wire/messages-request.js";

function request(overrides: Record<string, unknown>): MessagesRequest {
  return { model: "claude-sonnet-5", max_tokens: 100, messages: [{ role: "user", content: "Hi" }], ...overrides } as MessagesRequest;
}

function messageOf(thrower: () => unknown): string {
  try {
    thrower();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.message;
    throw error;
  }
  throw new Error("expected an InvalidRequestError");
}

describe("toGenerationRequest", () => {
  it("maps sampling, stop sequences and max_tokens", () => {
    const result = toGenerationRequest(request({ temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ["END", ""], max_tokens: 7 }));
    expect(result.sampling).toEqual({ temperature: 0.2, topP: 0.9, topK: 40 });
    expect(result.stopSequences).toEqual(["END"]);
    expect(result.maxTokens).toBe(7);
  });

  it("defaults temperature to Anthropic's 1.0 and treats top_k 0 as unset", () => {
    // Strict: an unset sampling field is absent, not present as undefined.
    expect(toGenerationRequest(request({ top_k: 0 })).sampling).toStrictEqual({ temperature: 1 });
    expect(toGenerationRequest(request({})).sampling).toStrictEqual({ temperature: 1 });
  });

  it("has no stop sequences when none are given", () => {
    expect(toGenerationRequest(request({})).stopSequences).toEqual([]);
  });

  it("keeps Claude Code's billing header out of the system prompt and joins the rest", () => {
    const result = toPromptRequest(
      request({
        system: [
          { type: "text", text: "x-anthropic-billing-header: cc_version=2.1; cch=abcde;" },
          { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral", scope: "global" } },
          { type: "text", text: "Be brief." },
        ],
      }),
    );
    expect(result.system).toBe("You are Claude Code.\n\nBe brief.");
  });

  it("keeps a mid-conversation system message where it is, as a system turn (Claude Code's # Environment)", () => {
    const result = toPromptRequest(
      request({
        system: "Top.",
        messages: [
          { role: "user", content: "one" },
          { role: "system", content: "# Environment\n - Primary working directory: /tmp/a" },
          { role: "system", content: [{ type: "text", text: "Agents: a, b." }] },
          { role: "assistant", content: "two" },
          { role: "user", content: [{ type: "text", text: "three" }] },
        ],
      }),
    );
    expect(result.system).toBe("Top.");
    expect(result.turns).toEqual([
      { role: "user", parts: [{ type: "text", text: "one" }] },
      { role: "system", text: "# Environment\n - Primary working directory: /tmp/a\n\nAgents: a, b." },
      { role: "assistant", parts: [{ type: "text", text: "two" }] },
      { role: "user", parts: [{ type: "text", text: "three" }] },
    ]);
  });

  it("puts a system message that comes before the conversation into the system prompt, and drops an empty one", () => {
    const result = toPromptRequest(
      request({
        system: "Top.",
        messages: [
          { role: "system", content: "Before." },
          { role: "user", content: "one" },
          { role: "system", content: [] },
        ],
      }),
    );
    expect(result.system).toBe("Top.\n\nBefore.");
    expect(result.turns).toEqual([{ role: "user", parts: [{ type: "text", text: "one" }] }]);
  });

  it("adds no blank paragraph to the system prompt for an empty system message before the conversation", () => {
    const result = toPromptRequest(
      request({
        system: "Top.",
        messages: [
          { role: "system", content: "" },
          { role: "system", content: [{ type: "text", text: "Before." }] },
          { role: "user", content: "one" },
        ],
      }),
    );
    expect(result.system).toBe("Top.\n\nBefore.");
    // With no system field, a leading system message is the whole system prompt.
    expect(toPromptRequest(request({ system: "", messages: [{ role: "system", content: "Only." }, { role: "user", content: "one" }] })).system).toBe("Only.");
  });

  it("passes the requested model name on, and adds no output schema when none is asked for", () => {
    const result = toPromptRequest(request({ model: "claude-haiku-4-5" }));
    expect(result.model).toBe("claude-haiku-4-5");
    expect(result).not.toHaveProperty("responseSchema");
  });

  it("merges consecutive turns of the same role", () => {
    const result = toPromptRequest(
      request({
        messages: [
          { role: "user", content: "a" },
          { role: "user", content: [{ type: "text", text: "b" }] },
          { role: "assistant", content: "c" },
        ],
      }),
    );
    expect(result.turns).toEqual([
      { role: "user", parts: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      { role: "assistant", parts: [{ type: "text", text: "c" }] },
    ]);
  });

  it("maps tool use, tool results (string and blocks) and thinking", () => {
    const result = toPromptRequest(
      request({
        tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object" } }],
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "hmm", signature: "" },
              { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "sunny" }], is_error: false },
              { type: "tool_result", tool_use_id: "toolu_2", content: "boom", is_error: true },
            ],
          },
        ],
      }),
    );
    expect(result.turns[1]).toEqual({
      role: "assistant",
      parts: [
        { type: "thinking", text: "hmm" },
        { type: "tool-call", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
      ],
    });
    expect(result.turns[2]).toEqual({
      role: "user",
      parts: [
        { type: "tool-result", toolCallId: "toolu_1", content: "sunny", isError: false },
        { type: "tool-result", toolCallId: "toolu_2", content: "boom", isError: true },
      ],
    });
    expect(result.tools).toEqual([{ name: "get_weather", description: "Weather", inputSchema: { type: "object" } }]);
  });

  it("renders text documents as text and refuses images with a clear message", () => {
    const result = toPromptRequest(
      request({
        messages: [
          {
            role: "user",
            content: [{ type: "document", title: "Notes", source: { type: "text", media_type: "text/plain", data: "Body" } }],
          },
        ],
      }),
    );
    expect(result.turns[0]).toEqual({ role: "user", parts: [{ type: "text", text: "Notes\n\nBody" }] });
    expect(
      messageOf(() =>
        toPromptRequest(
          request({ messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "" } }] }] }),
        ),
      ),
    ).toBe("messages.0.content.0: this model does not support image input");
  });

  it("uses the real API's message for an empty non-final message, and allows an empty final assistant message", () => {
    expect(
      messageOf(() => toPromptRequest(request({ messages: [{ role: "user", content: [] }, { role: "user", content: "x" }] }))),
    ).toBe("messages.0: all messages must have non-empty content except for the optional final assistant message");
    const result = toPromptRequest(request({ messages: [{ role: "user", content: "x" }, { role: "assistant", content: "" }] }));
    expect(result.turns).toHaveLength(1);
    // Only an assistant message may be the empty last one.
    expect(
      messageOf(() => toPromptRequest(request({ messages: [{ role: "user", content: "x" }, { role: "assistant", content: "y" }, { role: "user", content: [] }] }))),
    ).toBe("messages.2: all messages must have non-empty content except for the optional final assistant message");
  });

  it("keeps server tools away from the model and validates tool_choice against the tools", () => {
    const withServerTool = toPromptRequest(
      request({ tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 8 }] }),
    );
    expect(withServerTool.tools).toEqual([]);
    expect(messageOf(() => toPromptRequest(request({ tool_choice: { type: "any" } })))).toMatch(/^tool_choice/);
    expect(
      messageOf(() =>
        toPromptRequest(
          request({ tools: [{ name: "a", input_schema: { type: "object" } }], tool_choice: { type: "tool", name: "b" } }),
        ),
      ),
    ).toBe("tool_choice.name: no tool named 'b' in 'tools'");
    expect(
      toPromptRequest(
        request({
          tools: [{ name: "a", input_schema: { type: "object" } }],
          tool_choice: { type: "tool", name: "a", disable_parallel_tool_use: true },
        }),
      ).toolChoice,
    ).toEqual({ type: "tool", name: "a", disableParallelToolUse: true });
  });

  it("maps thinking: enabled with its budget, disabled, and adaptive as the model's default", () => {
    expect(toPromptRequest(request({ thinking: { type: "enabled", budget_tokens: 31999 } })).thinking).toEqual({
      type: "enabled",
      budgetTokens: 31999,
    });
    expect(toPromptRequest(request({ thinking: { type: "disabled" } })).thinking).toEqual({ type: "disabled" });
    expect(toPromptRequest(request({ thinking: { type: "adaptive", display: "summarized" } })).thinking).toEqual({ type: "default" });
    expect(toPromptRequest(request({})).thinking).toEqual({ type: "default" });
    expect(messageOf(() => toPromptRequest(request({ thinking: { type: "enabled", budget_tokens: -1 } })))).toMatch(/^thinking/);
  });

  it("names the field of a malformed block", () => {
    expect(messageOf(() => toPromptRequest(request({ messages: [{ role: "user", content: [{ type: "text" }] }] })))).toBe(
      "messages.0.content.0.text: Field required",
    );
    expect(messageOf(() => toPromptRequest(request({ messages: [{ role: "user", content: [{ type: "bogus" }] }] })))).toMatch(
      /^messages\.0\.content\.0\.type: unsupported content block type 'bogus'/,
    );
    expect(
      messageOf(() =>
        toPromptRequest(request({ messages: [{ role: "user", content: "q" }, { role: "assistant", content: [{ type: "tool_use", id: "t", name: "n", input: [] }] }] })),
      ),
    ).toBe("messages.1.content.0.input: Input should be a valid dictionary");
  });

  it("refuses duplicate tool names and tools without a schema", () => {
    const tool = { name: "a", input_schema: { type: "object" } };
    expect(messageOf(() => toPromptRequest(request({ tools: [tool, tool] })))).toMatch(/unique/);
    expect(messageOf(() => toPromptRequest(request({ tools: [{ name: "a" }] })))).toBe("tools.0.input_schema: Field required");
  });
});
