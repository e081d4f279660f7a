import {
  LlamaText,
  SpecialTokensText,
  type ChatHistoryItem,
  type ChatWrapper,
  type ChatWrapperGeneratedContextState,
  type GbnfJsonSchema,
  type Token,
  type Tokenizer,
} from "node-llama-cpp";
import { ChatTemplateError } from "../engine-errors.js";
import type { PromptRequest } from "../generation-request.js";
import { toGrammarSchema } from "../tool-schema/to-grammar-schema.js";
import { toChatHistory } from "./chat-history.js";
import { foldInlineSystemTurns } from "./fold-inline-system-turns.js";
import type { InlineSystemPlacement } from "./inline-system-placement.js";
import { planToolCalls, type ToolCallPlan } from "./plan-tool-calls.js";

/** A request's prompt as the model will see it; the history and tool plan are what LlamaChat is then given. */
export interface RenderedPrompt {
  readonly history: ChatHistoryItem[];
  readonly tools: ToolCallPlan;
  readonly tokens: Token[];
  /** The grammar schema the reply's text is generated under (structured outputs); absent for free text or a tool call. */
  readonly responseGrammar?: GbnfJsonSchema;
}

/**
 * Renders the prompt exactly as LlamaChat will evaluate it: the history plus an open model response. System turns
 * inside the conversation stay in place, or are folded into the adjacent user turn for chat formats that cannot
 * render them there (`inlineSystemPlacement`). Throws `ToolSchemaError` for a schema too deep or large to compile.
 */
export function renderPrompt(
  request: PromptRequest,
  chatWrapper: ChatWrapper,
  tokenizer: Tokenizer,
  inlineSystem: InlineSystemPlacement = "in-place",
): RenderedPrompt {
  const turns = inlineSystem === "fold" ? foldInlineSystemTurns(request.turns) : request.turns;
  const history = toChatHistory({ system: request.system, turns });
  const tools = planToolCalls(request, chatWrapper);
  const last = history.at(-1);
  const window: ChatHistoryItem[] = last?.type === "model" ? history : [...history, { type: "model", response: [] }];
  const { contextText } = renderWindow(tools, window);
  // A forced per-argument call is generated from its tag on, which the prompt ends with.
  const forcedTag = tools.perArgument?.forced === true ? tools.perArgument.syntax.callTag : undefined;
  const text = forcedTag === undefined ? contextText : LlamaText([contextText, new SpecialTokensText(forcedTag)]);
  // A forced tool call has no text to constrain; otherwise the reply is JSON of the schema.
  const responseGrammar =
    request.responseSchema !== undefined && tools.functions === undefined && forcedTag === undefined
      ? toGrammarSchema(request.responseSchema, "output_config.format.schema")
      : undefined;
  return { history, tools, tokens: text.tokenize(tokenizer), ...(responseGrammar !== undefined ? { responseGrammar } : {}) };
}

// A Jinja template may raise on what it refuses; that is the request's fault, never a server error.
function renderWindow(tools: ToolCallPlan, window: ChatHistoryItem[]): ChatWrapperGeneratedContextState {
  try {
    return tools.chatWrapper.generateContextState({
      chatHistory: window,
      ...(tools.functions !== undefined ? { availableFunctions: tools.functions } : {}),
    });
  } catch (error) {
    throw new ChatTemplateError(error instanceof Error ? error.message : String(error));
  }
}
