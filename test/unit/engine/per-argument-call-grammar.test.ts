import type { GbnfJsonSchema } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { gbnfLiteral } from "../../../src/engine/per-argument-calls/gbnf.js";
import { perArgumentCallGrammar } from "../../../src/engine/per-argument-calls/per-argument-call-grammar.js";
import { toPerArgumentTool, type PerArgumentTool } from "../../../src/engine/per-argument-calls/per-argument-tool.js";
import { toGrammarSchema } from "../../../src/engine/tool-schema/to-grammar-schema.js";
import { glmXmlSyntax as glm, qwenXmlSyntax as qwen } from "../../helpers/per-argument-syntaxes.js";

function toolOf(name: string, properties: Record<string, unknown>, required: readonly string[]): PerArgumentTool {
  return toPerArgumentTool(name, toGrammarSchema({ type: "object", properties, required }, `tools.${name}`), required);
}

const strings = (keys: readonly string[]): Record<string, unknown> => Object.fromEntries(keys.map((key) => [key, { type: "string" }]));
const write = toolOf("Write", { path: { type: "string" }, mode: { enum: ["fast", "slow"] }, count: { type: "integer" }, note: { type: "string" } }, ["count", "path"]);
const five = toolOf("Five", strings(["a", "b", "c", "d", "e", "f"]), ["e", "d", "c", "b", "a"]);
const four = toolOf("Four", strings(["a", "b", "c", "d"]), ["a", "b", "c", "d"]);
const stop = toolOf("Stop", {}, []);
const open = toPerArgumentTool("Any", { type: "object", properties: {}, additionalProperties: true } as GbnfJsonSchema, []);

/** A fake of node-llama-cpp's JSON grammar, shaped like it (its root ends with the blank lines a reply may finish on). */
function recordingJsonGrammar(): { schemas: GbnfJsonSchema[]; jsonGrammar: (schema: GbnfJsonSchema) => string } {
  const schemas: GbnfJsonSchema[] = [];
  return {
    schemas,
    jsonGrammar: (schema) => {
      schemas.push(schema);
      return `root ::= number-rule "\\n\\n\\n\\n" [\\n]*\nnumber-rule ::= "-"? [0-9]+\n`;
    },
  };
}

/** The rules of a grammar by name; fails on a rule defined twice or a reference to no rule. */
function rulesOf(grammar: string): Map<string, string> {
  const rules = new Map<string, string>();
  for (const line of grammar.split("\n")) {
    const split = line.indexOf(" ::= ");
    expect(split, line).toBeGreaterThan(0);
    const name = line.slice(0, split);
    expect(rules.has(name), `${name} defined twice`).toBe(false);
    rules.set(name, line.slice(split + 5));
  }
  for (const [name, body] of rules) {
    const references = body.replace(/"(\\.|[^"\\])*"|\[(\\.|[^\]\\])*\]/g, " ").match(/[a-zA-Z_][a-zA-Z0-9_-]*/g) ?? [];
    for (const reference of references) expect(rules.has(reference), `${name} refers to ${reference}`).toBe(true);
  }
  return rules;
}

