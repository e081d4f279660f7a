import { isLlamaText, LlamaText, SpecialToken, SpecialTokensText, type ChatHistoryItem, type ChatWrapper, type LlamaModel, type Token } from "node-llama-cpp";
import { perArgumentCallSyntax, renderPerArgumentCall } from "../chat-format/per-argument-call-syntax.js";
import type { ReplyParts } from "./reply-blocks.js";

/** One token a reply model emits: a byte of text (a duplicate byte token in the model) or a real token. */
export type ScriptToken = { readonly kind: "byte"; readonly byte: number } | { readonly kind: "token"; readonly id: Token };

/**
 * A run of emitted tokens after its anchors: the real tokens the context can end with when the run starts. The
 * model maps each anchor to the first emitted token, and each emitted token to the next.
 */
export interface ReplySegment {
  readonly anchors: readonly Token[];
  readonly emitted: readonly ScriptToken[];
}

export interface ReplyScript {
  /** `wrapperName` of the chat wrapper the reply was rendered for. */
  readonly chatWrapperName: string;
  readonly segments: readonly ReplySegment[];
}

/** The end of a function's params: the stop trigger of node-llama-cpp's params grammar. */
const paramsEnd = "\n\n\n\n";
/** The end of a function's name: what node-llama-cpp's name grammar requires after it. */
const nameEnd = "\n";

/**
 * The tokens a model must emit for LlamaChat (with `chatWrapper`) to produce `reply`, in segments. LlamaChat
 * generates free text until it sees the wrapper's function-call prefix, then rebuilds the context from text at
 * each step of the call (the prefix, then prefix + name + params prefix, then the whole call) and samples the
 * name and the params under grammars. Each rebuild ends the context with a real token of that text, the anchor
 * of the next segment:
 * 1. after the prompt (the assistant header, or a tool result): reasoning segment, text, then the call prefix or
 *    the end of turn;
 * 2. after the call prefix: the name, then `\n` (the name grammar's end). A forced call (`tool_choice` `any` or
 *    `tool`) starts here, as LlamaChat then puts the prefix into the context itself;
 * 3. after prefix + name + params prefix: the input as compact JSON, then `\n\n\n\n` (the params grammar's end);
 * 4. for wrappers with parallel calls, after the whole call: the section suffix and the end of turn.
 * Text is emitted byte by byte; special tokens (the end of turn, `<tool_call>`-like markers) as themselves.
 */
export function renderReplyScript(model: LlamaModel, chatWrapper: ChatWrapper, reply: ReplyParts): ReplyScript {
  const { settings } = chatWrapper;
  const endOfTurn = model.tokens.eot ?? model.tokens.eos;
  if (endOfTurn === null) throw new Error("the vocabulary has no end-of-turn or end-of-sequence token");
  const lead: LlamaText[] = [];
  if (reply.thinking !== undefined) {
    const thought = settings.segments?.thought;
    if (thought === undefined) {
      throw new Error(`the chat format ${chatWrapper.wrapperName} has no reasoning segment, so the reply cannot have a thinking block`);
    }
    // A segment opened on the response's start (Qwen3.5's `<think>\n`) has its prefix in the prompt already.
    const openedOnStart = thought.openOnResponseStart === true;
    const prefix = !openedOnStart && (typeof thought.prefix === "string" || isLlamaText(thought.prefix)) ? thought.prefix : "";
    lead.push(LlamaText([prefix, reply.thinking, thought.suffix ?? ""]));
  }
  lead.push(LlamaText(reply.text));

  const segments: ReplySegment[] = [];
  const promptAnchors = promptEnds(chatWrapper, model, reply);
  const { toolUse } = reply;
  if (toolUse === undefined) {
    segments.push({ anchors: promptAnchors, emitted: [...scriptTokens(LlamaText(lead), model), { kind: "token", id: endOfTurn }] });
    return { chatWrapperName: chatWrapper.wrapperName, segments };
  }

  const perArgument = perArgumentCallSyntax(settings);
  if (perArgument !== undefined) {
    // The engine stops LlamaChat at the call's tag and generates the rest itself, from the tag on. Gemma's string
    // delimiter token would have to be followed two ways (into the string, out of it): written as text, it reads the same.
    const wholeCall = renderPerArgumentCall(perArgument, toolUse.name, toolUse.input, true);
    const tag = LlamaText(new SpecialTokensText(perArgument.callTag));
    const afterTag = scriptTokens(wholeCall, model).slice(scriptTokens(tag, model).length);
    segments.push(
      { anchors: promptAnchors, emitted: scriptTokens(LlamaText([...lead, separatorBeforeCall(settings, reply.text), tag]), model) },
      { anchors: [lastToken(tag, model)], emitted: [...afterTag, { kind: "token", id: endOfTurn }] },
    );
    return { chatWrapperName: chatWrapper.wrapperName, segments };
  }
  const call = settings.functions.call;
  const parallelism = settings.functions.parallelism;
  const callStart = LlamaText([parallelism?.call.sectionPrefix ?? "", call.prefix]);
  const withFunctionName = (text: string | LlamaText): LlamaText =>
    LlamaText(text).mapValues((value) => (typeof value === "string" ? value.replaceAll("{{functionName}}", toolUse.name) : value));
  const paramsText = JSON.stringify(toolUse.input);
  const callUpToParams = LlamaText([callStart, toolUse.name, withFunctionName(call.paramsPrefix)]);
  segments.push(
    { anchors: promptAnchors, emitted: scriptTokens(LlamaText([...lead, callStart]), model) },
    { anchors: [lastToken(callStart, model)], emitted: bytesOf(toolUse.name + nameEnd) },
    { anchors: [lastToken(callUpToParams, model)], emitted: bytesOf(paramsText + paramsEnd) },
  );
  if (parallelism !== undefined) {
    const wholeCall = LlamaText([callUpToParams, paramsText, withFunctionName(call.suffix)]);
    const sectionEnd = scriptTokens(LlamaText(parallelism.call.sectionSuffix ?? ""), model);
    // Qwen's section suffix already ends the turn (`<|im_end|>`); LlamaChat stops at it either way.
    const endsTurn = sectionEnd.some((token) => token.kind === "token" && model.isEogToken(token.id));
    const emitted: ScriptToken[] = endsTurn ? sectionEnd : [...sectionEnd, { kind: "token", id: endOfTurn }];
    segments.push({ anchors: [lastToken(wholeCall, model)], emitted });
  }
  return { chatWrapperName: chatWrapper.wrapperName, segments };
}

