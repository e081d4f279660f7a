import { getLlama, LlamaGrammar, LlamaJsonSchemaGrammar, LlamaLogLevel, type Llama } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gbnfLiteral, gbnfTextUntil } from "../../src/engine/per-argument-calls/gbnf.js";
import { perArgumentCallGrammar } from "../../src/engine/per-argument-calls/per-argument-call-grammar.js";
import { PerArgumentCallParser } from "../../src/engine/per-argument-calls/per-argument-call-parser.js";
import { toPerArgumentTool } from "../../src/engine/per-argument-calls/per-argument-tool.js";
import { toGrammarSchema } from "../../src/engine/tool-schema/to-grammar-schema.js";
import { renderPerArgumentCall, type PerArgumentCallSyntax } from "../../src/models/chat-format/per-argument-call-syntax.js";
import { glmXmlSyntax, qwenXmlSyntax } from "../helpers/per-argument-syntaxes.js";

// llama.cpp's own grammar parser and matcher (no model): the per-argument grammar compiles, accepts the calls the
// renderer writes and the parser reads back, and refuses calls that break the tools' schemas.

/** `LlamaGrammar._testText` (internal): whether llama.cpp's grammar matches the whole text. */
type TestableGrammar = LlamaGrammar & { _testText(text: string): boolean };

const syntaxes = [qwenXmlSyntax, glmXmlSyntax];

let llama: Llama;
beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
});
afterAll(async () => {
  await llama?.dispose();
});

const schema = {
  type: "object",
  properties: {
    path: { type: "string" },
    content: { type: "string" },
    count: { type: "integer" },
    tags: { type: "array", items: { type: "string" } },
    either: { type: ["string", "number"] },
    mode: { enum: ["fast", "slow"] },
  },
  required: ["path", "content"],
};
const tools = [toPerArgumentTool("Write", toGrammarSchema(schema, "tools.0.input_schema"), schema.required)];

/** The grammar as generatePerArgumentCalls compiles it: from after the call's tag. */
function grammarFor(syntax: PerArgumentCallSyntax): TestableGrammar {
  const rules = perArgumentCallGrammar({ syntax, tools, parallel: true, jsonGrammar: (json) => new LlamaJsonSchemaGrammar(llama, json as never).grammar });
  const grammar = [`start ::= ${gbnfLiteral(syntax.callOpen.slice(syntax.callTag.length))} root`, rules].join("\n");
  return new LlamaGrammar(llama, { grammar, rootRuleName: "start" }) as TestableGrammar;
}

const accepted = [
  { content: "line\n<b>\"quoted\" \\ é 😀</b>", path: "a.txt" },
  { path: "a", content: "b", count: -3, tags: ["</arg_value>", "\n</parameter>\n", "q\""], either: 5, mode: "slow" },
  { path: "a", content: "b", either: "text </tool_call>" },
];
const refused = [{ path: "a" }, { path: "a", content: "b", mode: "other" }, { path: "a", content: "b", count: "x" }, { path: "a", content: "b", tags: "x" }];

for (const syntax of syntaxes) {
  describe(`per-argument call grammar under llama.cpp (${syntax.name})`, () => {
    it("accepts the calls the renderer writes, one or several, and the parser reads their inputs back", () => {
      const grammar = grammarFor(syntax);
      const text = accepted.map((input) => renderPerArgumentCall(syntax, "Write", input).toString()).join(syntax.betweenCalls).slice(syntax.callTag.length);
      expect(grammar._testText(text)).toBe(true);
      const completed: unknown[] = [];
      new PerArgumentCallParser(syntax, tools, { addParameters: () => {}, complete: (_name, input) => completed.push(input) }).feed(text);
      expect(completed).toEqual(accepted);
    });

    it("refuses a call without a required argument, with a choice it does not list, or with a value of another type", () => {
      const grammar = grammarFor(syntax);
      for (const input of refused) expect(grammar._testText(renderPerArgumentCall(syntax, "Write", input).toString().slice(syntax.callTag.length)), JSON.stringify(input)).toBe(false);
      expect(grammar._testText(renderPerArgumentCall(syntax, "Other", { path: "a", content: "b" }).toString().slice(syntax.callTag.length))).toBe(false);
    });
  });
}

it("compiles raw-text rules for a closing text of GBNF's special characters", () => {
  const grammar = new LlamaGrammar(llama, { grammar: `root ::= value-0\n${gbnfTextUntil("value", 'a"]\\-^[b')}` }) as TestableGrammar;
  expect(["", 'x^-]"[\\', 'a"]\\-^['].map((text) => grammar._testText(text))).toEqual([true, true, true]);
  expect(grammar._testText('a"]\\-^[b')).toBe(false);
});
