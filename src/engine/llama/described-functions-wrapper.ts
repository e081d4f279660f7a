import type { ChatModelFunctions, ChatWrapper, ChatWrapperGenerateContextStateOptions } from "node-llama-cpp";

/**
 * A view of `chatWrapper` whose prompt describes `functions`, whatever LlamaChat passes as callable. Two uses: tools
 * loaded on demand are callable but not described with the others (their definitions are in the conversation,
 * where they were loaded), and a reply constrained to a JSON schema calls nothing while the tools stay described,
 * so that its prompt is the one the conversation's other turns have. Like `forceToolCall`, it changes only what
 * the wrapper is asked to render and delegates everything else to `chatWrapper` through its prototype.
 */
export function describeFunctions(chatWrapper: ChatWrapper, functions: ChatModelFunctions): ChatWrapper {
  const view = Object.create(chatWrapper) as ChatWrapper;
  Object.defineProperty(view, "generateContextState", {
    value: (options: ChatWrapperGenerateContextStateOptions) => chatWrapper.generateContextState({ ...options, availableFunctions: functions }),
  });
  return view;
}
