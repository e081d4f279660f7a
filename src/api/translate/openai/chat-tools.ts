import type { ToolChoice, ToolDefinition } from "../../../engine/generation-request.js";
import { InvalidRequestError } from "../../server-error.js";
import type { ChatCompletionsRequest } from "../../wire/chat-completions-request.js";
import { constrainedSchemaProblem } from "../constrained-schema-problem.js";

/** The tools of a Chat Completions request and how the model may use them, in the engine's terms. */
export interface ChatTools {
  readonly tools: ToolDefinition[];
  readonly toolChoice: ToolChoice;
}

/** A function without `parameters` takes none. */
const noParameters: Readonly<Record<string, unknown>> = { type: "object", properties: {} };

/**
 * `tools` and `tool_choice` for the engine: `auto` (the default), `none`, `required` (the Messages API's `any`) or a
 * named function (its `tool`); `parallel_tool_calls: false` allows one call. Names must be unique, a named choice
 * must name one of the tools, and a `strict` function's schema must be one constrained decoding guarantees.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tool_choice
 */
export function toChatTools(body: Pick<ChatCompletionsRequest, "tools" | "tool_choice" | "parallel_tool_calls">): ChatTools {
  const seen = new Set<string>();
  const tools = (body.tools ?? []).map((tool, index): ToolDefinition => {
    const { name, description, parameters, strict } = tool.function;
    if (seen.has(name)) throw new InvalidRequestError(`tools: Tool names must be unique (duplicate '${name}')`);
    seen.add(name);
    if (strict === true && parameters !== undefined) {
      const problem = constrainedSchemaProblem(parameters, `tools.${index}.function.parameters`);
      if (problem !== null) throw new InvalidRequestError(`${problem} (function '${name}' is strict)`);
    }
    return { name, description: description ?? "", inputSchema: (parameters as Record<string, unknown> | undefined) ?? noParameters };
  });
  return { tools, toolChoice: toolChoiceOf(body, tools) };
}

function toolChoiceOf(body: Pick<ChatCompletionsRequest, "tool_choice" | "parallel_tool_calls">, tools: readonly ToolDefinition[]): ToolChoice {
  const disableParallelToolUse = body.parallel_tool_calls === false;
  const choice = body.tool_choice;
  if (choice === undefined || choice === "auto") return { type: "auto", disableParallelToolUse };
  if (choice === "none") return { type: "none" };
  if (choice === "required") {
    if (tools.length === 0) throw new InvalidRequestError("tool_choice: 'required' needs at least one tool in 'tools'");
    return { type: "any", disableParallelToolUse };
  }
  const name = choice.function.name;
  if (!tools.some((tool) => tool.name === name)) throw new InvalidRequestError(`tool_choice.function.name: no function named '${name}' in 'tools'`);
  return { type: "tool", name, disableParallelToolUse };
}
