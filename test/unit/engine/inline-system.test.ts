import {
  ChatMLChatWrapper,
  DeepSeekChatWrapper,
  FalconChatWrapper,
  FunctionaryChatWrapper,
  GemmaChatWrapper,
  GeneralChatWrapper,
  HarmonyChatWrapper,
  JinjaTemplateChatWrapper,
  Llama3_1ChatWrapper,
  Llama3_2LightweightChatWrapper,
  Llama3ChatWrapper,
  MistralChatWrapper,
  QwenChatWrapper,
  type ChatWrapper,
} from "node-llama-cpp";
import type { Tokenizer } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { ChatTemplateError } from "../../../src/engine/engine-errors.js";
import type { PromptRequest } from "../../../src/engine/generation-request.js";
import { renderPrompt } from "../../../src/engine/llama/render-prompt.js";
import type { ConversationTurn } from "../../../src/engine/generation-request.js";
import { toChatHistory } from "../../../src/engine/llama/chat-history.js";
import { foldInlineSystemTurns } from "../../../src/engine/llama/fold-inline-system-turns.js";
import { inlineSystemPlacement } from "../../../src/engine/llama/inline-system-placement.js";
import { chatMlTemplate } from "../../../src/models/generator/chatml-template.js";

const text = (value: string) => ({ type: "text", text: value }) as const;
const environment: ConversationTurn = { role: "system", text: "# Environment\ncwd: /tmp/a" };
const call = { type: "tool-call", id: "toolu_1", name: "Bash", input: { command: "ls" } } as const;
const result = { type: "tool-result", toolCallId: "toolu_1", content: "a.txt", isError: false } as const;

/** Qwen 3's template raises on a system message that is not first; this is that check on a ChatML template. */
const raisingTemplate =
  "{% for message in messages %}{% if message['role'] == 'system' and not loop.first %}{{ raise_exception('System message must be at the beginning.') }}{% endif %}" +
  "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

describe("a system turn inside the conversation", () => {
  it("renders as a system item where it stands, closing the open model response", () => {
    const turns: ConversationTurn[] = [
      { role: "user", parts: [text("Say hello")] },
      environment,
      { role: "assistant", parts: [call] },
      { role: "user", parts: [result] },
      { role: "system", text: "Reminder" },
      { role: "assistant", parts: [text("Done")] },
    ];
    expect(toChatHistory({ system: "Top", turns })).toEqual([
      { type: "system", text: "Top" },
      { type: "user", text: "Say hello" },
      { type: "system", text: environment.text },
      { type: "model", response: [{ type: "functionCall", name: "Bash", params: { command: "ls" }, result: "a.txt" }] },
      { type: "system", text: "Reminder" },
      { type: "model", response: ["Done"] },
    ]);
  });

  it("folds into the end of the user turn before it (after its tool results), else the start of the one after", () => {
    expect(
      foldInlineSystemTurns([{ role: "user", parts: [text("Say hello")] }, environment, { role: "assistant", parts: [call] }, { role: "user", parts: [result] }, { role: "system", text: "R" }]),
    ).toEqual([
      { role: "user", parts: [text("Say hello"), text(environment.text)] },
      { role: "assistant", parts: [call] },
      { role: "user", parts: [result, text("R")] },
    ]);
    expect(foldInlineSystemTurns([environment, { role: "user", parts: [text("Hi")] }])).toEqual([{ role: "user", parts: [text(environment.text), text("Hi")] }]);
    expect(foldInlineSystemTurns([{ role: "assistant", parts: [text("A")] }, environment, { role: "assistant", parts: [text("B")] }])).toEqual([
      { role: "assistant", parts: [text("A")] },
      { role: "user", parts: [text(environment.text)] },
      { role: "assistant", parts: [text("B")] },
    ]);
  });

  // Which chat formats render a system message after a user message where it stands (see the lead's report).
  it.each<[string, "in-place" | "fold", ChatWrapper]>([
    ["ChatML", "in-place", new ChatMLChatWrapper()],
    ["Qwen", "in-place", new QwenChatWrapper()],
    ["Llama 3", "in-place", new Llama3ChatWrapper()],
    ["Llama 3.1", "in-place", new Llama3_1ChatWrapper()],
    ["Llama 3.2 lightweight", "in-place", new Llama3_2LightweightChatWrapper()],
    ["Functionary", "in-place", new FunctionaryChatWrapper()],
    ["Gemma (as a user message, in order)", "in-place", new GemmaChatWrapper()],
    ["Harmony", "in-place", new HarmonyChatWrapper()],
    ["Falcon", "in-place", new FalconChatWrapper()],
    ["General", "in-place", new GeneralChatWrapper()],
    ["Jinja: the built-in vocabulary's ChatML template", "in-place", new JinjaTemplateChatWrapper({ template: chatMlTemplate })],
    ["Mistral (moves it to the last user message)", "fold", new MistralChatWrapper()],
    ["DeepSeek (gathers system text at the top)", "fold", new DeepSeekChatWrapper()],
    ["Jinja: a template that raises on a non-leading system message", "fold", new JinjaTemplateChatWrapper({ template: raisingTemplate })],
  ])("%s: %s", (_name, placement, wrapper) => {
    expect(inlineSystemPlacement(wrapper)).toBe(placement);
  });

  it("a chat format that raises on what it refuses is the request's error (ChatTemplateError), not the server's", () => {
    // node-llama-cpp renders Jinja templates on placeholder texts and retries a raising one with system messages
    // made user ones, so few refusals get through; one that does is this wrapper's.
    class RefusingWrapper extends ChatMLChatWrapper {
      override generateContextState(): never {
        throw new Error("No user query found in messages.");
      }
    }
    const request: PromptRequest = { system: "Top", turns: [{ role: "user", parts: [text("Say hello")] }], tools: [], toolChoice: { type: "auto", disableParallelToolUse: false }, thinking: { type: "default" } };
    const tokenizer = ((input: unknown) => [...String(input)].map((character) => character.charCodeAt(0))) as unknown as Tokenizer;
    expect(() => renderPrompt(request, new RefusingWrapper(), tokenizer)).toThrow(ChatTemplateError);
    expect(() => renderPrompt(request, new RefusingWrapper(), tokenizer)).toThrow("the model's chat template cannot render this conversation: No user query found in messages.");
  });

  it("a folded conversation renders through a raising Jinja template with the leading system prompt still a system message", () => {
    const wrapper = new JinjaTemplateChatWrapper({ template: raisingTemplate });
    const turns = foldInlineSystemTurns([{ role: "user", parts: [text("Say hello")] }, environment]);
    const rendered = wrapper.generateContextState({ chatHistory: [...toChatHistory({ system: "Top", turns }), { type: "model", response: [] }] }).contextText.toString();
    expect(rendered).toBe(`<|im_start|>system\nTop<|im_end|>\n<|im_start|>user\nSay hello\n\n${environment.text}<|im_end|>\n<|im_start|>assistant\n`);
  });
});
