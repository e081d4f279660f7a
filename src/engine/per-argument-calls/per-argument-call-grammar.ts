import type { GbnfJsonSchema } from "node-llama-cpp";
import { embedGbnf } from "./embed-gbnf.js";
import { gbnfLiteral, gbnfTextUntil } from "./gbnf.js";
import { gemmaStringRule, gemmaValueRule, gemmaValueRules, isWrittenAsJson } from "./gemma-value-grammar.js";
import type { PerArgumentCallSyntax } from "../../models/chat-format/per-argument-call-syntax.js";
import type { ArgumentShape, PerArgumentTool } from "./per-argument-tool.js";

export interface PerArgumentCallGrammarOptions {
  readonly syntax: PerArgumentCallSyntax;
  /** The tools that may be called (at least one). */
  readonly tools: readonly PerArgumentTool[];
  /** More calls may follow the first, each opened by the syntax's call opening. */
  readonly parallel: boolean;
  /** A whole GBNF grammar (its entry rule `root`) for one JSON value of `schema`: node-llama-cpp's. */
  readonly jsonGrammar: (schema: GbnfJsonSchema) => string;
}

/** Required arguments up to this many may come in any order (Qwen models do not always keep the schema's); more keep it. */
const maxAnyOrderRequired = 4;

/**
 * The GBNF grammar of what follows a call's opening (`<tool_call>\n<function=`): the name of one of the tools,
 * then its arguments in any order, each constrained to its schema (raw text for strings, JSON for the rest), the
 * required ones all present, then the call's closing; then, if `parallel`, more calls. A response ends when the grammar does.
 * In Gemma's notation, strings are between delimiters, numbers and booleans JSON, anything else any Gemma value.
 */
export function perArgumentCallGrammar(options: PerArgumentCallGrammarOptions): string {
  const { syntax, tools, parallel } = options;
  const rules: string[] = [];
  const gemma = syntax.notation === "gemma";
  // Any value: raw text up to the value's closing, or any Gemma value.
  const anyValue = gemma ? gemmaValueRule : "value-0";
  const valueClose = syntax.valueClose === "" ? "" : ` ${gbnfLiteral(syntax.valueClose)}`;
  rules.push(parallel ? `root ::= call (${gbnfLiteral(syntax.betweenCalls + syntax.callOpen)} call)*` : "root ::= call");
  rules.push(`call ::= ${tools.map((_, index) => `tool${index}`).join(" | ")}`);
  rules.push(gemma ? gemmaValueRules() : gbnfTextUntil("value", syntax.valueClose));
  tools.forEach((tool, toolIndex) => {
    const name = `tool${toolIndex}`;
    rules.push(`${name} ::= ${gbnfLiteral(tool.name + syntax.nameClose)} ${name}-arguments ${gbnfLiteral(syntax.callClose)}`);
    if (tool.openKeys) {
      const key = gemma ? `gemma-key ${gbnfLiteral(syntax.keyClose)}` : `${gbnfLiteral(syntax.keyOpen)} [a-zA-Z0-9_.-]+ ${gbnfLiteral(syntax.keyClose)}`;
      rules.push(`${name}-arguments ::= ${anyOrder(`${name}-arguments`, [], [`${key} ${anyValue}${valueClose}`], syntax.argumentSeparator, rules)}`);
      return;
    }
    const argumentRule = new Map<string, string>();
    [...tool.arguments].forEach(([key, shape], argumentIndex) => {
      const rule = `${name}-argument${argumentIndex}`;
      argumentRule.set(key, rule);
      const valueRule = (gemma ? gemmaValueGrammar : valueGrammar)(shape, `${rule}-`, options.jsonGrammar, rules) ?? anyValue;
      rules.push(`${rule} ::= ${gbnfLiteral(syntax.keyOpen + key + syntax.keyClose)} ${valueRule}${valueClose}`);
    });
    const required = tool.required.map((key) => argumentRule.get(key) ?? "");
    const optional = [...argumentRule].filter(([key]) => !tool.required.includes(key)).map(([, rule]) => rule);
    rules.push(`${name}-arguments ::= ${anyOrder(`${name}-arguments`, required, optional, syntax.argumentSeparator, rules)}`);
  });
  return rules.join("\n");
}

