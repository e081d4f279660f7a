import type { GenerationRequest, PromptRequest, ThinkingSetting, ToolChoice } from "../generation-request.js";
import { toChatCompletionMessages } from "./chat-completion-messages.js";
import type { UpstreamDialect } from "./upstream-options.js";

type Body = Record<string, unknown>;

/**
 * The Chat Completions body for a generation, shaped for the endpoint's dialect. Stop sequences are not sent:
 * the engine scans the stream for them itself, so it knows exactly which one matched (no upstream says so
 * reliably). Usage is asked for on the stream (`stream_options`), continuously where vLLM can.
 */
export function toChatCompletionBody(request: GenerationRequest, model: string, dialect: UpstreamDialect): Body {
  const sampling = request.sampling;
  return {
    ...toPromptBody(request, model, dialect),
    stream: true,
    stream_options: dialect === "vllm" ? { include_usage: true, continuous_usage_stats: true } : { include_usage: true },
    [dialect === "openai" ? "max_completion_tokens" : "max_tokens"]: request.maxTokens,
    ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
    ...(sampling.topP !== undefined ? { top_p: sampling.topP } : {}),
    // top_k is an extension: OpenAI refuses it, Ollama's OpenAI endpoint ignores it.
    ...(sampling.topK !== undefined && dialect !== "openai" && dialect !== "ollama" ? { top_k: sampling.topK } : {}),
  };
}

/** The part of the body that decides the prompt: what `/tokenize` and `/apply-template` take too. */
export function toPromptBody(request: PromptRequest, model: string, dialect: UpstreamDialect): Body {
  const { tools, toolChoice } = toolsFor(request, dialect);
  return {
    model,
    messages: toChatCompletionMessages(request, dialect),
    ...(tools.length > 0
      ? { tools: tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } })) }
      : {}),
    ...toolChoice,
    ...thinkingFields(request.thinking, dialect),
    ...(request.responseSchema !== undefined
      ? { response_format: { type: "json_schema", json_schema: { name: "reply", schema: request.responseSchema, strict: true } } }
      : {}),
  };
}

/**
 * Forced tools: `any` is `required`; a named tool is OpenAI's named choice where the dialect takes one, and
 * elsewhere (llama-server and Ollama accept no named choice) `required` with only that tool offered.
 */
function toolsFor(request: PromptRequest, dialect: UpstreamDialect): { readonly tools: PromptRequest["tools"]; readonly toolChoice: Body } {
  const choice: ToolChoice = request.toolChoice;
  if (request.tools.length === 0) return { tools: [], toolChoice: {} };
  const parallel = choice.type !== "none" && choice.disableParallelToolUse && dialect !== "ollama" ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case "auto":
      return { tools: request.tools, toolChoice: { tool_choice: "auto", ...parallel } };
    case "none":
      return { tools: request.tools, toolChoice: { tool_choice: "none" } };
    case "any":
      return { tools: request.tools, toolChoice: { tool_choice: "required", ...parallel } };
    case "tool": {
      if (dialect === "llama-server" || dialect === "ollama") {
        return { tools: request.tools.filter((tool) => tool.name === choice.name), toolChoice: { tool_choice: "required", ...parallel } };
      }
      return { tools: request.tools, toolChoice: { tool_choice: { type: "function", function: { name: choice.name } }, ...parallel } };
    }
  }
}

/**
 * The thinking switch each dialect reads: the chat template's `enable_thinking` (vLLM, SGLang, llama-server,
 * which also separates the reasoning with `reasoning_format`), Ollama's `think`, OpenAI's `reasoning_effort`.
 * No dialect takes a budget per request, so `budgetTokens` only chooses OpenAI's effort.
 */
function thinkingFields(thinking: ThinkingSetting, dialect: UpstreamDialect): Body {
  if (thinking.type === "default") return dialect === "llama-server" ? { reasoning_format: "deepseek" } : {};
  const enabled = thinking.type === "enabled";
  switch (dialect) {
    case "vllm":
    case "sglang":
      return { chat_template_kwargs: { enable_thinking: enabled } };
    case "llama-server":
      return { chat_template_kwargs: { enable_thinking: enabled }, reasoning_format: "deepseek" };
    case "ollama":
      return { think: enabled };
    case "openai":
      if (thinking.type !== "enabled") return {};
      return { reasoning_effort: thinking.budgetTokens < 4096 ? "low" : thinking.budgetTokens < 16384 ? "medium" : "high" };
  }
}
