import { readFile } from "node:fs/promises";
import type Anthropic from "@anthropic-ai/sdk";
import { Template } from "@huggingface/jinja";
import { getLlama, LlamaLogLevel, resolveChatWrapper, type Llama, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerationRequest, ToolDefinition } from "../../src/engine/generation-request.js";
import { compilePerArgumentCallGrammar } from "../../src/engine/llama/compile-per-argument-call-grammar.js";
import { planToolCalls } from "../../src/engine/llama/plan-tool-calls.js";
import { renderPrompt } from "../../src/engine/llama/render-prompt.js";
import { perArgumentCalls } from "../../src/engine/per-argument-calls/per-argument-calls-wrapper.js";
import { claudeCodeTools } from "../fixtures/claude-code-tools.js";
import { families, familyReplyModelPath, familyVocabularyPath, type FamilyName } from "../helpers/family-test-models.js";
import { llamaBundleFile } from "../helpers/llama-bundle-file.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";

/**
 * Families whose templates write each argument of a call on its own (issue #14): what such a model writes is parsed
 * into exactly the input, streamed as JSON, forced, and rendered back the same way on the next turn. The reply
 * models write the family's own syntax, so the parser meets what the model writes, not what we render.
 */
const content = 'const tag = "<b>";\n// a </parameter> inside a line is text\nif (tag.length < 2) {\n  console.log("ü \\" 🙂");\n}\n';
const input = { file_path: "/work/src/a.ts", content, mode: 420, overwrite: true, tags: ["x", "y"] };
const writeTool: Anthropic.Tool = {
  name: "Write",
  description: "Writes a file.",
  input_schema: {
    type: "object",
    properties: {
      file_path: { type: "string" },
      content: { type: "string" },
      mode: { type: "integer" },
      overwrite: { type: "boolean" },
      tags: { type: "array", items: { type: "string" } },
      note: { type: "string" },
    },
    required: ["content"],
  },
};
const readTool: Anthropic.Tool = {
  name: "Read",
  description: "Reads a file.",
  input_schema: { type: "object", properties: { file_path: { type: "string" } }, required: ["file_path"] },
};
const text = "Writing the file.";
const system = `You write code. ${"Keep every file small. ".repeat(20)}`;
const ask = (extra: Record<string, unknown> = {}): Anthropic.MessageCreateParamsNonStreaming =>
  ({ model: "m", max_tokens: 400, system, tools: [readTool, writeTool], messages: [{ role: "user", content: "Write a.ts." }], ...extra }) as Anthropic.MessageCreateParamsNonStreaming;
const toolUses = (message: Anthropic.Message) => message.content.flatMap((block) => (block.type === "tool_use" ? [{ name: block.name, input: block.input }] : []));

/**
 * A reply model follows each real token one way only, and GLM's markup is real tokens (`<arg_key>` and the rest): its
 * reply has one argument. Qwen's is text between `<tool_call>` and `</tool_call>`, so its reply has them all. So has
 * Gemma 4's: its string delimiter token, which each string would follow two ways, is written as text by its reply model.
 */
const cases = [
  // Qwen 3.5 opens its reasoning on every response's start: its reply model reasons first, as the model does.
  { family: "qwen3.5", input, thinking: [{ type: "thinking", thinking: "A small file." }] },
  { family: "glm-4.7-flash", input: { content }, thinking: [] },
  { family: "gemma-4", input, thinking: [] },
] as const;

