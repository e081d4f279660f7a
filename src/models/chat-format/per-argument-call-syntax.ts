import { LlamaText, SpecialTokensText, type ChatWrapperSettings } from "node-llama-cpp";
import { dictsorted, renderGemmaValue } from "./gemma-notation.js";

/**
 * A tool-call format that writes each argument on its own, its string values raw, the others as JSON:
 * Qwen3-Coder and Qwen3.5+ (`<tool_call>\n<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>\n…`) and GLM-4.5+
 * (`<tool_call>NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value>…</tool_call>`). node-llama-cpp renders and
 * generates these calls as one JSON argument named `params`; the model's template teaches one per argument. Gemma 4
 * too (`<|tool_call>call:NAME{key:VALUE,…}<tool_call|>`), with values in a notation of its own; node-llama-cpp
 * writes its params as JSON inside the braces.
 */
export interface PerArgumentCallSyntax {
  /** The family, for logs. */
  readonly name: "qwen-xml" | "glm-xml" | "gemma";
  /**
   * How values are written: `raw`, strings as raw text and the rest as JSON, each ended by `valueClose`; `gemma`,
   * Gemma 4's notation (see `renderGemmaValue`), each value ending itself (`valueClose` is empty).
   */
  readonly notation: "raw" | "gemma";
  /** Opens a call, before its name; starts with `callTag`. */
  readonly callOpen: string;
  /** The token a call starts with, which nothing else in a response writes: the cue to start generating a call. */
  readonly callTag: string;
  /** After the name. */
  readonly nameClose: string;
  readonly keyOpen: string;
  /** After the key, before the value. */
  readonly keyClose: string;
  /** After the value; only this ends a string value. */
  readonly valueClose: string;
  /** Closes a call. */
  readonly callClose: string;
  /** Between two calls of one response. */
  readonly betweenCalls: string;
  /** Between two arguments of one call. */
  readonly argumentSeparator: string;
  /** Arguments are written in key order (Gemma's `dictsort`), not in the input's. */
  readonly sortsKeys: boolean;
}

const qwenXml: PerArgumentCallSyntax = {
  name: "qwen-xml",
  callOpen: "<tool_call>\n<function=",
  callTag: "<tool_call>",
  nameClose: ">\n",
  keyOpen: "<parameter=",
  keyClose: ">\n",
  valueClose: "\n</parameter>\n",
  callClose: "</function>\n</tool_call>",
  betweenCalls: "\n",
  notation: "raw",
  argumentSeparator: "",
  sortsKeys: false,
};

const glmXml: PerArgumentCallSyntax = {
  name: "glm-xml",
  callOpen: "<tool_call>",
  callTag: "<tool_call>",
  nameClose: "",
  keyOpen: "<arg_key>",
  keyClose: "</arg_key><arg_value>",
  valueClose: "</arg_value>",
  callClose: "</tool_call>",
  betweenCalls: "",
  notation: "raw",
  argumentSeparator: "",
  sortsKeys: false,
};

const gemma: PerArgumentCallSyntax = {
  name: "gemma",
  notation: "gemma",
  callOpen: "<|tool_call>call:",
  callTag: "<|tool_call>",
  nameClose: "{",
  keyOpen: "",
  keyClose: ":",
  valueClose: "",
  callClose: "}<tool_call|>",
  betweenCalls: "",
  argumentSeparator: ",",
  sortsKeys: true,
};

/**
 * The per-argument syntax a chat wrapper's function-call settings stand for, or `undefined` for a JSON format.
 * node-llama-cpp's Jinja wrapper learns the settings by rendering a call with one argument named `params`, and
 * its Qwen 3.5 wrapper writes the same: so the settings of such a template read as one `params` argument.
 * node-llama-cpp's Gemma 4 wrapper has the call's braces as its params prefix and suffix.
 */
export function perArgumentCallSyntax(settings: ChatWrapperSettings): PerArgumentCallSyntax | undefined {
  const call = settings.functions.call;
  const written = [call.prefix, call.paramsPrefix, call.suffix].map((part) => LlamaText(part).toString());
  for (const syntax of [qwenXml, glmXml, gemma]) {
    const expected =
      syntax.notation === "gemma"
        ? [syntax.callOpen, syntax.nameClose, syntax.callClose]
        : [syntax.callOpen, `${syntax.nameClose}${syntax.keyOpen}params${syntax.keyClose}`, `${syntax.valueClose}${syntax.callClose}`];
    if (expected.every((text, index) => written[index] === text)) return syntax;
  }
  return undefined;
}

/**
 * A call as the syntax writes it: markup as special-token text (the family's tags are tokens), names, keys and
 * values as text. `stringDelimitersAsText` writes Gemma's string delimiters as text (for reply models, which can
 * follow the delimiter's token one way only).
 */
export function renderPerArgumentCall(syntax: PerArgumentCallSyntax, name: string, input: unknown, stringDelimitersAsText = false): LlamaText {
  const parts: (LlamaText | string)[] = [markup(syntax.callOpen), name, markup(syntax.nameClose)];
  const object = input !== null && typeof input === "object" && !Array.isArray(input) ? input : {};
  const entries = syntax.sortsKeys ? dictsorted(object) : Object.entries(object);
  for (const [index, [key, value]] of entries.entries()) {
    const written = syntax.notation === "gemma" ? renderGemmaValue(value, stringDelimitersAsText) : renderValue(value);
    if (index > 0) parts.push(syntax.argumentSeparator);
    parts.push(markup(syntax.keyOpen), key, markup(syntax.keyClose), written, markup(syntax.valueClose));
  }
  parts.push(markup(syntax.callClose));
  return LlamaText(parts);
}

/** Strings raw, everything else as JSON, as the families' templates write them (`tojson`: `, ` and `: ` between items). */
export function renderValue(value: unknown): string {
  return typeof value === "string" ? value : templateJson(value);
}

function templateJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(templateJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${templateJson(item)}`).join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function markup(text: string): LlamaText {
  return LlamaText(new SpecialTokensText(text));
}
