import { Gemma4ChatWrapper, LlamaText, QwenChatWrapper, SpecialTokensText, type ChatHistoryItem, type ChatWrapperSettings } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { perArgumentCalls } from "../../../src/engine/per-argument-calls/per-argument-calls-wrapper.js";
import { perArgumentCallSyntax, renderPerArgumentCall, renderValue } from "../../../src/models/chat-format/per-argument-call-syntax.js";
import { dictsorted, renderGemmaValue } from "../../../src/models/chat-format/gemma-notation.js";

/** Settings as node-llama-cpp's wrappers hold them: the call's markup as special tokens, the rest as text. */
function settingsOf(prefix: string | LlamaText, paramsPrefix: string | LlamaText, suffix: string | LlamaText): ChatWrapperSettings {
  const { settings } = new QwenChatWrapper();
  return { ...settings, functions: { ...settings.functions, call: { optionalPrefixSpace: true, prefix, paramsPrefix, suffix, emptyCallParamsPlaceholder: {} } } };
}

const special = (text: string): LlamaText => LlamaText(new SpecialTokensText(text));
const qwenSettings = settingsOf(special("<tool_call>\n<function="), ">\n<parameter=params>\n", special("\n</parameter>\n</function>\n</tool_call>"));
// As node-llama-cpp's Jinja wrapper learns GLM-4.5's template: by rendering a call with one argument named `params`.
const glmSettings = settingsOf(LlamaText(special("<tool_call>")), LlamaText([special("<arg_key>"), "params", special("</arg_key><arg_value>")]), special("</arg_value></tool_call>"));

describe("perArgumentCallSyntax", () => {
  it("finds Qwen's per-argument syntax in the settings of node-llama-cpp's Qwen 3.5 wrapper and of a template like it", () => {
    for (const settings of [new QwenChatWrapper({ variation: "3.5" }).settings, qwenSettings]) {
      expect(perArgumentCallSyntax(settings)).toEqual({
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
      });
    }
  });

  it("finds GLM's per-argument syntax, whatever of the settings is text or special tokens", () => {
    const expected = { name: "glm-xml", callOpen: "<tool_call>", callTag: "<tool_call>", nameClose: "", keyOpen: "<arg_key>", keyClose: "</arg_key><arg_value>" };
    expect(perArgumentCallSyntax(glmSettings)).toMatchObject({ ...expected, valueClose: "</arg_value>", callClose: "</tool_call>", betweenCalls: "" });
    expect(perArgumentCallSyntax(settingsOf("<tool_call>", "<arg_key>params</arg_key><arg_value>", "</arg_value></tool_call>"))?.name).toBe("glm-xml");
  });

  it("finds Gemma 4's syntax in the settings of node-llama-cpp's Gemma 4 wrapper, and none if a part differs", () => {
    expect(perArgumentCallSyntax(new Gemma4ChatWrapper().settings)).toEqual({
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
    });
    expect(perArgumentCallSyntax(settingsOf("<|tool_call>call:", "{", "}<tool_call|>"))?.name).toBe("gemma");
    expect(perArgumentCallSyntax(settingsOf("<|tool_call>call:", "(", "}<tool_call|>"))).toBeUndefined();
    expect(perArgumentCallSyntax(settingsOf("<|tool_call>call:", "{", "}"))).toBeUndefined();
  });

  it("finds none in a JSON call format (Qwen 2.5 / Qwen 3) or in one that differs in any part", () => {
    expect(perArgumentCallSyntax(new QwenChatWrapper().settings)).toBeUndefined();
    expect(perArgumentCallSyntax(settingsOf("<tool_call>\n<function=", ">\n<parameter=input>\n", "\n</parameter>\n</function>\n</tool_call>"))).toBeUndefined();
    expect(perArgumentCallSyntax(settingsOf("<tool_call>\n<function=", ">\n<parameter=params>\n", "\n</parameter>\n</function>"))).toBeUndefined();
    expect(perArgumentCallSyntax(settingsOf("<tool_call>", "<arg_key>params</arg_key><arg_value>", "</arg_value>\n</tool_call>"))).toBeUndefined();
    expect(perArgumentCallSyntax(settingsOf("\n<tool_call>", "<arg_key>params</arg_key><arg_value>", "</arg_value></tool_call>"))).toBeUndefined();
  });
});

