import type { ServerToolResultBlock } from "../wire/message-types.js";
import type { CountTokensRequest } from "../wire/messages-request.js";

type ToolParam = NonNullable<CountTokensRequest["tools"]>[number];

/** A server tool that Pensieve answers itself, with a reply saying it is unavailable (`serverToolUnavailableEvents`). */
export interface AnsweredServerTool {
  readonly name: string;
  readonly resultType: ServerToolResultBlock["type"];
}

/**
 * Anthropic's own tools carry a dated `type` (`web_search_20250305`, `bash_20250124`); client tools have none, or
 * `custom`. A server tool is never offered to the model, so the model can neither call it nor be forced to.
 */
export function isServerTool(tool: ToolParam): boolean {
  return tool.type !== undefined && tool.type !== "custom";
}

/**
 * The server tool a request is answered with, without the model: the one `tool_choice` names, or the first when
 * every tool is one (Claude Code's WebSearch and WebFetch send a request whose only tool is the server tool).
 * Only web search and web fetch have such a reply; `null` leaves the request to the model.
 */
export function serverToolToAnswer(body: CountTokensRequest): AnsweredServerTool | null {
  const tools = body.tools ?? [];
  const choice = body.tool_choice;
  if (choice?.type === "tool") {
    const named = tools.find((tool) => tool.name === choice.name);
    const answered = named === undefined ? null : answeredServerTool(named);
    if (answered !== null) return answered;
  }
  const [first] = tools;
  if (first === undefined || tools.some((tool) => answeredServerTool(tool) === null)) return null;
  return answeredServerTool(first);
}

function answeredServerTool(tool: ToolParam): AnsweredServerTool | null {
  if (!isServerTool(tool)) return null;
  if (tool.type?.startsWith("web_search_") === true) return { name: "web_search", resultType: "web_search_tool_result" };
  if (tool.type?.startsWith("web_fetch_") === true) return { name: "web_fetch", resultType: "web_fetch_tool_result" };
  return null;
}
