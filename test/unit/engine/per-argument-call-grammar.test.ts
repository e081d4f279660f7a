import type { GbnfJsonSchema } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { gbnfLiteral } from "../../../src/engine/per-argument-calls/gbnf.js";
import { perArgumentCallGrammar } from "../../../src/engine/per-argument-calls/per-argument-call-grammar.js";
import { toPerArgumentTool, type PerArgumentTool } from "../../../src/engine/per-argument-calls/per-argument-tool.js";
import { toGrammarSchema } from "../../../src/engine/tool-schema/to-grammar-schema.js";
import { gemmaSyntax as gemma, glmXmlSyntax as glm, qwenXmlSyntax as qwen } from "../../helpers/per-argument-syntaxes.js";

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

type GrammarNode =
  | { readonly kind: "reference"; readonly name: string }
  | { readonly kind: "empty" }
  | { readonly kind: "separator" }
  | { readonly kind: "repeated"; readonly alternatives: GrammarNode[][] }
  | { readonly kind: "optional"; readonly alternatives: GrammarNode[][] }
  | { readonly kind: "once"; readonly alternatives: GrammarNode[][] };

/** A rule body of references, `""`, Gemma's `","` and `( … )*` or `( … )?` groups, as alternatives of sequences. */
function parseBody(body: string): GrammarNode[][] {
  const tokens = body.match(/\(|\)[*?]?|\||""|","|[a-zA-Z0-9_-]+/g) ?? [];
  let index = 0;
  let closing = "";
  const alternatives = (): GrammarNode[][] => {
    const result: GrammarNode[][] = [[]];
    while (index < tokens.length) {
      const token = tokens[index++];
      if (token?.startsWith(")") === true) {
        closing = token;
        return result;
      }
      if (token === "|") result.push([]);
      else if (token === '","') result.at(-1)?.push({ kind: "separator" });
      else if (token === "(") {
        const group = alternatives();
        const kind = closing === ")?" ? "optional" : closing === ")" ? "once" : "repeated";
        result.at(-1)?.push({ kind, alternatives: group });
      }
      else if (token === '""') result.at(-1)?.push({ kind: "empty" });
      else result.at(-1)?.push({ kind: "reference", name: token ?? "" });
    }
    return result;
  };
  return alternatives();
}

/** Whether `rule` matches exactly `items`, a sequence of argument rules (taken as single symbols). */
function accepts(rules: ReadonlyMap<string, string>, rule: string, items: readonly string[]): boolean {
  const endsOf = (sequence: readonly GrammarNode[], start: number): Set<number> => {
    let positions = new Set([start]);
    for (const node of sequence) {
      const next = new Set<number>();
      for (const position of positions) for (const end of nodeEnds(node, position)) next.add(end);
      positions = next;
    }
    return positions;
  };
  const alternativesEnds = (alternatives: readonly GrammarNode[][], start: number): Set<number> =>
    new Set(alternatives.flatMap((sequence) => [...endsOf(sequence, start)]));
  const nodeEnds = (node: GrammarNode, start: number): Set<number> => {
    if (node.kind === "empty") return new Set([start]);
    if (node.kind === "separator") return items[start] === "," ? new Set([start + 1]) : new Set();
    if (node.kind === "once") return alternativesEnds(node.alternatives, start);
    if (node.kind === "optional") return new Set([start, ...alternativesEnds(node.alternatives, start)]);
    if (node.kind === "repeated") {
      const reached = new Set([start]);
      let frontier = [start];
      while (frontier.length > 0) {
        frontier = frontier.flatMap((position) => [...alternativesEnds(node.alternatives, position)]).filter((end) => !reached.has(end));
        for (const end of frontier) reached.add(end);
      }
      return reached;
    }
    if (/-argument\d+$/.test(node.name)) return items[start] === node.name ? new Set([start + 1]) : new Set();
    return alternativesEnds(parseBody(rules.get(node.name) ?? ""), start);
  };
  return nodeEnds({ kind: "reference", name: rule }, 0).has(items.length);
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

  it("lets up to four required arguments come in any order, each once, with optional ones anywhere; more keep the schema's order", () => {
    const { jsonGrammar } = recordingJsonGrammar();
    const rules = rulesOf(perArgumentCallGrammar({ syntax: glm, tools: [write, four, five], parallel: false, jsonGrammar }));
    const argumentsOf = (tool: number, indexes: readonly number[]) => indexes.map((index) => `tool${tool}-argument${index}`);
    // Write: path 0, mode 1, count 2, note 3; count and path required.
    for (const order of [[2, 0], [0, 2], [1, 0, 3, 2], [3, 3, 2, 1, 0], [0, 1, 2]]) expect(accepts(rules, "tool0-arguments", argumentsOf(0, order)), String(order)).toBe(true);
    for (const order of [[0], [1, 3], [2, 2, 0], [0, 2, 0], []]) expect(accepts(rules, "tool0-arguments", argumentsOf(0, order)), String(order)).toBe(false);
    // Four: all required, in every order, each once.
    for (const order of permutations([0, 1, 2, 3])) expect(accepts(rules, "tool1-arguments", argumentsOf(1, order))).toBe(true);
    expect(accepts(rules, "tool1-arguments", argumentsOf(1, [0, 1, 2]))).toBe(false);
    expect(accepts(rules, "tool1-arguments", argumentsOf(1, [0, 1, 2, 3, 3]))).toBe(false);
    // Five: five required (e d c b a, as `required` lists them), f optional anywhere.
    expect(accepts(rules, "tool2-arguments", argumentsOf(2, [4, 3, 2, 1, 0]))).toBe(true);
    expect(accepts(rules, "tool2-arguments", argumentsOf(2, [5, 4, 3, 5, 2, 1, 0, 5]))).toBe(true);
    expect(accepts(rules, "tool2-arguments", argumentsOf(2, [0, 1, 2, 3, 4]))).toBe(false);
  });

  it("takes any key with a raw value for a tool whose schema is open", () => {
    const { jsonGrammar } = recordingJsonGrammar();
    const rules = rulesOf(perArgumentCallGrammar({ syntax: glm, tools: [open], parallel: true, jsonGrammar }));
    expect(rules.get("tool0")).toBe('"Any" tool0-arguments "</tool_call>"');
    expect(rules.get("tool0-arguments")).toBe('("<arg_key>" [a-zA-Z0-9_.-]+ "</arg_key><arg_value>" value-0 "</arg_value>")*');
  });
});

