import type { ToolChoice } from "../../engine/generation-request.js";
import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest } from "../wire/messages-request.js";
import { isServerTool } from "./server-tool.js";

/**
 * `tool_choice` for the engine, checked against `tools`. A `tool` choice reaches the engine only when it names a
 * client tool: the model is never offered a server tool, so naming one cannot force it. Web search and web fetch
 * are answered without the model (`serverToolToAnswer`); for any other server tool the model answers as under
 * `auto`, and `auto` is also the prompt that counting tokens sees.
 */
export function toToolChoice(choice: CountTokensRequest["tool_choice"], tools: NonNullable<CountTokensRequest["tools"]>): ToolChoice {
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
      const named = tools.find((tool) => tool.name === name);
      if (named === undefined) throw new InvalidRequestError(`tool_choice.name: no tool named '${name}' in 'tools'`);
      if (isServerTool(named)) return { type: "auto", disableParallelToolUse };
      return { type: "tool", name, disableParallelToolUse };
    }
  }
}
