import { describe, expect, it } from "vitest";
import { toGenerationRequest, toPromptRequest } from "../../../src/api/translate/to-generation-request.js";
import type { MessagesRequest } from "../../../src/api/wire/messages-request.js";
import type { ConversationTurn } from "../../../src/engine/generation-request.js";

/** The less common shapes of a Messages request; the main cases are in to-generation-request.test.ts. */
// Loose on purpose: blocks carry fields the wire schema leaves open, and malformed ones are the point.
type Messages = { role: "user" | "assistant" | "system"; content: string | Record<string, unknown>[] }[];

function request(messages: Messages, extra: Record<string, unknown> = {}): MessagesRequest {
  return { model: "claude-sonnet-5", max_tokens: 10, messages, ...extra } as MessagesRequest;
}

const userSays = (content: Messages[number]["content"]): Messages => [{ role: "user", content }];

function refusal(messages: Messages, extra: Record<string, unknown> = {}): string {
  try {
    toPromptRequest(request(messages, extra));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the request was accepted");
}

function userParts(content: Messages[number]["content"]) {
  return partsOf(toPromptRequest(request(userSays(content))).turns[0]);
}

function partsOf(turn: ConversationTurn | undefined) {
  return turn === undefined || turn.role === "system" ? undefined : turn.parts;
}

describe("toPromptRequest: system prompt", () => {
  it("ignores an empty system string and empty system blocks, and refuses a non-text block", () => {
    expect(toPromptRequest(request(userSays("Hi"), { system: "" })).system).toBe("");
    expect(toPromptRequest(request(userSays("Hi"), { system: [{ type: "text", text: "" }, { type: "text", text: "Be kind." }] })).system).toBe(
      "Be kind.",
    );
    expect(refusal(userSays("Hi"), { system: [{ type: "image", text: "x" }] })).toBe("system.0.type: Input should be 'text'");
  });

  it("refuses a mid-conversation system message whose blocks are not text", () => {
    expect(refusal([{ role: "system", content: [{ type: "image" }] }, ...userSays("Hi")])).toBe("messages.0.content.0.type: Input should be 'text'");
  });
});

describe("toPromptRequest: user content", () => {
  it("drops empty text blocks, thinking and echoes of server tools", () => {
    expect(
      userParts([
        { type: "text", text: "" },
        { type: "thinking", thinking: "x" },
        { type: "web_search_tool_result", content: [] },
        { type: "text", text: "kept" },
      ]),
    ).toEqual([{ type: "text", text: "kept" }]);
  });

  it("refuses an unknown block type and a text block without text", () => {
    expect(refusal(userSays([{ type: "audio" }]))).toBe("messages.0.content.0.type: unsupported content block type 'audio' in a user message");
    expect(refusal(userSays([{ type: "text" }]))).toBe("messages.0.content.0.text: Field required");
  });

  it("reads documents whose source is a string or a list of text blocks, with their titles", () => {
    expect(
      userParts([
        { type: "document", title: "Notes", source: { type: "content", content: "plain" } },
        { type: "document", source: { type: "content", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] } },
      ]),
    ).toEqual([
      { type: "text", text: "Notes\n\nplain" },
      { type: "text", text: "a\n\nb" },
    ]);
  });

  it("refuses documents it cannot read as text", () => {
    const pdf = "this model reads only text documents (source type 'text' or 'content'); PDF and URL sources are not supported";
    expect(refusal(userSays([{ type: "document", source: { type: "base64", data: "JVBERi0" } }]))).toBe(`messages.0.content.0.source: ${pdf}`);
    expect(refusal(userSays([{ type: "document", source: { type: "content", content: 5 } }]))).toBe(`messages.0.content.0.source: ${pdf}`);
    expect(refusal(userSays([{ type: "document" }]))).toBe(`messages.0.content.0.source: ${pdf}`);
  });

  it("reads search results as their title and text blocks", () => {
    expect(
      userParts([
        { type: "search_result", title: "Result", source: "https://example.com", content: [{ type: "text", text: "one" }, { type: "text", text: "two" }] },
        { type: "search_result", source: "https://example.com" },
      ]),
    ).toEqual([
      { type: "text", text: "Result\n\none\n\ntwo" },
      { type: "text", text: "" },
    ]);
  });
});