/** Tool results a prompt can end with: their last characters decide how a BPE tokenizer splits the result's end. */
const sampleToolResults = ["ok", "ok.", "ok ", "ok\n", "ok\n\n", { error: "failed" }];

/**
 * The tokens a prompt can end with, as the engine renders prompts: the assistant header after a user message,
 * or the end of a tool result (a user turn of tool results only continues the model's response). Wrappers that
 * start a response through prefix triggers or inside a call would need more segments, so they are refused.
 */
function promptEnds(chatWrapper: ChatWrapper, model: LlamaModel, reply: ReplyParts): Token[] {
  const name = reply.toolUse?.name ?? "tool";
  const user: ChatHistoryItem = { type: "user", text: "Hello" };
  const histories: ChatHistoryItem[][] = [
    [user, { type: "model", response: [] }],
    ...sampleToolResults.map((result): ChatHistoryItem[] => [
      user,
      { type: "model", response: [{ type: "functionCall", name, params: { input: "x" }, result }] },
    ]),
  ];
  const ends = new Set<Token>();
  for (const chatHistory of histories) {
    const state = chatWrapper.generateContextState({ chatHistory, availableFunctions: { [name]: { description: "A tool" } } });
    if ((state.prefixTriggers?.length ?? 0) > 0 || state.noPrefixTrigger !== undefined || state.functionCall?.initiallyEngaged === true) {
      throw new Error(
        `the chat format ${chatWrapper.wrapperName} starts its responses with prefix triggers, which reply models do not support`,
      );
    }
    ends.add(lastToken(state.contextText, model));
  }
  return [...ends];
}

/** The last token of `text` tokenized as LlamaChat tokenizes the texts it rebuilds the context from. */
function lastToken(text: LlamaText, model: LlamaModel): Token {
  const token = text.tokenize(model.tokenizer, "trimLeadingSpace").at(-1);
  if (token === undefined) throw new Error(`"${text.toString()}" tokenizes to nothing`);
  return token;
}

/** Plain text as bytes; special-token text as its special tokens, with the text between them as bytes. */
function scriptTokens(text: LlamaText, model: LlamaModel): ScriptToken[] {
  const tokens: ScriptToken[] = [];
  for (const value of text.values) {
    if (typeof value === "string") {
      tokens.push(...bytesOf(value));
    } else if (value instanceof SpecialToken) {
      for (const id of model.tokenize(value.value, "builtin")) tokens.push({ kind: "token", id });
    } else {
      let rest = value.value;
      for (const id of model.tokenize(value.value, true)) {
        const attributes = model.getTokenAttributes(id);
        if (attributes.normal || attributes.byte) continue;
        // A special token: the text before it is plain, then the token itself.
        const special = model.detokenize([id], true);
        const at = rest.indexOf(special);
        if (at < 0) throw new Error(`cannot find the special token ${JSON.stringify(special)} in ${JSON.stringify(value.value)}`);
        tokens.push(...bytesOf(rest.slice(0, at)), { kind: "token", id });
        rest = rest.slice(at + special.length);
      }
      tokens.push(...bytesOf(rest));
    }
  }
  return tokens;
}

function bytesOf(text: string): ScriptToken[] {
  return [...new TextEncoder().encode(text)].map((byte) => ({ kind: "byte", byte }));
}

/** What the chat format writes between a response's text and its first call (Qwen 3.5: a blank line). */
function separatorBeforeCall(settings: ChatWrapper["settings"], text: string): LlamaText {
  return text === "" ? LlamaText("") : LlamaText(settings.functions.parallelism?.call.sectionPrefix ?? "");
}
