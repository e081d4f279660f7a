import { describe, expect, it } from "vitest";
import { serverToolToAnswer } from "../../../src/api/translate/server-tool.js";
import { serverToolUnavailableEvents } from "../../../src/api/translate/server-tool-reply.js";
import type { MessagesRequest } from "../../../src/api/wire/messages-request.js";
import { sequentialIds } from "../../helpers/scripted-engine.js";

type Messages = { role: "user" | "assistant"; content: string | Record<string, unknown>[] }[];

function body(tools: MessagesRequest["tools"], messages: Messages = [{ role: "user", content: "news" }]): MessagesRequest {
  return { model: "claude-sonnet-5", max_tokens: 100, messages, ...(tools !== undefined ? { tools } : {}) } as MessagesRequest;
}

const search = { name: "web_search", type: "web_search_20250305" };
const fetchTool = { name: "web_fetch", type: "web_fetch_20250910" };

describe("serverToolUnavailableEvents", () => {
  function events(request: MessagesRequest) {
    const tool = serverToolToAnswer(request);
    if (tool === null) throw new Error("no server tool");
    return serverToolUnavailableEvents({ body: request, tool, inputTokens: 9, messageId: "msg_1", generateId: sequentialIds() });
  }

  it("searches for the last user text and says search is unavailable", () => {
    const replay = events(
      body(
        [search],
        [
          { role: "user", content: "first question" },
          { role: "assistant", content: "ok" },
          { role: "user", content: [{ type: "text", text: "latest" }, { type: "image" }, { type: "text", text: "news" }] },
        ],
      ),
    );
    expect(replay[2]).toEqual({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"query":"latest\\nnews"}' } });
    expect(replay[4]).toMatchObject({ content_block: { type: "web_search_tool_result", content: { type: "web_search_tool_result_error", error_code: "unavailable" } } });
    expect(replay[7]).toMatchObject({ delta: { text: "Web search is not available on this local Pensieve server." } });
  });

  it("fetches the last user text as a URL and says fetch is unavailable", () => {
    const replay = events(body([fetchTool], [{ role: "user", content: "https://example.com" }]));
    expect(replay[2]).toMatchObject({ delta: { partial_json: '{"url":"https://example.com"}' } });
    expect(replay[4]).toMatchObject({ content_block: { type: "web_fetch_tool_result", content: { type: "web_fetch_tool_error" } } });
    expect(replay[7]).toMatchObject({ delta: { text: "Web fetch is not available on this local Pensieve server." } });
  });

  it("skips user turns without text, and uses an empty query when there is none", () => {
    const withEarlierText = events(
      body(
        [search],
        [
          { role: "user", content: "earlier" },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "x" }] },
        ],
      ),
    );
    expect(withEarlierText[2]).toMatchObject({ delta: { partial_json: '{"query":"earlier"}' } });
    const none = events(body([search], [{ role: "assistant", content: "hello" }]));
    expect(none[2]).toMatchObject({ delta: { partial_json: '{"query":""}' } });
  });
});
