import type { GbnfJsonSchema } from "node-llama-cpp";
import { embedGbnf } from "./embed-gbnf.js";
import { gbnfLiteral, gbnfTextUntil } from "./gbnf.js";
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
 */
export function perArgumentCallGrammar(options: PerArgumentCallGrammarOptions): string {
  const { syntax, tools, parallel } = options;
  const rules: string[] = [];
  const value = "value";
  rules.push(parallel ? `root ::= call (${gbnfLiteral(syntax.betweenCalls + syntax.callOpen)} call)*` : "root ::= call");
  rules.push(`call ::= ${tools.map((_, index) => `tool${index}`).join(" | ")}`);
  rules.push(gbnfTextUntil(value, syntax.valueClose));
  tools.forEach((tool, toolIndex) => {
    const name = `tool${toolIndex}`;
    rules.push(`${name} ::= ${gbnfLiteral(tool.name + syntax.nameClose)} ${name}-arguments ${gbnfLiteral(syntax.callClose)}`);
    if (tool.openKeys) {
      rules.push(`${name}-arguments ::= (${gbnfLiteral(syntax.keyOpen)} [a-zA-Z0-9_.-]+ ${gbnfLiteral(syntax.keyClose)} ${value}-0 ${gbnfLiteral(syntax.valueClose)})*`);
      return;
    }
    const argumentRule = new Map<string, string>();
    [...tool.arguments].forEach(([key, shape], argumentIndex) => {
      const rule = `${name}-argument${argumentIndex}`;
      argumentRule.set(key, rule);
      const valueRule = valueGrammar(shape, `${rule}-`, options.jsonGrammar, rules) ?? `${value}-0`;
      rules.push(`${rule} ::= ${gbnfLiteral(syntax.keyOpen + key + syntax.keyClose)} ${valueRule} ${gbnfLiteral(syntax.valueClose)}`);
    });
    const required = tool.required.map((key) => argumentRule.get(key) ?? "");
    const optional = [...argumentRule].filter(([key]) => !tool.required.includes(key)).map(([, rule]) => rule);
    rules.push(`${name}-arguments ::= ${anyOrder(`${name}-arguments`, required, optional, rules)}`);
  });
  return rules.join("\n");
}

/** The rule for a value, or `undefined` for any raw text (the shared `value` rules). */
function valueGrammar(shape: ArgumentShape, prefix: string, jsonGrammar: (schema: GbnfJsonSchema) => string, rules: string[]): string | undefined {
  if (shape.kind !== "json") return shape.choices === undefined ? undefined : `(${shape.choices.map(gbnfLiteral).join(" | ")})`;
  rules.push(embedGbnf(jsonGrammar(shape.schema), prefix));
  return `${prefix}root`;
}

/**
 * Arguments in any order, each required one exactly once and each optional one as often as the model likes (the
 * last one counts): a rule per set of required arguments already written, `2^n` rules for `n` required ones. Past
 * `maxAnyOrderRequired`, the required ones keep the schema's order, with optional ones anywhere between them.
 */
function anyOrder(name: string, required: readonly string[], optional: readonly string[], rules: string[]): string {
  const optionalRepeated = optional.length === 0 ? "" : `(${optional.join(" | ")})*`;
  if (required.length === 0) return optionalRepeated === "" ? '""' : optionalRepeated;
  if (required.length > maxAnyOrderRequired) return [optionalRepeated, ...required.flatMap((item) => [item, optionalRepeated])].filter((part) => part !== "").join(" ") || '""';
  const all = (1 << required.length) - 1;
  const made = new Set<number>();
  const ruleFor = (written: number): string => {
    const rule = `${name}-${written}`;
    if (made.has(written)) return rule;
    made.add(written);
    const alternatives = optional.map((item) => `${item} ${rule}`);
    required.forEach((item, index) => {
      if ((written & (1 << index)) === 0) alternatives.push(`${item} ${ruleFor(written | (1 << index))}`);
    });
    if (written === all) alternatives.push('""');
    rules.push(`${rule} ::= ${alternatives.join(" | ")}`);
    return rule;
  };
  return ruleFor(0);
}
