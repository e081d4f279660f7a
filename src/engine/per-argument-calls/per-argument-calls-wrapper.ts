import type { ChatWrapper, LlamaText } from "node-llama-cpp";
import { perArgumentCallSyntax, renderPerArgumentCall } from "../../models/chat-format/per-argument-call-syntax.js";

/**
 * A view of `chatWrapper` that writes the tool calls of past turns one argument at a time, as the model's
 * template does and as `PerArgumentCallLoop` generates them, instead of node-llama-cpp's one JSON `params`
 * argument; `chatWrapper` itself where its format is not per-argument. Everything else is delegated through the
 * prototype (as `forceToolCall` does), so the wrapper's own rendering calls this `generateFunctionCall`.
 */
export function perArgumentCalls(chatWrapper: ChatWrapper): ChatWrapper {
  const syntax = perArgumentCallSyntax(chatWrapper.settings);
  if (syntax === undefined) return chatWrapper;
  const view = Object.create(chatWrapper) as ChatWrapper;
  Object.defineProperties(view, {
    generateFunctionCall: { value: (name: string, params: unknown): LlamaText => renderPerArgumentCall(syntax, name, params) },
    // node-llama-cpp's Jinja wrapper hands past calls to the template with their arguments wrapped in one
    // `params` key (how it learnt the syntax): unwrapped, the template writes them itself, one by one.
    _wrapFunctionParamsInsideMapKey: { value: undefined },
    _stringifyFunctionParams: { value: false },
  });
  return view;
}
