import { ChatMLChatWrapper, JinjaTemplateChatWrapper, QwenChatWrapper, type ChatWrapper, type Tokenizer } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { ChatTemplateError } from "../../../src/engine/engine-errors.js";
import type { ConversationTurn, PromptRequest, ToolChoice, ToolDefinition } from "../../../src/engine/generation-request.js";
import { renderPrompt } from "../../../src/engine/llama/render-prompt.js";
import { toGrammarSchema } from "../../../src/engine/tool-schema/to-grammar-schema.js";
import { chatMlTemplate } from "../../../src/models/generator/chatml-template.js";

/** One token per character, special or not (the BOS token reads "BOS"): the rendered text reads back from the tokens. */
const tokenizer = ((input: unknown) => [...String(input)].map((character) => character.charCodeAt(0))) as unknown as Tokenizer;
const readBack = (tokens: readonly number[]): string => String.fromCharCode(...tokens);

const text = (value: string) => ({ type: "text", text: value }) as const;
const bash: ToolDefinition = {
  name: "Bash",
  description: "Runs a shell command",
  inputSchema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};
const auto: ToolChoice = { type: "auto", disableParallelToolUse: false };

function request(turns: ConversationTurn[], more: Partial<PromptRequest> = {}): PromptRequest {
  return { system: "Top", turns, tools: [], toolChoice: auto, thinking: { type: "default" }, ...more };
}

const render = (prompt: PromptRequest, wrapper: ChatWrapper = new ChatMLChatWrapper(), placement?: "in-place" | "fold") => {
  const rendered = renderPrompt(prompt, wrapper, tokenizer, placement);
  return { rendered, text: readBack(rendered.tokens) };
};

describe("renderPrompt", () => {
  it("renders the conversation with an open model response, which the history LlamaChat gets leaves out", () => {
    const { rendered, text: prompt } = render(request([{ role: "user", parts: [text("Hi")] }]));
    expect(prompt).toBe("BOS<|im_start|>system\nTop<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    expect(rendered.history).toEqual([
      { type: "system", text: "Top" },
      { type: "user", text: "Hi" },
    ]);
    expect(rendered.tools.functions).toBeUndefined();
    expect("responseGrammar" in rendered).toBe(false);
    // A Jinja template (most GGUFs' own) opens the response only when the history ends with a model item.
    const jinja = render(request([{ role: "user", parts: [text("Hi")] }]), new JinjaTemplateChatWrapper({ template: chatMlTemplate }));
    expect(jinja.text.endsWith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")).toBe(true);
  });

  it("continues a conversation that ends with the assistant's own start, without closing it", () => {
    const { rendered, text: prompt } = render(request([{ role: "user", parts: [text("Hi")] }, { role: "assistant", parts: [text("Sure,")] }]));
    expect(prompt).toBe("BOS<|im_start|>system\nTop<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nSure,");
    expect(rendered.history.at(-1)).toEqual({ type: "model", response: ["Sure,"] });
  });

  it("keeps a system turn where it stands, or folds it into the user turn for formats that cannot place it", () => {
    const turns: ConversationTurn[] = [{ role: "user", parts: [text("Hi")] }, { role: "system", text: "Env" }];
    expect(render(request(turns)).text).toBe("BOS<|im_start|>system\nTop<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>system\nEnv<|im_end|>\n<|im_start|>assistant\n");
    expect(render(request(turns), new ChatMLChatWrapper(), "fold").text).toBe(
      "BOS<|im_start|>system\nTop<|im_end|>\n<|im_start|>user\nHi\n\nEnv<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  it("documents the tools in the prompt and passes them to LlamaChat, unless the choice is none", () => {
    const withTools = render(request([{ role: "user", parts: [text("List files")] }], { tools: [bash] }));
    expect(withTools.text).toContain("Runs a shell command");
    expect(Object.keys(withTools.rendered.tools.functions ?? {})).toEqual(["Bash"]);
    const none = render(request([{ role: "user", parts: [text("List files")] }], { tools: [bash], toolChoice: { type: "none" } }));
    expect(none.text).not.toContain("Runs a shell command");
    expect(none.rendered.tools.functions).toBeUndefined();
  });

  it("ends the prompt with the call tag when a per-argument format's call is forced, and only then", () => {
    const qwen = new QwenChatWrapper({ variation: "3.5" });
    const turns: ConversationTurn[] = [{ role: "user", parts: [text("List files")] }];
    const forced = render(request(turns, { tools: [bash], toolChoice: { type: "any", disableParallelToolUse: false } }), qwen);
    expect(forced.text.endsWith("<|im_start|>assistant\n<tool_call>")).toBe(true);
    const free = render(request(turns, { tools: [bash] }), qwen);
    expect(free.text.endsWith("<|im_start|>assistant\n")).toBe(true);
    expect(free.text.length).toBeLessThan(forced.text.length);
  });

  it("constrains the reply to the response schema unless a tool call is forced", () => {
    const responseSchema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const turns: ConversationTurn[] = [{ role: "user", parts: [text("Answer")] }];
    const grammar = toGrammarSchema(responseSchema, "output_config.format.schema");
    expect(grammar).toMatchObject({ additionalProperties: false });
    expect(render(request(turns, { responseSchema })).rendered.responseGrammar).toEqual(grammar);
    // Under auto the schema wins: LlamaChat cannot take a grammar and functions at once.
    expect(render(request(turns, { responseSchema, tools: [bash] })).rendered.responseGrammar).toEqual(grammar);
    const any = { type: "any", disableParallelToolUse: false } as const;
    expect("responseGrammar" in render(request(turns, { responseSchema, tools: [bash], toolChoice: any })).rendered).toBe(false);
    expect("responseGrammar" in render(request(turns, { responseSchema, tools: [bash], toolChoice: any }), new QwenChatWrapper({ variation: "3.5" })).rendered).toBe(false);
  });

  it("reports a template's refusal that is not an Error by its text", () => {
    class RefusingWrapper extends ChatMLChatWrapper {
      override generateContextState(): never {
        throw "no user message";
      }
    }
    const prompt = request([{ role: "user", parts: [text("Hi")] }]);
    expect(() => renderPrompt(prompt, new RefusingWrapper(), tokenizer)).toThrow(ChatTemplateError);
    expect(() => renderPrompt(prompt, new RefusingWrapper(), tokenizer)).toThrow("no user message");
  });
});
