import type { ChatHistoryItem, ChatModelFunctions, ChatWrapper } from "node-llama-cpp";

/**
 * A view of `chatWrapper` that describes the tools before the system prompt rather than after it: the order in
 * which the Messages API builds and caches a prompt (tools, then system, then messages). Claude Code's system
 * prompt names the project's memory folder, so it differs from one working directory to the next while its
 * tools, most of the prompt, do not: with the tools first, a session in another directory reuses them. Formats
 * that place tools themselves (a Jinja template with its own tool syntax, Mistral, Harmony) render as before.
 * Like `forceToolCall`, it delegates everything else to `chatWrapper` through its prototype.
 */
export function describeToolsFirst(chatWrapper: ChatWrapper): ChatWrapper {
  const view = Object.create(chatWrapper) as ChatWrapper;
  Object.defineProperty(view, "addAvailableFunctionsSystemMessageToHistory", {
    value: (history: readonly ChatHistoryItem[], availableFunctions?: ChatModelFunctions, options?: { documentParams?: boolean }): ChatHistoryItem[] => [
      // The wrapper's own description items, as it would add them to an empty history.
      ...chatWrapper.addAvailableFunctionsSystemMessageToHistory([], availableFunctions, options),
      ...history,
    ],
  });
  return view;
}
