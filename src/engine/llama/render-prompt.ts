import type { ChatHistoryItem, ChatWrapper, Token, Tokenizer } from "node-llama-cpp";
import type { PromptRequest } from "../generation-request.js";
import { toChatHistory } from "./chat-history.js";
import { planToolCalls, type ToolCallPlan } from "./plan-tool-calls.js";

/** A request's prompt as the model will see it; the history and tool plan are what LlamaChat is then given. */
export interface RenderedPrompt {
  readonly history: ChatHistoryItem[];
  readonly tools: ToolCallPlan;
  readonly tokens: Token[];
}

/** Renders the prompt exactly as LlamaChat will evaluate it: the history plus an open model response. */
export function renderPrompt(request: PromptRequest, chatWrapper: ChatWrapper, tokenizer: Tokenizer): RenderedPrompt {
  const history = toChatHistory(request);
  const tools = planToolCalls(request, chatWrapper);
  const last = history.at(-1);
  const window: ChatHistoryItem[] = last?.type === "model" ? history : [...history, { type: "model", response: [] }];
  const { contextText } = tools.chatWrapper.generateContextState({
    chatHistory: window,
    ...(tools.functions !== undefined ? { availableFunctions: tools.functions } : {}),
  });
  return { history, tools, tokens: contextText.tokenize(tokenizer) };
}