/** The sequences of argument rules a rule chain matches (the permutation rules: `arg rest | arg rest | arg`). */
function sequencesOf(rules: ReadonlyMap<string, string>, body: string): string[][] {
  return body.split(" | ").flatMap((alternative) => {
    const [first = "", rest, ...more] = alternative.split(" ");
    expect(more).toEqual([]);
    const tails = rest === undefined ? [[]] : sequencesOf(rules, rules.get(rest) ?? "");
    return tails.map((tail) => [first, ...tail]);
  });
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe("perArgumentCallGrammar", () => {
  it("opens with a call to one of the tools, then more calls each after the syntax's call opening when parallel", () => {
    for (const syntax of [qwen, glm]) {
      const { jsonGrammar } = recordingJsonGrammar();
      const parallel = rulesOf(perArgumentCallGrammar({ syntax, tools: [write, stop], parallel: true, jsonGrammar }));
      expect(parallel.get("root")).toBe(`call (${gbnfLiteral(syntax.betweenCalls + syntax.callOpen)} call)*`);
      expect(parallel.get("call")).toBe("tool0 | tool1");
      const single = rulesOf(perArgumentCallGrammar({ syntax, tools: [stop], parallel: false, jsonGrammar }));
      expect(single.get("root")).toBe("call");
      expect(single.get("call")).toBe("tool0");
      expect(single.get("tool0")).toBe(`${gbnfLiteral(`Stop${syntax.nameClose}`)} tool0-arguments ${gbnfLiteral(syntax.callClose)}`);
      expect(single.get("tool0-arguments")).toBe('""');
      // The raw-text value: its rules, one per character of the closing text.
      expect([...single.keys()].filter((name) => name.startsWith("value-"))).toHaveLength([...syntax.valueClose].length);
    }
  });

  it("writes each argument as key, value under its kind's rule, and closing: raw text, its choices, or its schema's JSON", () => {
    const { schemas, jsonGrammar } = recordingJsonGrammar();
    const rules = rulesOf(perArgumentCallGrammar({ syntax: qwen, tools: [write], parallel: false, jsonGrammar }));
    const close = gbnfLiteral(qwen.valueClose);
    expect(rules.get("tool0-argument0")).toBe(`"<parameter=path>\\n" value-0 ${close}`);
    expect(rules.get("tool0-argument1")).toBe(`"<parameter=mode>\\n" ("fast" | "slow") ${close}`);
    expect(rules.get("tool0-argument2")).toBe(`"<parameter=count>\\n" tool0-argument2-root ${close}`);
    expect(rules.get("tool0-argument3")).toBe(`"<parameter=note>\\n" value-0 ${close}`);
    // The JSON value's own grammar, renamed into the argument's rules, without the blank lines after it.
    expect(schemas).toEqual([write.arguments.get("count")?.schema]);
    expect(rules.get("tool0-argument2-root")).toBe("tool0-argument2-number-rule");
    expect(rules.get("tool0-argument2-number-rule")).toBe('"-"? [0-9]+');
  });

  it("lets up to four required arguments come in any order, more in the schema's order, the optional ones after them any number of times", () => {
    const { jsonGrammar } = recordingJsonGrammar();
    const rules = rulesOf(perArgumentCallGrammar({ syntax: glm, tools: [write, four, five], parallel: false, jsonGrammar }));
    // Write: count and path required (either order), mode and note optional.
    expect(rules.get("tool0-arguments")).toBe("tool0-required-3 (tool0-argument1 | tool0-argument3)*");
    expect(sequencesOf(rules, rules.get("tool0-required-3") ?? "").sort()).toEqual([
      ["tool0-argument0", "tool0-argument2"],
      ["tool0-argument2", "tool0-argument0"],
    ]);
    const [fourArguments = "", ...rest] = (rules.get("tool1-arguments") ?? "").split(" ");
    expect(rest).toEqual([]);
    const fourOrders = sequencesOf(rules, rules.get(fourArguments) ?? "");
    expect(fourOrders.map((order) => order.join(" ")).sort()).toEqual(permutations(["0", "1", "2", "3"].map((index) => `tool1-argument${index}`)).map((order) => order.join(" ")).sort());
    // Five: five required, kept in the order `required` lists them; f optional.
    expect(rules.get("tool2-arguments")).toBe("tool2-argument4 tool2-argument3 tool2-argument2 tool2-argument1 tool2-argument0 (tool2-argument5)*");
  });

  it("takes any key with a raw value for a tool whose schema is open", () => {
    const { jsonGrammar } = recordingJsonGrammar();
    const rules = rulesOf(perArgumentCallGrammar({ syntax: glm, tools: [open], parallel: true, jsonGrammar }));
    expect(rules.get("tool0")).toBe('"Any" tool0-arguments "</tool_call>"');
    expect(rules.get("tool0-arguments")).toBe('("<arg_key>" [a-zA-Z0-9_.-]+ "</arg_key><arg_value>" value-0 "</arg_value>")*');
  });
});
