import { gemmaStringDelimiter } from "../../models/chat-format/gemma-notation.js";
import type { PerArgumentCallSyntax } from "../../models/chat-format/per-argument-call-syntax.js";
import { argumentValue, type PerArgumentTool } from "./per-argument-tool.js";
import { readGemmaValue } from "./read-gemma-value.js";

/** Where the parsed calls go: the same shape node-llama-cpp's JSON calls take (`StreamedToolCalls`). */
export interface PerArgumentCallSink {
  /** More of the call's input, as JSON text; the call starts with its first chunk. */
  readonly addParameters: (name: string, chunk: string) => void;
  /** The call is complete, with its whole input. */
  readonly complete: (name: string, input: Record<string, unknown>) => void;
}

type State =
  | { readonly at: "opening"; readonly text: string }
  | { readonly at: "name" }
  | { readonly at: "between" }
  | { readonly at: "key" }
  /** Before a Gemma string value's opening delimiter. */
  | { readonly at: "string-open"; readonly key: string }
  | { readonly at: "value"; readonly key: string; readonly streamed: boolean }
  | { readonly at: "after-call" };

/**
 * Reads per-argument calls as they are generated (the text after the first call's opening) and hands each one on
 * as JSON: `{` once its name is read, each argument as `"key":value` once its key is read (a string value streamed
 * as it comes, anything else once it is whole), `}` and the parsed input once the call closes. Gemma's values
 * are read in its notation (its string arguments streamed likewise). The grammar the
 * text was generated under guarantees its shape; text that does not fit is left unread (the call stays open and is
 * reported cut).
 */
export class PerArgumentCallParser {
  private buffer = "";
  private state: State;
  private call: { readonly tool: PerArgumentTool | undefined; readonly name: string; readonly input: Record<string, unknown> } | null = null;
  private readonly tools: ReadonlyMap<string, PerArgumentTool>;
  /** The open call has had an argument (the next one needs a comma). */
  private hasOpenedArgument = false;
  /** How much of the current string value has been sent. */
  private valueSent = 0;
  private completed = 0;

  constructor(
    private readonly syntax: PerArgumentCallSyntax,
    tools: readonly PerArgumentTool[],
    private readonly sink: PerArgumentCallSink,
  ) {
    this.tools = new Map(tools.map((tool) => [tool.name, tool]));
    // The text starts after the call's tag, which LlamaChat stopped on or the prompt ends with.
    this.state = { at: "opening", text: syntax.callOpen.slice(syntax.callTag.length) };
  }

  /** A call was opened and has not closed. */
  get inCall(): boolean {
    return this.call !== null;
  }

  /** How many calls have closed. */
  get completedCalls(): number {
    return this.completed;
  }

  feed(text: string): void {
    this.buffer += text;
    while (this.step());
  }

  /** Reads what the buffer holds of the current state; false when it must wait for more text. */
  private step(): boolean {
    const { syntax } = this;
    switch (this.state.at) {
      case "opening":
        return this.buffer.startsWith(this.state.text) && this.advance(this.state.text.length, { at: "name" });
      case "name": {
        const end = this.nameEnd();
        if (end < 0) return false;
        const name = this.buffer.slice(0, end);
        this.call = { tool: this.tools.get(name), name, input: {} };
        this.sink.addParameters(name, "{");
        return this.advance(end + syntax.nameClose.length, { at: "between" });
      }
      case "between": {
        if (this.buffer.startsWith(syntax.callClose)) {
          this.closeCall();
          return this.advance(syntax.callClose.length, { at: "after-call" });
        }
        // What may yet be the call's closing waits (Gemma's keys have no opening of their own).
        if (syntax.callClose.startsWith(this.buffer)) return false;
        const open = (this.hasOpenedArgument ? syntax.argumentSeparator : "") + syntax.keyOpen;
        return this.buffer.startsWith(open) && this.advance(open.length, { at: "key" });
      }
      case "key": {
        const end = this.buffer.indexOf(syntax.keyClose);
        if (end < 0 || this.call === null) return false;
        const key = this.buffer.slice(0, end);
        const streamed = this.call.tool?.arguments.get(key)?.kind === "string";
        const separator = this.hasOpenedArgument ? "," : "";
        this.hasOpenedArgument = true;
        this.sink.addParameters(this.call.name, `${separator}${JSON.stringify(key)}:${streamed ? '"' : ""}`);
        const gemmaString = streamed && syntax.notation === "gemma";
        return this.advance(end + syntax.keyClose.length, gemmaString ? { at: "string-open", key } : { at: "value", key, streamed });
      }
      case "string-open":
        return this.buffer.startsWith(gemmaStringDelimiter) && this.advance(gemmaStringDelimiter.length, { at: "value", key: this.state.key, streamed: true });
      case "value":
        return this.readValue(this.state.key, this.state.streamed);
      case "after-call":
        if (this.buffer === "") return false;
        this.state = { at: "opening", text: syntax.betweenCalls + syntax.callOpen };
        return true;
    }
  }