describe("toPromptRequest: tool results", () => {
  const call: Messages[number] = { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "f", input: {} }] };
  const resultParts = (block: Record<string, unknown>) => partsOf(toPromptRequest(request([...userSays("go"), call, ...userSays([{ type: "tool_result", tool_use_id: "toolu_1", ...block }])])).turns[2]);
  const resultRefusal = (block: Record<string, unknown>) => refusal([...userSays("go"), call, ...userSays([{ type: "tool_result", ...block }])]);

  it("reads no content as empty, and an error flag", () => {
    expect(resultParts({ is_error: true })).toEqual([{ type: "tool-result", toolCallId: "toolu_1", content: "", isError: true }]);
    expect(resultParts({ content: null })).toEqual([{ type: "tool-result", toolCallId: "toolu_1", content: "", isError: false }]);
  });

  it("joins text, documents and search results", () => {
    expect(
      resultParts({
        content: [
          { type: "text", text: "first" },
          { type: "document", source: { type: "text", data: "doc" } },
          { type: "search_result", content: [{ type: "text", text: "found" }] },
        ],
      }),
    ).toEqual([{ type: "tool-result", toolCallId: "toolu_1", content: "first\n\ndoc\n\nfound", isError: false }]);
  });

  it("names what is wrong in a malformed result", () => {
    expect(resultRefusal({ content: "x" })).toBe("messages.2.content.0.tool_use_id: Field required");
    expect(resultRefusal({ tool_use_id: "toolu_1", content: { text: "x" } })).toBe(
      "messages.2.content.0.content: Input should be a valid string or a valid list",
    );
    expect(resultRefusal({ tool_use_id: "toolu_1", content: ["x"] })).toBe("messages.2.content.0.content.0: Input should be a valid dictionary");
    expect(resultRefusal({ tool_use_id: "toolu_1", content: [{ type: "image" }] })).toBe(
      "messages.2.content.0.content.0: this model does not support image input",
    );
    expect(resultRefusal({ tool_use_id: "toolu_1", content: [{ type: "video" }] })).toBe(
      "messages.2.content.0.content.0.type: unsupported content block type 'video' in a tool result",
    );
  });
});

describe("toPromptRequest: assistant content", () => {
  const assistantRefusal = (content: Messages[number]["content"]) => refusal([...userSays("Hi"), { role: "assistant", content }, ...userSays("Go on")]);

  it("drops empty text, empty thinking and server tool echoes", () => {
    const turns = toPromptRequest(
      request([
        ...userSays("Hi"),
        {
          role: "assistant",
          content: [
            { type: "text", text: "" },
            { type: "thinking", thinking: "", signature: "" },
            { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} },
            { type: "text", text: "Hello" },
          ],
        },
      ]),
    ).turns;
    expect(turns[1]).toEqual({ role: "assistant", parts: [{ type: "text", text: "Hello" }] });
  });

  it("names what is wrong in a malformed block", () => {
    expect(assistantRefusal([{ type: "thinking" }])).toBe("messages.1.content.0.thinking: Field required");
    expect(assistantRefusal([{ type: "tool_use", name: "f", input: {} }])).toBe("messages.1.content.0.id: Field required");
    expect(assistantRefusal([{ type: "tool_use", id: "toolu_1", input: {} }])).toBe("messages.1.content.0.name: Field required");
    expect(assistantRefusal([{ type: "tool_use", id: "toolu_1", name: "f", input: [] }])).toBe(
      "messages.1.content.0.input: Input should be a valid dictionary",
    );
    expect(assistantRefusal([{ type: "tool_use", id: "toolu_1", name: "f", input: null }])).toBe(
      "messages.1.content.0.input: Input should be a valid dictionary",
    );
    expect(assistantRefusal([{ type: "image" }])).toBe("messages.1.content.0.type: unsupported content block type 'image' in an assistant message");
  });

  it("refuses an empty assistant message that is not the last one", () => {
    expect(assistantRefusal("")).toBe("messages.1: all messages must have non-empty content except for the optional final assistant message");
  });
});