describe("perArgumentCallGrammar (gemma)", () => {
  const { schemas, jsonGrammar } = recordingJsonGrammar();
  const items = (tool: number, indexes: readonly number[]) => indexes.flatMap((index, at) => [...(at === 0 ? [] : [","]), `tool${tool}-argument${index}`]);
  const objectTool = toolOf(
    "Edit",
    { list: { type: "array" }, either: { type: ["string", "number"] }, ratio: { type: "number" }, flag: { type: "boolean" }, level: { enum: [1, 2] }, pick: { enum: [1, "a"] } },
    [],
  );
  const rules = rulesOf(perArgumentCallGrammar({ syntax: gemma, tools: [write, four, five, objectTool, open, stop], parallel: true, jsonGrammar }));

  it("writes the calls one after another, each its name, `{`, arguments and `}<tool_call|>`", () => {
    expect(rules.get("root")).toBe('call ("<|tool_call>call:" call)*');
    expect(rules.get("tool0")).toBe('"Write{" tool0-arguments "}<tool_call|>"');
  });

  it("writes strings between delimiters, choices as literals, numbers and booleans as their JSON, anything else as any Gemma value", () => {
    const delimiter = gbnfLiteral('<|"|>');
    expect(rules.get("tool0-argument0")).toBe(`"path:" ${delimiter} gemma-text-0 ${delimiter}`);
    expect(rules.get("tool0-argument1")).toBe(`"mode:" ${delimiter} ("fast" | "slow") ${delimiter}`);
    expect(rules.get("tool0-argument2")).toBe('"count:" tool0-argument2-root');
    expect(rules.get("tool3-argument0")).toBe('"list:" gemma-value');
    expect(rules.get("tool3-argument1")).toBe('"either:" gemma-value');
    expect(rules.get("tool3-argument2")).toBe('"ratio:" tool3-argument2-root');
    expect(rules.get("tool3-argument3")).toBe('"flag:" tool3-argument3-root');
    expect(rules.get("tool3-argument4")).toBe('"level:" tool3-argument4-root');
    expect(rules.get("tool3-argument5")).toBe('"pick:" gemma-value');
    expect(schemas.map((schema) => (schema as { type?: unknown }).type ?? "enum")).toEqual(["number", "number", "boolean", "enum"]);
    expect(rules.get("gemma-value")).toContain("gemma-array | gemma-object");
    expect(rules.get("gemma-text-0")).toBeDefined();
    expect(rules.get("tool4-arguments")).toBe('((gemma-key ":" gemma-value) ("," (gemma-key ":" gemma-value))*)?');
  });

  it("separates arguments with `,`, in any order, required ones each once, optional ones anywhere", () => {
    for (const order of [[2, 0], [0, 2], [1, 0, 3, 2], [3, 3, 2, 1, 0], [0, 1, 2]]) expect(accepts(rules, "tool0-arguments", items(0, order)), String(order)).toBe(true);
    for (const order of [[0], [1, 3], [2, 2, 0], [0, 2, 0], []]) expect(accepts(rules, "tool0-arguments", items(0, order)), String(order)).toBe(false);
    expect(accepts(rules, "tool0-arguments", ["tool0-argument0", "tool0-argument2"])).toBe(false);
    expect(accepts(rules, "tool0-arguments", [",", ...items(0, [0, 2])])).toBe(false);
    for (const order of permutations([0, 1, 2, 3])) expect(accepts(rules, "tool1-arguments", items(1, order))).toBe(true);
    expect(accepts(rules, "tool2-arguments", items(2, [5, 4, 3, 5, 2, 1, 0, 5]))).toBe(true);
    expect(accepts(rules, "tool2-arguments", items(2, [4, 3, 2, 1, 0]))).toBe(true);
    expect(accepts(rules, "tool2-arguments", items(2, [0, 1, 2, 3, 4]))).toBe(false);
    expect(accepts(rules, "tool3-arguments", [])).toBe(true);
    expect(accepts(rules, "tool3-arguments", items(3, [3, 0, 0]))).toBe(true);
    expect(accepts(rules, "tool3-arguments", ["tool3-argument3", "tool3-argument0"])).toBe(false);
    expect(rules.get("tool5-arguments")).toBe('""');
  });
});
