import type {
  AssistantPart,
  ConversationTurn,
  GenerationRequest,
  PromptRequest,
  ThinkingSetting,
  ToolChoice,
  ToolDefinition,
  UserPart,
} from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { ContentBlockParam, CountTokensRequest, MessageParam, MessagesRequest } from "../wire/messages-request.js";

/** Claude Code's first system block: per-request metadata whose hash changes every turn and breaks caching. */
const billingHeaderPrefix = "x-anthropic-billing-header:";

/** Block types that echo server-side tool activity; a local model has nothing to do with them. */
const serverEchoBlockTypes = new Set([
  "server_tool_use",
  "web_search_tool_result",
  "web_fetch_tool_result",
  "code_execution_tool_result",
  "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result",
  "mcp_tool_use",
  "mcp_tool_result",
  "container_upload",
  "redacted_thinking",
  "tool_search_tool_result",
]);

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

export function toPromptRequest(body: CountTokensRequest): PromptRequest {
  const systemParts = systemTexts(body.system);
  const turns: ConversationTurn[] = [];
  body.messages.forEach((message, index) => {
    if (message.role === "system") {
      // Claude Code sends agent and skill lists as a mid-conversation system message; many chat templates
      // refuse a system message that is not first, so it joins the system prompt.
      systemParts.push(...blocksOf(message).map((block, blockIndex) => requireText(block, `messages.${index}.content.${blockIndex}`)));
      return;
    }
    const isFinal = index === body.messages.length - 1;
    const turn = message.role === "user" ? userTurn(message, index) : assistantTurn(message, index);
    if (turn.parts.length === 0) {
      if (message.role === "assistant" && isFinal) return;
      throw new InvalidRequestError(
        `messages.${index}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
    appendMerged(turns, turn);
  });
  return {
    system: systemParts.join("\n\n"),
    turns,
    tools: clientTools(body.tools ?? []),
    toolChoice: toToolChoice(body.tool_choice, body.tools ?? []),
    thinking: toThinkingSetting(body.thinking),
    ...(typeof body.model === "string" ? { model: body.model } : {}),
  };
}

/** `adaptive` and `between_tools` leave the choice to the model, which is what a local model does anyway. */
function toThinkingSetting(thinking: CountTokensRequest["thinking"]): ThinkingSetting {
  if (thinking?.type === "disabled") return { type: "disabled" };
  if (thinking?.type === "enabled") {
    const budget = (thinking as { budget_tokens?: unknown }).budget_tokens;
    if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 0 || budget > 2 ** 31 - 1) {
      throw new InvalidRequestError("thinking.enabled.budget_tokens: Input should be a valid integer");
    }
    return { type: "enabled", budgetTokens: budget };
  }
  return { type: "default" };
}

function systemTexts(system: CountTokensRequest["system"]): string[] {
  if (system === undefined) return [];
  if (typeof system === "string") return system === "" ? [] : [system];
  return system.flatMap((block, index) => {
    if (block.type !== "text") throw new InvalidRequestError(`system.${index}.type: Input should be 'text'`);
    if (block.text.startsWith(billingHeaderPrefix) || block.text === "") return [];
    return [block.text];
  });
}

function blocksOf(message: MessageParam): ContentBlockParam[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [{ type: "text", text: message.content }];
  return message.content as ContentBlockParam[];
}

function userTurn(message: MessageParam, messageIndex: number): ConversationTurn {
  const parts: UserPart[] = [];
  blocksOf(message).forEach((block, blockIndex) => {
    const field = `messages.${messageIndex}.content.${blockIndex}`;
    switch (block.type) {
      case "text": {
        const text = requireText(block, field);
        if (text !== "") parts.push({ type: "text", text });
        return;
      }
      case "document":
      case "search_result":
        parts.push({ type: "text", text: documentText(block, field) });
        return;
      case "tool_result":
        parts.push(toolResult(block, field));
        return;
      case "image":
        throw imageUnsupported(field);
      default:
        if (serverEchoBlockTypes.has(block.type) || block.type === "thinking") return;
        throw new InvalidRequestError(`${field}.type: unsupported content block type '${block.type}' in a user message`);
    }
  });
  return { role: "user", parts };
}

function assistantTurn(message: MessageParam, messageIndex: number): ConversationTurn {
  const parts: AssistantPart[] = [];
  blocksOf(message).forEach((block, blockIndex) => {
    const field = `messages.${messageIndex}.content.${blockIndex}`;
    switch (block.type) {
      case "text": {
        const text = requireText(block, field);
        if (text !== "") parts.push({ type: "text", text });
        return;
      }
      case "thinking": {
        // Signatures cannot be verified locally, so any value (including "") is accepted.
        const thinking = block["thinking"];
        if (typeof thinking !== "string") throw new InvalidRequestError(`${field}.thinking: Field required`);
        if (thinking !== "") parts.push({ type: "thinking", text: thinking });
        return;
      }
      case "tool_use": {
        const { id, name, input } = block as { id?: unknown; name?: unknown; input?: unknown };
        if (typeof id !== "string" || id === "") throw new InvalidRequestError(`${field}.id: Field required`);
        if (typeof name !== "string" || name === "") throw new InvalidRequestError(`${field}.name: Field required`);
        if (typeof input !== "object" || input === null || Array.isArray(input)) {
          throw new InvalidRequestError(`${field}.input: Input should be a valid dictionary`);
        }
        parts.push({ type: "tool-call", id, name, input });
        return;
      }
      default:
        if (serverEchoBlockTypes.has(block.type)) return;
        throw new InvalidRequestError(`${field}.type: unsupported content block type '${block.type}' in an assistant message`);
    }
  });
  return { role: "assistant", parts };
}

function requireText(block: ContentBlockParam, field: string): string {
  if (block.type !== "text") throw new InvalidRequestError(`${field}.type: Input should be 'text'`);
  const text = block["text"];
  if (typeof text !== "string") throw new InvalidRequestError(`${field}.text: Field required`);
  return text;
}

function toolResult(block: ContentBlockParam, field: string): UserPart {
  const toolCallId = block["tool_use_id"];
  if (typeof toolCallId !== "string" || toolCallId === "") throw new InvalidRequestError(`${field}.tool_use_id: Field required`);
  const content = block["content"];
  let text: string;
  if (content === undefined || content === null) text = "";
  else if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    text = (content as ContentBlockParam[])
      .map((inner, innerIndex) => {
        const innerField = `${field}.content.${innerIndex}`;
        if (typeof inner !== "object" || inner === null) throw new InvalidRequestError(`${innerField}: Input should be a valid dictionary`);
        if (inner.type === "image") throw imageUnsupported(innerField);
        if (inner.type === "text") return requireText(inner, innerField);
        if (inner.type === "document" || inner.type === "search_result") return documentText(inner, innerField);
        if (inner.type === "tool_reference") return "";
        throw new InvalidRequestError(`${innerField}.type: unsupported content block type '${String(inner.type)}' in a tool result`);
      })
      .filter((part) => part !== "")
      .join("\n\n");
  } else throw new InvalidRequestError(`${field}.content: Input should be a valid string or a valid list`);
  return { type: "tool-result", toolCallId, content: text, isError: block["is_error"] === true };
}

/** Text documents and search results become plain text with their title; binary sources are refused. */
function documentText(block: ContentBlockParam, field: string): string {
  const title = typeof block["title"] === "string" ? `${block["title"]}\n\n` : "";
  if (block.type === "search_result") {
    const content = Array.isArray(block["content"]) ? (block["content"] as ContentBlockParam[]) : [];
    return title + content.map((inner, index) => requireText(inner, `${field}.content.${index}`)).join("\n\n");
  }
  const source = block["source"] as { type?: unknown; data?: unknown; content?: unknown } | undefined;
  if (source?.type === "text" && typeof source.data === "string") return title + source.data;
  if (source?.type === "content") {
    if (typeof source.content === "string") return title + source.content;
    if (Array.isArray(source.content)) {
      return title + (source.content as ContentBlockParam[]).map((inner, index) => requireText(inner, `${field}.source.content.${index}`)).join("\n\n");
    }
  }
  throw new InvalidRequestError(
    `${field}.source: this model reads only text documents (source type 'text' or 'content'); PDF and URL sources are not supported`,
  );
}

function imageUnsupported(field: string): InvalidRequestError {
  return new InvalidRequestError(`${field}: this model does not support image input`);
}

function appendMerged(turns: ConversationTurn[], turn: ConversationTurn): void {
  const last = turns.at(-1);
  if (last === undefined || last.role !== turn.role) {
    turns.push(turn);
    return;
  }
  // Consecutive turns of one role are one turn, as the real API treats them.
  turns[turns.length - 1] =
    last.role === "user"
      ? { role: "user", parts: [...last.parts, ...(turn.parts as readonly UserPart[])] }
      : { role: "assistant", parts: [...last.parts, ...(turn.parts as readonly AssistantPart[])] };
}

type ToolParam = NonNullable<CountTokensRequest["tools"]>[number];

/** Server tools carry a dated `type` (`web_search_20250305`); they are never offered to the model. */
function isServerTool(tool: ToolParam): boolean {
  return tool.type !== undefined && tool.type !== "custom";
}

function clientTools(tools: readonly ToolParam[]): ToolDefinition[] {
  const seen = new Set<string>();
  return tools.flatMap((tool, index) => {
    if (isServerTool(tool)) return [];
    if (seen.has(tool.name)) throw new InvalidRequestError(`tools: Tool names must be unique (duplicate '${tool.name}')`);
    seen.add(tool.name);
    if (tool.input_schema === undefined) throw new InvalidRequestError(`tools.${index}.input_schema: Field required`);
    return [{ name: tool.name, description: tool.description ?? "", inputSchema: tool.input_schema as Record<string, unknown> }];
  });
}

function toToolChoice(choice: CountTokensRequest["tool_choice"], tools: readonly ToolParam[]): ToolChoice {
  const disableParallelToolUse = choice?.disable_parallel_tool_use === true;
  switch (choice?.type) {
    case undefined:
    case "auto":
      return { type: "auto", disableParallelToolUse };
    case "none":
      return { type: "none" };
    case "any":
      if (tools.length === 0) throw new InvalidRequestError("tool_choice: 'any' requires at least one tool in 'tools'");
      return { type: "any", disableParallelToolUse };
    case "tool": {
      const name = choice.name;
      if (name === undefined || name === "") throw new InvalidRequestError("tool_choice.name: Field required");
      if (!tools.some((tool) => tool.name === name)) {
        throw new InvalidRequestError(`tool_choice.name: no tool named '${name}' in 'tools'`);
      }
      return { type: "tool", name, disableParallelToolUse };
    }
  }
}
