import {
  LlamaText,
  type ChatModelFunctions,
  type ChatWrapper,
  type ChatWrapperGenerateContextStateOptions,
  type ChatWrapperGeneratedContextState,
  type ChatWrapperSettings,
} from "node-llama-cpp";

export interface ForceToolCallOptions {
  /**
   * Functions to document in the prompt instead of the ones LlamaChat passes, so a request forced to one tool
   * (LlamaChat given only that tool, which makes the name grammar pick it) still shows the model every tool
   * and renders the same prompt prefix as its unforced turns. Defaults to the functions LlamaChat passes.
   */
  readonly promptFunctions?: ChatModelFunctions;
}

/**
 * A view of `chatWrapper` that makes LlamaChat start the response inside a function call: tool choice `any`
 * (any of the functions given to LlamaChat) or `tool` (give LlamaChat only that one). Works for any wrapper
 * `resolveChatWrapper` returns, because it changes only what the wrapper reports, not how it renders:
 * - `generateContextState` returns the wrapper's own rendering with `functionCall.initiallyEngaged` and no
 *   disengage triggers. LlamaChat then appends the wrapper's `parallelism.call.sectionPrefix` and
 *   `functions.call.prefix` itself and samples the function name under its name grammar: appending the prefix
 *   here as well would write it twice (`||call: ||call: name(`).
 * - Wrappers that enter calls through prefix triggers (Harmony: `<|channel|>commentary to=`) get the text those
 *   triggers would inject appended first, and their prefix/rerender triggers dropped.
 * - A thought segment is not opened on response start (Qwen 3 `thoughts: "auto"`): the call must come first.
 * Without functions (tool choice `none`, no tools) it renders exactly as the wrapper does.
 *
 * The result delegates everything else to `chatWrapper` through its prototype, so `wrapperName`, `settings`
 * and every method behave as the original's, and `instanceof` still holds.
 */
export function forceToolCall(chatWrapper: ChatWrapper, options: ForceToolCallOptions = {}): ChatWrapper {
  const forced = Object.create(chatWrapper) as ChatWrapper;
  Object.defineProperties(forced, {
    settings: { value: withoutThoughtOnResponseStart(chatWrapper.settings), enumerable: true },
    generateContextState: {
      value: (contextOptions: ChatWrapperGenerateContextStateOptions) => forcedContextState(chatWrapper, contextOptions, options.promptFunctions),
    },
  });
  return forced;
}

function forcedContextState(
  chatWrapper: ChatWrapper,
  contextOptions: ChatWrapperGenerateContextStateOptions,
  promptFunctions: ChatModelFunctions | undefined,
): ChatWrapperGeneratedContextState {
  const callable = contextOptions.availableFunctions;
  if (callable === undefined || Object.keys(callable).length === 0) return chatWrapper.generateContextState(contextOptions);
  const state = chatWrapper.generateContextState({ ...contextOptions, availableFunctions: promptFunctions ?? callable });
  const lead = functionCallLead(state);
  return {
    contextText: lead === undefined ? state.contextText : LlamaText([state.contextText, lead]),
    stopGenerationTriggers: state.stopGenerationTriggers,
    ...(state.ignoreStartText === undefined ? {} : { ignoreStartText: state.ignoreStartText }),
    functionCall: { initiallyEngaged: true, disengageInitiallyEngaged: [] },
  };
}

/** What a prefix-trigger wrapper puts into the context when the model opens a function call itself. */
function functionCallLead(state: ChatWrapperGeneratedContextState): LlamaText | undefined {
  const trigger = state.prefixTriggers?.find((candidate) => candidate.type === "functionCall");
  if (trigger?.type === "functionCall") {
    // `replaceTrigger` (default true) swaps the matched trigger for `inject`; false keeps both.
    return LlamaText([trigger.replaceTrigger === false ? (trigger.triggers[0] ?? "") : "", trigger.inject ?? ""]);
  }
  if (state.noPrefixTrigger?.type === "functionCall") return state.noPrefixTrigger.inject;
  return undefined;
}

function withoutThoughtOnResponseStart(settings: ChatWrapperSettings): ChatWrapperSettings {
  const thought = settings.segments?.thought;
  if (thought?.openOnResponseStart !== true) return settings;
  return { ...settings, segments: { ...settings.segments, thought: { ...thought, openOnResponseStart: false } } };
}
