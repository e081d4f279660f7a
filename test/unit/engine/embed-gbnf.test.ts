import { describe, expect, it } from "vitest";
import { embedGbnf } from "../../../src/engine/per-argument-calls/embed-gbnf.js";

// The shape of node-llama-cpp's JSON grammar for `{a: number | null, b: "x" | "y"}` (getGbnfGrammarForGbnfJsonSchema).
const jsonGrammar = [
  String.raw`root ::= "{" whitespace-b-1-4-rule "\"a\"" ":" [ ]? rule0 comma-whitespace-b-1-4-rule "\"b\"" ":" [ ]? rule1 whitespace-b-0-4-rule "}" "\n\n\n\n" [\n]*`,
  String.raw`fractional-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?`,
  String.raw`null-rule ::= "null"`,
  String.raw`rule0 ::= ( fractional-number-rule | null-rule )`,
  String.raw`comma-whitespace-b-1-4-rule ::= "," ([\n] ("    " | "\t") | [ ]?)`,
  String.raw`val0 ::= "\"x\""`,
  String.raw`val1 ::= "\"y\""`,
  String.raw`rule1 ::= ( val0 | val1 )`,
  String.raw`string-char-rule ::= [^"\\\x7F\x00-\x1F] | "\\" ["\\/bfnrt] | "\\u" [0-9a-fA-F]{4}`,
  String.raw`whitespace-b-1-4-rule ::= [\n] ("    " | "\t") | [ ]?`,
  String.raw`whitespace-b-0-4-rule ::= [\n] | [ ]?`,
  "",
].join("\n");

describe("embedGbnf", () => {
  it("renames every rule and every reference with the prefix, its root too, and cuts the blank lines after root", () => {
    expect(embedGbnf(jsonGrammar, "t0-a1-").split("\n")).toEqual([
      String.raw`t0-a1-root ::= "{" t0-a1-whitespace-b-1-4-rule "\"a\"" ":" [ ]? t0-a1-rule0 t0-a1-comma-whitespace-b-1-4-rule "\"b\"" ":" [ ]? t0-a1-rule1 t0-a1-whitespace-b-0-4-rule "}"`,
      String.raw`t0-a1-fractional-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?`,
      String.raw`t0-a1-null-rule ::= "null"`,
      String.raw`t0-a1-rule0 ::= ( t0-a1-fractional-number-rule | t0-a1-null-rule )`,
      String.raw`t0-a1-comma-whitespace-b-1-4-rule ::= "," ([\n] ("    " | "\t") | [ ]?)`,
      String.raw`t0-a1-val0 ::= "\"x\""`,
      String.raw`t0-a1-val1 ::= "\"y\""`,
      String.raw`t0-a1-rule1 ::= ( t0-a1-val0 | t0-a1-val1 )`,
      String.raw`t0-a1-string-char-rule ::= [^"\\\x7F\x00-\x1F] | "\\" ["\\/bfnrt] | "\\u" [0-9a-fA-F]{4}`,
      String.raw`t0-a1-whitespace-b-1-4-rule ::= [\n] ("    " | "\t") | [ ]?`,
      String.raw`t0-a1-whitespace-b-0-4-rule ::= [\n] | [ ]?`,
    ]);
  });

  it("leaves rule names inside literals and character classes, escaped quotes and brackets included, as they are", () => {
    const grammar = [String.raw`root ::= "rule \" rule" rule "\\" rule [rule\]] rule [^"] "[" rule`, `rule ::= "root" "]" rule-x`, `rule-x ::= "x"`].join("\n");
    expect(embedGbnf(grammar, "p-").split("\n")).toEqual([
      String.raw`p-root ::= "rule \" rule" p-rule "\\" p-rule [rule\]] p-rule [^"] "[" p-rule`,
      `p-rule ::= "root" "]" p-rule-x`,
      `p-rule-x ::= "x"`,
    ]);
  });

  it("cuts the blank lines only at the end of root", () => {
    const grammar = [String.raw`root ::= item "\n\n\n\n" [\n]* item`, String.raw`item ::= "a" "\n\n\n\n" [\n]*`].join("\n");
    expect(embedGbnf(grammar, "p-")).toBe([String.raw`p-root ::= p-item "\n\n\n\n" [\n]* p-item`, String.raw`p-item ::= "a" "\n\n\n\n" [\n]*`].join("\n"));
  });
});