describe("toPromptRequest: tools and choices", () => {
  const tool = { name: "f", input_schema: { type: "object" } };

  it("keeps a tool of type custom and gives it an empty description", () => {
    expect(toPromptRequest(request(userSays("Hi"), { tools: [{ ...tool, type: "custom" }] })).tools).toEqual([
      { name: "f", description: "", inputSchema: { type: "object" } },
    ]);
  });

  it("maps every tool_choice, with disable_parallel_tool_use", () => {
    const choice = (toolChoice: Record<string, unknown>) => toPromptRequest(request(userSays("Hi"), { tools: [tool], tool_choice: toolChoice })).toolChoice;
    expect(choice({ type: "auto", disable_parallel_tool_use: true })).toEqual({ type: "auto", disableParallelToolUse: true });
    expect(choice({ type: "any" })).toEqual({ type: "any", disableParallelToolUse: false });
    expect(choice({ type: "tool", name: "f" })).toEqual({ type: "tool", name: "f", disableParallelToolUse: false });
    expect(choice({ type: "none" })).toEqual({ type: "none" });
  });

  it("refuses a forced tool without a name", () => {
    expect(refusal(userSays("Hi"), { tools: [tool], tool_choice: { type: "tool" } })).toBe("tool_choice.name: Field required");
    expect(refusal(userSays("Hi"), { tools: [tool], tool_choice: { type: "tool", name: "" } })).toBe("tool_choice.name: Field required");
  });

  it("accepts a thinking budget from 0 to 2^31 - 1, the largest native code takes", () => {
    for (const budget of [0, 2 ** 31 - 1]) {
      expect(toPromptRequest(request(userSays("Hi"), { thinking: { type: "enabled", budget_tokens: budget } })).thinking).toEqual({ type: "enabled", budgetTokens: budget });
    }
    expect(refusal(userSays("Hi"), { thinking: { type: "enabled", budget_tokens: 2 ** 31 } })).toBe("thinking.enabled.budget_tokens: Input should be a valid integer");
  });

  it("refuses a thinking budget that is not a whole number", () => {
    for (const budget of [undefined, "1024", 1.5, -1]) {
      expect(refusal(userSays("Hi"), { thinking: { type: "enabled", budget_tokens: budget } })).toBe(
        "thinking.enabled.budget_tokens: Input should be a valid integer",
      );
    }
  });
});

describe("toPromptRequest: deferred tools", () => {
  const search = { name: "ToolSearch", input_schema: { type: "object" } };
  const cron = { name: "CronCreate", defer_loading: true, input_schema: { type: "object" } };
  const offered = (extra: Record<string, unknown>) => toPromptRequest(request(userSays("Hi"), { tools: [search, cron], ...extra })).tools.map((tool) => [tool.name, tool.deferred ?? false]);

  it("offers a deferred tool that tool_choice forces, as deferred, and leaves it out otherwise", () => {
    expect(offered({ tool_choice: { type: "tool", name: "CronCreate" } })).toEqual([
      ["ToolSearch", false],
      ["CronCreate", true],
    ]);
    expect(offered({ tool_choice: { type: "tool", name: "ToolSearch" } })).toEqual([["ToolSearch", false]]);
    expect(offered({ tool_choice: { type: "auto" } })).toEqual([["ToolSearch", false]]);
  });

  it("refuses a tool_reference to a server tool: only client tools can be loaded", () => {
    const messages: Messages = [
      ...userSays("Find it"),
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "ToolSearch", input: {} }] },
      ...userSays([{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "tool_reference", tool_name: "web_search" }] }]),
    ];
    expect(refusal(messages, { tools: [search, { type: "web_search_20250305", name: "web_search" }] })).toBe(
      "messages.2.content.0.content.0.tool_name: no client tool named 'web_search' in 'tools'",
    );
  });
});

describe("toGenerationRequest", () => {
  it("drops empty stop sequences and passes top_p and a positive top_k", () => {
    const generation = toGenerationRequest(request(userSays("Hi"), { stop_sequences: ["", "END"], top_p: 0.9, top_k: 40, temperature: 0 }));
    expect(generation.stopSequences).toEqual(["END"]);
    expect(generation.sampling).toEqual({ temperature: 0, topP: 0.9, topK: 40 });
  });
});
