import type { ChatModelFunctions, ChatWrapper } from "node-llama-cpp";
import type { PromptRequest } from "../generation-request.js";
import { describeFunctions } from "./described-functions-wrapper.js";
import { forceToolCall } from "./forced-tool-call-wrapper.js";
import { toChatFunctions } from "./to-chat-functions.js";

/** How one request uses tools with node-llama-cpp: the same plan must render the prompt and generate. */
export interface ToolCallPlan {
  /** The model's chat wrapper, or a view of it that starts the response inside a call (`any`, `tool`) or describes other functions than the callable ones. */
  readonly chatWrapper: ChatWrapper;
  /**
   * For `generateResponse({functions})` and `generateContextState({availableFunctions})`: every tool, only the
   * named one for a `tool` choice (the prompt still documents all of them), `undefined` for `none`, no tools, or
   * a reply constrained to a JSON schema under `auto`.
   */
  readonly functions: ChatModelFunctions | undefined;
  /** `1` for `disableParallelToolUse`, else `undefined` (as many as the wrapper's format allows). */
  readonly maxParallelFunctionCalls: 1 | undefined;
}

/**
 * Maps `tools` + `toolChoice` onto node-llama-cpp, which has no tool choice of its own: `auto` passes the
 * functions and lets the model decide; `none` passes none (the tools are then not in the prompt either, as the
 * model may not call them); `any` forces a call to one of them; `tool` forces a call and narrows the functions
 * to the named tool. Deferred tools are callable but left out of the prompt's tool descriptions. Under `auto`, a
 * reply constrained to a JSON schema calls no tool: node-llama-cpp's grammar and function calling exclude each
 * other, and answering without a tool is always allowed under `auto`. Throws `ToolSchemaError` for a schema too
 * deep or large to compile.
 */
export function planToolCalls(request: Pick<PromptRequest, "tools" | "toolChoice" | "responseSchema">, chatWrapper: ChatWrapper): ToolCallPlan {
  const choice = request.toolChoice;
  const allFunctions = choice.type === "none" ? undefined : toChatFunctions(request.tools);
  if (choice.type === "none" || allFunctions === undefined) {
    return { chatWrapper, functions: undefined, maxParallelFunctionCalls: undefined };
  }
  const deferred = new Set(request.tools.filter((tool) => tool.deferred === true).map((tool) => tool.name));
  const described = deferred.size === 0 ? allFunctions : Object.fromEntries(Object.entries(allFunctions).filter(([name]) => !deferred.has(name)));
  const maxParallelFunctionCalls = choice.disableParallelToolUse ? 1 : undefined;
  if (choice.type === "auto") {
    if (request.responseSchema !== undefined) return { chatWrapper: describeFunctions(chatWrapper, described), functions: undefined, maxParallelFunctionCalls: undefined };
    return { chatWrapper: described === allFunctions ? chatWrapper : describeFunctions(chatWrapper, described), functions: allFunctions, maxParallelFunctionCalls };
  }
  const promptFunctions = { promptFunctions: described };
  if (choice.type === "any") return { chatWrapper: forceToolCall(chatWrapper, promptFunctions), functions: allFunctions, maxParallelFunctionCalls };

  const named = allFunctions[choice.name];
  // The API edge names only a tool it passes in `tools` (a choice naming a server tool arrives as `auto`), so this
  // is for other callers: one naming a tool it did not pass gets a call to any of its tools, not a failed request.
  if (named === undefined) return { chatWrapper: forceToolCall(chatWrapper, promptFunctions), functions: allFunctions, maxParallelFunctionCalls };
  return { chatWrapper: forceToolCall(chatWrapper, promptFunctions), functions: { [choice.name]: named }, maxParallelFunctionCalls };
}