describe.each(cases)("per-argument calls through the server: $family", { timeout: 180_000 }, ({ family, input, thinking }) => {
  let server: TestServer;
  beforeAll(async () => {
    const reply = [...thinking, { type: "text", text }, { type: "tool_use", name: "Write", input }];
    server = await startTestServer(await familyReplyModelPath(family, reply), { contextSize: 8192 });
  }, 300_000);
  afterAll(async () => server?.close());

  it("parses the call into exactly the input, after the text (tool_choice auto)", async () => {
    const message = await server.client.messages.create(ask());
    expect(message.stop_reason).toBe("tool_use");
    // The whitespace the format writes before a call is not part of the text.
    expect(message.content.find((block) => block.type === "text")).toMatchObject({ text });
    expect(toolUses(message)).toEqual([{ name: "Write", input }]);
  });

  it("streams the input as JSON that parses to exactly the input", async () => {
    const stream = server.client.messages.stream(ask());
    const parts: string[] = [];
    for await (const event of stream) if (event.type === "content_block_delta" && event.delta.type === "input_json_delta") parts.push(event.delta.partial_json);
    expect(JSON.parse(parts.join(""))).toEqual(input);
    expect((await stream.finalMessage()).stop_reason).toBe("tool_use");
  });

  it("generates the call when forced to (tool_choice tool), its tokens counted as output", async () => {
    const message = await server.client.messages.create(ask({ tool_choice: { type: "tool", name: "Write" } }));
    expect(toolUses(message)).toEqual([{ name: "Write", input }]);
    expect(message.stop_reason).toBe("tool_use");
    // The reply model writes the content byte by byte: well over 100 tokens.
    expect(message.usage.output_tokens).toBeGreaterThan(100);
  });

  it("a single call (parallel use disabled) ends on its closing token: no end of turn is sampled and counted", async () => {
    const single = await server.client.messages.create(ask({ tool_choice: { type: "tool", name: "Write", disable_parallel_tool_use: true } }));
    const parallel = await server.client.messages.create(ask({ tool_choice: { type: "tool", name: "Write" } }));
    expect(single.stop_reason).toBe("tool_use");
    // With more calls allowed, the end of turn after the call is the model's choice, sampled and counted; with one,
    // the grammar allows nothing else. So max_tokens equal to the call's own tokens still returns the whole call.
    expect(single.usage.output_tokens).toBe(parallel.usage.output_tokens - 1);
    const exact = await server.client.messages.create(
      ask({ tool_choice: { type: "tool", name: "Write", disable_parallel_tool_use: true }, max_tokens: single.usage.output_tokens }),
    );
    expect(exact.stop_reason).toBe("tool_use");
    expect(toolUses(exact)).toEqual([{ name: "Write", input }]);
  });

  it("a call cut by max_tokens ends with max_tokens, never tool_use", async () => {
    const message = await server.client.messages.create(ask({ tool_choice: { type: "tool", name: "Write" }, max_tokens: 30 }));
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(30);
  });

  it("renders the call on the next turn as it was generated: the whole first turn is reused", async () => {
    const first = await server.client.messages.create(ask());
    const firstPrompt = first.usage.input_tokens + (first.usage.cache_read_input_tokens ?? 0);
    const call = first.content.find((block) => block.type === "tool_use")!;
    const second = await server.client.messages.create(
      ask({
        messages: [
          { role: "user", content: "Write a.ts." },
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "written" }] },
        ],
      }),
    );
    expect(second.usage.cache_read_input_tokens ?? 0).toBeGreaterThanOrEqual(firstPrompt);
  });
});

describe("a reply that mentions the call tag in its text", { timeout: 300_000 }, () => {
  let server: TestServer;
  const mention = "Qwen wraps each call in <tool_call> tags.";
  beforeAll(async () => {
    // The reply model writes its text byte by byte: "<tool_call>" arrives as text, not as the tag's own token.
    server = await startTestServer(await familyReplyModelPath("qwen3.5", [{ type: "thinking", thinking: "Explain." }, { type: "text", text: mention }]), { contextSize: 8192 });
  }, 300_000);
  afterAll(async () => server?.close());

  it("stays text: only the tag's own token starts a call", async () => {
    const message = await server.client.messages.create(ask({ max_tokens: 200 }));
    expect(message.content.filter((block) => block.type === "text").map((block) => (block as Anthropic.TextBlock).text).join("")).toBe(mention);
    expect(message.stop_reason).toBe("end_turn");
  });
});