/** The rule for a value, or `undefined` for any raw text (the shared `value` rules). */
function valueGrammar(shape: ArgumentShape, prefix: string, jsonGrammar: (schema: GbnfJsonSchema) => string, rules: string[]): string | undefined {
  if (shape.kind !== "json") return shape.choices === undefined ? undefined : `(${shape.choices.map(gbnfLiteral).join(" | ")})`;
  return embedJson(shape.schema, prefix, jsonGrammar, rules);
}

/** The rule for a value in Gemma's notation, or `undefined` for any Gemma value. */
function gemmaValueGrammar(shape: ArgumentShape, prefix: string, jsonGrammar: (schema: GbnfJsonSchema) => string, rules: string[]): string | undefined {
  if (shape.kind === "string") return gemmaStringRule(shape.choices);
  return shape.kind === "json" && isWrittenAsJson(shape.schema) ? embedJson(shape.schema, prefix, jsonGrammar, rules) : undefined;
}

function embedJson(schema: GbnfJsonSchema, prefix: string, jsonGrammar: (schema: GbnfJsonSchema) => string, rules: string[]): string {
  rules.push(embedGbnf(jsonGrammar(schema), prefix));
  return `${prefix}root`;
}

/**
 * Arguments in any order, each required one exactly once and each optional one as often as the model likes (the
 * last one counts): a rule per set of required arguments already written, `2^n` rules for `n` required ones. Past
 * `maxAnyOrderRequired`, the required ones keep the schema's order, with optional ones anywhere between them.
 * A `separator` (Gemma's `,`) goes between arguments: the rules then also know whether one was written yet.
 */
function anyOrder(name: string, required: readonly string[], optional: readonly string[], separator: string, rules: string[]): string {
  if (separator !== "") return anyOrderSeparated(name, required, optional, gbnfLiteral(separator), rules);
  const optionalRepeated = optional.length === 0 ? "" : `(${optional.join(" | ")})*`;
  if (required.length === 0) return optionalRepeated === "" ? '""' : optionalRepeated;
  if (required.length > maxAnyOrderRequired) return [optionalRepeated, ...required.flatMap((item) => [item, optionalRepeated])].filter((part) => part !== "").join(" ") || '""';
  return anyOrderRules(name, required, optional, (item) => item, rules);
}

function anyOrderSeparated(name: string, required: readonly string[], optional: readonly string[], separator: string, rules: string[]): string {
  const anyOptional = optional.length === 0 ? undefined : `(${optional.join(" | ")})`;
  if (required.length === 0) return anyOptional === undefined ? '""' : `(${anyOptional} (${separator} ${anyOptional})*)?`;
  if (required.length > maxAnyOrderRequired) {
    const between = anyOptional === undefined ? [] : [`(${separator} ${anyOptional})*`];
    const before = anyOptional === undefined ? [] : [`(${anyOptional} ${separator})*`];
    return [...before, ...required.flatMap((item, index) => [index === 0 ? item : `${separator} ${item}`, ...between])].join(" ");
  }
  return anyOrderRules(name, required, optional, (item, started) => (started ? `${separator} ${item}` : item), rules);
}

/** The rules of `anyOrder` for up to `maxAnyOrderRequired` required arguments, each written by `write`. */
function anyOrderRules(name: string, required: readonly string[], optional: readonly string[], write: (item: string, started: boolean) => string, rules: string[]): string {
  const all = (1 << required.length) - 1;
  const made = new Set<string>();
  // `started`: an argument was written, so the next needs a separator (where there is one: else the same rule).
  const separated = write("x", true) !== "x";
  const ruleFor = (written: number, started: boolean): string => {
    const rule = `${name}-${written}${started && separated ? "-started" : ""}`;
    if (made.has(rule)) return rule;
    made.add(rule);
    const alternatives = optional.map((item) => `${write(item, started)} ${ruleFor(written, true)}`);
    required.forEach((item, index) => {
      if ((written & (1 << index)) === 0) alternatives.push(`${write(item, started)} ${ruleFor(written | (1 << index), true)}`);
    });
    if (written === all) alternatives.push('""');
    rules.push(`${rule} ::= ${alternatives.join(" | ")}`);
    return rule;
  };
  return ruleFor(0, false);
}
