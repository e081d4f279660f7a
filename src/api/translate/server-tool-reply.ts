import type { IdGenerator } from "../../util/create-id.js";
import type { MessagesRequest } from "../wire/messages-request.js";
import type { MessageStreamEvent } from "../wire/message-types.js";
import type { AnsweredServerTool } from "./server-tool.js";

/**
 * A reply that shows the server tool was attempted and is unavailable: a `server_tool_use` block, its
 * `…_tool_result` with `error_code: "unavailable"`, and a line of text. Never a client `tool_use`, which the
 * client would have no handler for.
 */
export function serverToolUnavailableEvents(options: {
  readonly body: MessagesRequest;
  readonly tool: AnsweredServerTool;
  readonly inputTokens: number;
  readonly messageId: string;
  readonly generateId: IdGenerator;
}): MessageStreamEvent[] {
  const { tool } = options;
  const toolUseId = options.generateId("srvtoolu");
  const input = tool.name === "web_fetch" ? { url: lastUserText(options.body) } : { query: lastUserText(options.body) };
  const usage = { input_tokens: options.inputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: "standard" as const };
  const errorType = tool.resultType === "web_search_tool_result" ? "web_search_tool_result_error" : "web_fetch_tool_error";
  const text = `${tool.name === "web_fetch" ? "Web fetch" : "Web search"} is not available on this local Pensieve server.`;
  return [
    {
      type: "message_start",
      message: {
        id: options.messageId,
        type: "message",
        role: "assistant",
        model: options.body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    },
    { type: "content_block_start", index: 0, content_block: { type: "server_tool_use", id: toolUseId, name: tool.name, input: {} } },
    { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: JSON.stringify(input) } },
    { type: "content_block_stop", index: 0 },
    {
      type: "content_block_start",
      index: 1,
      content_block: { type: tool.resultType, tool_use_id: toolUseId, content: { type: errorType, error_code: "unavailable" } },
    },
    { type: "content_block_stop", index: 1 },
    { type: "content_block_start", index: 2, content_block: { type: "text", text: "" } },
    { type: "content_block_delta", index: 2, delta: { type: "text_delta", text } },
    { type: "content_block_stop", index: 2 },
    { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage },
    { type: "message_stop" },
  ];
}

function lastUserText(body: MessagesRequest): string {
  for (let index = body.messages.length - 1; index >= 0; index -= 1) {
    const message = body.messages[index];
    if (message?.role !== "user") continue;
    if (typeof message.content === "string") return message.content;
    const texts = message.content.flatMap((block) => {
      const text = (block as Record<string, unknown>)["text"];
      return block.type === "text" && typeof text === "string" ? [text] : [];
    });
    if (texts.length > 0) return texts.join("\n");
  }
  return "";
}
