import type { ConversationTurn, GenerationRequest, PromptRequest } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest, MessagesRequest } from "../wire/messages-request.js";
import { appendTurn } from "./append-turn.js";
import { assistantTurn } from "./assistant-turn.js";
import { toResponseSchema } from "./response-schema.js";
import { isServerTool } from "./server-tool.js";
import { systemMessageText, systemTexts } from "./system-texts.js";
import { toThinkingSetting } from "./thinking-setting.js";
import { toToolChoice } from "./tool-choice.js";
import { toToolDefinitions } from "./tool-definitions.js";
import { referencedToolNames, type ToolsByName } from "./tool-result-part.js";
import { userTurn } from "./user-turn.js";

export function toGenerationRequest(body: MessagesRequest): GenerationRequest {
  return {
    ...toPromptRequest(body),
    maxTokens: body.max_tokens,
    sampling: {
      // Anthropic's default is 1.0; node-llama-cpp's would be greedy decoding.
      temperature: body.temperature ?? 1,
      ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
      ...(body.top_k !== undefined && body.top_k > 0 ? { topK: body.top_k } : {}),
    },
    stopSequences: (body.stop_sequences ?? []).filter((sequence) => sequence !== ""),
  };
}

/** The prompt part of a request, checked block by block: an `InvalidRequestError` names the first bad field. */
export function toPromptRequest(body: CountTokensRequest): PromptRequest {
  if (body.mcp_servers !== undefined && body.mcp_servers.length > 0) {
    throw new InvalidRequestError(
      "mcp_servers: this server does not connect to MCP servers on a client's behalf; connect them in the client instead (Claude Code: `claude mcp add`)",
    );
  }
  const tools = body.tools ?? [];
  const toolsByName: ToolsByName = new Map(tools.filter((tool) => !isServerTool(tool)).map((tool) => [tool.name, tool]));
  const systemParts = systemTexts(body.system);
  const turns: ConversationTurn[] = [];
  body.messages.forEach((message, index) => {
    if (message.role === "system") {
      const text = systemMessageText(message, index);
      // Before the conversation starts, a system message is part of the system prompt; after, it stays in place.
      if (turns.length === 0) systemParts.push(...(text === "" ? [] : [text]));
      else if (text !== "") appendTurn(turns, { role: "system", text });
      return;
    }
    const isFinal = index === body.messages.length - 1;
    const turn = message.role === "user" ? userTurn(message, index, toolsByName) : assistantTurn(message, index);
    if (turn.parts.length === 0) {
      if (message.role === "assistant" && isFinal) return;
      throw new InvalidRequestError(
        `messages.${index}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
    appendTurn(turns, turn);
  });
  const responseSchema = toResponseSchema(body);
  const loaded = new Set(body.messages.flatMap((message) => (message.role === "user" ? referencedToolNames(message.content) : [])));
  // A tool choice naming a tool loads it too: it could not be forced otherwise.
  if (body.tool_choice?.type === "tool" && body.tool_choice.name !== undefined) loaded.add(body.tool_choice.name);
  return {
    system: systemParts.join("\n\n"),
    turns,
    tools: toToolDefinitions(tools, loaded),
    toolChoice: toToolChoice(body.tool_choice, tools),
    thinking: toThinkingSetting(body.thinking),
    ...(typeof body.model === "string" ? { model: body.model } : {}),
    ...(responseSchema !== undefined ? { responseSchema } : {}),
  };
}