describe("per-argument calls in the prompt", () => {
  let llama: Llama;
  const models = new Map<FamilyName, LlamaModel>();
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
    for (const family of ["qwen3.5", "qwen3-coder", "glm-4.7-flash", "gemma-4"] as const) {
      models.set(family, await llama.loadModel({ modelPath: await familyVocabularyPath(family), vocabOnly: true }));
    }
  }, 120_000);
  afterAll(async () => {
    for (const model of models.values()) await model.dispose();
  });

  const request = (tools: readonly ToolDefinition[], toolChoice: GenerationRequest["toolChoice"] = { type: "auto", disableParallelToolUse: false }): GenerationRequest => ({
    system: "You write code.",
    turns: [
      { role: "user", parts: [{ type: "text", text: "Write a.ts." }] },
      { role: "assistant", parts: [{ type: "tool-call", id: "call-1", name: "Write", input }] },
      { role: "user", parts: [{ type: "tool-result", toolCallId: "call-1", content: "written", isError: false }] },
    ],
    tools,
    toolChoice,
    thinking: { type: "default" },
    maxTokens: 100,
    sampling: {},
    stopSequences: [],
  });
  const asDefinition = (tool: Anthropic.Tool | (typeof claudeCodeTools)[number]): ToolDefinition => ({
    name: tool.name,
    description: tool.description ?? "",
    inputSchema: tool.input_schema as Record<string, unknown>,
  });

  it.each([
    ["qwen3.5", `<tool_call>\n<function=Write>\n<parameter=file_path>\n/work/src/a.ts\n</parameter>\n<parameter=content>\n${content}\n</parameter>\n<parameter=mode>\n420\n</parameter>\n<parameter=overwrite>\ntrue\n</parameter>\n<parameter=tags>\n["x", "y"]\n</parameter>\n</function>\n</tool_call>`],
    ["qwen3-coder", `<tool_call>\n<function=Write>\n<parameter=file_path>\n/work/src/a.ts\n</parameter>\n<parameter=content>\n${content}\n</parameter>\n`],
    ["glm-4.7-flash", `<tool_call>Write<arg_key>file_path</arg_key><arg_value>/work/src/a.ts</arg_value><arg_key>content</arg_key><arg_value>${content}</arg_value><arg_key>mode</arg_key><arg_value>420</arg_value>`],
    ["gemma-4", `<|tool_call>call:Write{content:<|"|>${content}<|"|>,file_path:<|"|>/work/src/a.ts<|"|>,mode:420,overwrite:true,tags:[<|"|>x<|"|>,<|"|>y<|"|>]}<tool_call|>`],
  ] as const)("%s: a past call is rendered one argument at a time, strings raw", (family, expected) => {
    const model = models.get(family)!;
    const prompt = renderPrompt(request([asDefinition(writeTool)]), perArgumentCalls(resolveChatWrapper(model)), model.tokenizer);
    const rendered = model.detokenize(prompt.tokens, true);
    expect(rendered).toContain(expected);
    expect(rendered).not.toContain("<parameter=params>");
    expect(rendered).not.toContain("<arg_key>params</arg_key>");
  });

  it("gemma-4: a past call is rendered as the real template renders it, keys sorted, nested values in its notation", async () => {
    const model = models.get("gemma-4")!;
    const template = new Template(await readFile(await llamaBundleFile(families["gemma-4"].template), "utf8"));
    // No null: the template prints it as Jinja prints None, which differs between engines; `null` is what llama.cpp reads.
    const nested = { ...input, Options: { zeta: [1.5, false, "z"], alpha: { "b c": "d" } } };
    const called = template.render({
      bos_token: "",
      messages: [{ role: "user", content: "Write a.ts." }, { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "Write", arguments: nested } }] }],
    });
    const expected = called.slice(called.indexOf("<|tool_call>"), called.indexOf("<tool_call|>") + "<tool_call|>".length);
    expect(expected).toContain("Options:{alpha:{b c:");
    const turns = request([asDefinition(writeTool)]).turns.map((turn) =>
      turn.role === "assistant" ? { ...turn, parts: [{ type: "tool-call" as const, id: "call-1", name: "Write", input: nested }] } : turn,
    );
    const prompt = renderPrompt({ ...request([asDefinition(writeTool)]), turns }, perArgumentCalls(resolveChatWrapper(model)), model.tokenizer);
    expect(model.detokenize(prompt.tokens, true)).toContain(expected);
  });

  it.each(["qwen3.5", "glm-4.7-flash", "gemma-4"] as const)("%s: the grammar of Claude Code's tools compiles", (family) => {
    const model = models.get(family)!;
    const plan = planToolCalls(request(claudeCodeTools.map(asDefinition)), perArgumentCalls(resolveChatWrapper(model))).perArgument;
    expect(plan?.tools.length).toBe(claudeCodeTools.length);
    const started = performance.now();
    const grammar = compilePerArgumentCallGrammar(llama, plan!);
    console.log(`${family}: grammar of ${plan!.tools.length} tools, ${grammar.grammar.split("\n").length} rules, compiled in ${Math.round(performance.now() - started)} ms`);
    expect(grammar.grammar).toContain({ "glm-4.7-flash": '"Bash"', "gemma-4": '"Bash{"', "qwen3.5": '"Bash>\\n"' }[family]);
  });
});