describe("renderPerArgumentCall", () => {
  const qwen = perArgumentCallSyntax(qwenSettings);
  const glm = perArgumentCallSyntax(glmSettings);
  if (qwen === undefined || glm === undefined) throw new Error("syntaxes not found");
  const input = { path: "a <b>.txt", count: 3, flag: false, list: [1, "x"], nested: { k: null } };

  it("writes each argument on its own, strings raw and the rest as JSON, as the templates do", () => {
    expect(renderPerArgumentCall(qwen, "Write", input).toString()).toBe(
      "<tool_call>\n<function=Write>\n" +
        "<parameter=path>\na <b>.txt\n</parameter>\n<parameter=count>\n3\n</parameter>\n<parameter=flag>\nfalse\n</parameter>\n" +
        '<parameter=list>\n[1, "x"]\n</parameter>\n<parameter=nested>\n{"k": null}\n</parameter>\n' +
        "</function>\n</tool_call>",
    );
    expect(renderPerArgumentCall(glm, "Write", input).toString()).toBe(
      "<tool_call>Write<arg_key>path</arg_key><arg_value>a <b>.txt</arg_value><arg_key>count</arg_key><arg_value>3</arg_value>" +
        "<arg_key>flag</arg_key><arg_value>false</arg_value><arg_key>list</arg_key><arg_value>[1, \"x\"]</arg_value>" +
        '<arg_key>nested</arg_key><arg_value>{"k": null}</arg_value></tool_call>',
    );
  });

  it("writes the markup as special tokens and the name, keys and values as text, so a value's tags stay text", () => {
    const rendered = renderPerArgumentCall(glm, "Run", { "<tool_call>": "</tool_call>" });
    const tokens = rendered.values.filter((value) => value instanceof SpecialTokensText).map((value) => value.value);
    const texts = rendered.values.filter((value) => typeof value === "string");
    expect(tokens.join("")).toBe("<tool_call><arg_key></arg_key><arg_value></arg_value></tool_call>");
    expect(texts).toEqual(["Run", "<tool_call>", "</tool_call>"]);
  });

  it("writes a call without arguments for an input that is not an object", () => {
    for (const value of [undefined, null, "text", [1, 2], {}]) expect(renderPerArgumentCall(qwen, "Stop", value).toString()).toBe("<tool_call>\n<function=Stop>\n</function>\n</tool_call>");
  });

  it("renderValue: strings raw, everything else JSON as the templates' tojson writes it (`, ` and `: `)", () => {
    expect([renderValue("x\n\"y\""), renderValue(1.5), renderValue(true), renderValue(null), renderValue(["a", 1]), renderValue({ a: "b", c: [{ d: "é<" }] })]).toEqual([
      'x\n"y"',
      "1.5",
      "true",
      "null",
      '["a", 1]',
      '{"a": "b", "c": [{"d": "é<"}]}',
    ]);
  });
});

describe("renderPerArgumentCall (Gemma 4)", () => {
  const gemma = perArgumentCallSyntax(new Gemma4ChatWrapper().settings);
  if (gemma === undefined) throw new Error("syntax not found");

  it("writes keys bare in dictsort order, strings between delimiter tokens, the rest in Gemma's notation", () => {
    const input = { path: "a <b>.txt", Count: 3, flag: false, list: [1, "x"], nested: { z: null, a: { "b c": "d" } }, empty: [] };
    const rendered = renderPerArgumentCall(gemma, "Write", input);
    expect(rendered.toString()).toBe(
      '<|tool_call>call:Write{Count:3,empty:[],flag:false,list:[1,<|"|>x<|"|>],nested:{a:{b c:<|"|>d<|"|>},z:null},path:<|"|>a <b>.txt<|"|>}<tool_call|>',
    );
    const tokens = rendered.values.filter((value) => value instanceof SpecialTokensText).map((value) => value.value);
    expect(tokens).toContain('<|"|>');
    expect(rendered.values.filter((value) => typeof value === "string")).toContain("a <b>.txt");
    // For reply models, the delimiters as text.
    const asText = renderPerArgumentCall(gemma, "Write", { path: "a" }, true);
    expect(asText.values.filter((value) => typeof value === "string").join("")).toContain('<|"|>a<|"|>');
    expect(renderPerArgumentCall(gemma, "Stop", undefined).toString()).toBe("<|tool_call>call:Stop{}<tool_call|>");
  });

  it("renderGemmaValue and dictsorted: as the template's format_argument and Jinja's dictsort", () => {
    expect(renderGemmaValue({}).toString()).toBe("{}");
    expect(renderGemmaValue(-1.5e-7).toString()).toBe("-1.5e-7");
    expect(renderGemmaValue(true).toString()).toBe("true");
    expect(dictsorted({ b: 1, B: 2, a: 3, _: 4 }).map(([key]) => key)).toEqual(["_", "a", "b", "B"]);
  });
});

describe("perArgumentCalls", () => {
  const history: ChatHistoryItem[] = [
    { type: "user", text: "write it" },
    { type: "model", response: [{ type: "functionCall", name: "Write", params: { path: "a.txt", content: "x\ny" }, result: "ok" }, "done"] },
  ];
  const functions = { Write: { params: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } } } } } as const;

  it("renders the calls of past turns one argument at a time in a per-argument format, through the wrapper's own rendering", () => {
    const wrapper = new QwenChatWrapper({ variation: "3.5" });
    const view = perArgumentCalls(wrapper);
    expect(view).not.toBe(wrapper);
    expect(view.settings).toBe(wrapper.settings);
    const context = view.generateContextState({ chatHistory: history, availableFunctions: functions }).contextText.toString();
    expect(context).toContain("<tool_call>\n<function=Write>\n<parameter=path>\na.txt\n</parameter>\n<parameter=content>\nx\ny\n</parameter>\n</function>\n</tool_call>");
    expect(context).not.toContain("<parameter=params>");
    // The wrapper itself is left as it was.
    expect(wrapper.generateFunctionCall("Write", { path: "a" }).toString()).toContain("<parameter=params>");
  });

  it("leaves a wrapper of a JSON call format as it is", () => {
    const wrapper = new QwenChatWrapper();
    expect(perArgumentCalls(wrapper)).toBe(wrapper);
  });
});