  /** Where the name ends: after one of the tools' names (which may hold any character) or, for another, at `<`. */
  private nameEnd(): number {
    // Gemma's name is followed by its `{`, the others' by a tag.
    const close = this.syntax.notation === "gemma" ? this.syntax.nameClose : `${this.syntax.nameClose}<`;
    for (const name of this.tools.keys()) if (this.buffer.startsWith(name + close)) return name.length;
    return this.buffer.indexOf(close);
  }

  private readValue(key: string, streamed: boolean): boolean {
    const call = this.call;
    if (call === null) return false;
    const shape = call.tool?.arguments.get(key);
    if (this.syntax.notation === "gemma" && !streamed) {
      const read = readGemmaValue(this.buffer, 0);
      if (read === undefined) return false;
      defineKey(call.input, key, read.value);
      this.sink.addParameters(call.name, JSON.stringify(read.value));
      return this.advance(read.end, { at: "between" });
    }
    const close = this.syntax.notation === "gemma" ? gemmaStringDelimiter : this.syntax.valueClose;
    // What was streamed holds no start of the closing text: a long value is not searched again from its start per token.
    const end = valueEnd(this.buffer, close, shape?.kind === "json", streamed ? this.valueSent : 0);
    if (end < 0) {
      // Everything but a possible start of the closing text can go out now.
      if (streamed) this.sendValue(call.name, safeEnd(this.buffer, this.buffer.length - close.length + 1));
      return false;
    }
    const raw = this.buffer.slice(0, end);
    const value = argumentValue(shape, raw);
    defineKey(call.input, key, value);
    if (streamed) {
      this.sendValue(call.name, end);
      this.sink.addParameters(call.name, '"');
    } else this.sink.addParameters(call.name, JSON.stringify(value));
    this.valueSent = 0;
    return this.advance(end + close.length, { at: "between" });
  }

  private sendValue(name: string, upTo: number): void {
    if (upTo <= this.valueSent) return;
    this.sink.addParameters(name, JSON.stringify(this.buffer.slice(this.valueSent, upTo)).slice(1, -1));
    this.valueSent = upTo;
  }

  private closeCall(): void {
    const call = this.call;
    if (call === null) return;
    this.sink.addParameters(call.name, "}");
    this.sink.complete(call.name, call.input);
    this.completed += 1;
    this.call = null;
    this.hasOpenedArgument = false;
  }

  private advance(length: number, state: State): boolean {
    this.buffer = this.buffer.slice(length);
    this.state = state;
    return true;
  }
}

/** Defined, not assigned: a key named `__proto__` would set the input's prototype instead, unlike the streamed JSON. */
function defineKey(input: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(input, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Where a value ends: at the first closing text; for a JSON value, whose strings may hold the closing text (GLM's
 * `</arg_value>`), at the first one after whole JSON, as its grammar has it. -1 while there is none.
 */
function valueEnd(text: string, close: string, json: boolean, from: number): number {
  let end = text.indexOf(close, from);
  while (json && end >= 0 && !isJson(text.slice(0, end))) end = text.indexOf(close, end + 1);
  return end;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `end`, moved back off the middle of a surrogate pair, and never below 0. */
function safeEnd(text: string, end: number): number {
  if (end <= 0) return 0;
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}
