import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { Command } from "commander";
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { claudeCodeLikeRequest } from "../../bench/claude-code-like-request.js";
import { registerMakeModelCommand } from "../../src/cli/commands/make-model-command.js";
import { makeReplyModel, type MadeReplyModel } from "../../src/models/generator/make-reply-model.js";
import { parseReplyBlocks } from "../../src/models/generator/reply-blocks.js";
import { checkStreamGrammar } from "../helpers/stream-grammar.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { sharedVocabularyPath } from "../helpers/test-models.js";

// Repeats, JSON punctuation, a line break and multi-byte characters: what a chain of distinct tokens could not say.
const replyText = 'Hello, hello! I will write {"a": [1, 1]} to "out.txt".\nÜnïcödé ✓ 日本語.';
const command = "echo hi > out.txt";
const bashTool: Anthropic.Tool = {
  name: "Bash",
  description: "Runs a shell command.",
  input_schema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};
const readTool: Anthropic.Tool = {
  name: "Read",
  description: "Reads a file.",
  input_schema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
};
const textReply = [{ type: "text", text: replyText }];
const toolReply = [{ type: "tool_use", name: "Bash", input: { command } }];
const textAndToolReply = [{ type: "text", text: "I will run it." }, ...toolReply];

/** A conversation that already went through one tool call: the prompt ends after a tool result. */
const afterToolResult: Anthropic.MessageParam[] = [
  { role: "user", content: "List the files, then make out.txt." },
  { role: "assistant", content: [{ type: "tool_use", id: "toolu_01", name: "Bash", input: { command: "ls" } }] },
  { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "a.txt\nb.txt\n" }] },
];

let folder: string;
let llama: Llama;
beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-reply-models-"));
  // One runtime for every model made here: starting llama.cpp takes seconds.
  llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
});
afterAll(async () => {
  await llama?.dispose();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

async function makeModel(name: string, reply: unknown, vocabularyPath?: string): Promise<MadeReplyModel> {
  return makeReplyModel({
    llama,
    reply: parseReplyBlocks(reply),
    outputPath: path.join(folder, `${name}.gguf`),
    ...(vocabularyPath === undefined ? {} : { vocabularyPath }),
  });
}

async function streamed(server: TestServer, body: Anthropic.MessageCreateParamsNonStreaming): Promise<Anthropic.RawMessageStreamEvent[]> {
  const events: Anthropic.RawMessageStreamEvent[] = [];
  for await (const event of await server.client.messages.create({ ...body, stream: true })) events.push(event);
  expect(checkStreamGrammar(events as unknown as { type: string }[])).toEqual([]);
  return events;
}

function ask(content: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}): Anthropic.MessageCreateParamsNonStreaming {
  return { model: "claude-sonnet-5", max_tokens: 400, messages: [{ role: "user", content }], ...extra };
}

function toolUses(message: Anthropic.Message): { name: string; input: unknown }[] {
  return message.content.flatMap((block) => (block.type === "tool_use" ? [{ name: block.name, input: block.input }] : []));
}

describe("a reply model made by `pensieve make-model --reply-file` (built-in vocabulary): text", () => {
  let server: TestServer;
  let printed = "";
  beforeAll(async () => {
    const replyFile = path.join(folder, "text.json");
    const outputPath = path.join(folder, "text-cli.gguf");
    await writeFile(replyFile, JSON.stringify(textReply));
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void (printed += line));
    try {
      const program = new Command().exitOverride();
      registerMakeModelCommand(program);
      await program.parseAsync(["make-model", "--reply-file", replyFile, "-o", outputPath], { from: "user" });
    } finally {
      log.mockRestore();
    }
    server = await startTestServer(outputPath);
  });
  afterAll(async () => server?.close());

  it("prints the chat format the reply was rendered for", () => {
    expect(printed).toMatch(/text-cli\.gguf: [\d.]+ KiB, 12 tensors, \d+ tokens, chat format ChatML, in [\d.]+ s$/);
  });

  it("answers exactly the text, ending its turn", async () => {
    const message = await server.client.messages.create(ask("Say something."));
    expect(message.content).toEqual([{ type: "text", text: replyText }]);
    expect(message.stop_reason).toBe("end_turn");
  });

  it("streams exactly the text", async () => {
    // This SDK's types have no `temperature`; the API has, and the server takes it.
    const hot = { temperature: 1 } as Partial<Anthropic.MessageCreateParamsNonStreaming>;
    const events = await streamed(server, ask("Something else, at temperature 1.", hot));
    const text = events.flatMap((event) =>
      event.type === "content_block_delta" && event.delta.type === "text_delta" ? [event.delta.text] : [],
    );
    expect(text.join("")).toBe(replyText);
    expect(events.find((event) => event.type === "message_delta")).toMatchObject({ delta: { stop_reason: "end_turn" } });
  });

  it("gives the same answer after a tool result, and with tools offered", async () => {
    const message = await server.client.messages.create({ ...ask(""), messages: afterToolResult, tools: [bashTool] });
    expect(message.content).toEqual([{ type: "text", text: replyText }]);
  });
});

describe("a reply model (built-in vocabulary): tool_use", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer((await makeModel("tool", toolReply)).outputPath, { contextSize: 65536 });
  });
  afterAll(async () => server?.close());

  it("calls the tool with exactly the input, tool_choice auto", async () => {
    const message = await server.client.messages.create(ask("Make out.txt.", { tools: [readTool, bashTool], tool_choice: { type: "auto" } }));
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toHaveLength(1);
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
  });

  it("streams the call: the input arrives as input_json_delta and parses to exactly the input", async () => {
    const events = await streamed(server, ask("Make out.txt.", { tools: [bashTool] }));
    const json = events.flatMap((event) =>
      event.type === "content_block_delta" && event.delta.type === "input_json_delta" ? [event.delta.partial_json] : [],
    );
    expect(JSON.parse(json.join(""))).toEqual({ command });
    expect(events.find((event) => event.type === "content_block_start")).toMatchObject({ content_block: { type: "tool_use", name: "Bash" } });
    expect(events.find((event) => event.type === "message_delta")).toMatchObject({ delta: { stop_reason: "tool_use" } });
  });

  it("calls it when forced to, tool_choice tool (the call starts in the context, not in the reply)", async () => {
    const forced = ask("Make out.txt.", { tools: [readTool, bashTool], tool_choice: { type: "tool", name: "Bash" } });
    const message = await server.client.messages.create(forced);
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
  });

  it("calls it again after a tool result", async () => {
    const message = await server.client.messages.create({ ...ask(""), messages: afterToolResult, tools: [bashTool] });
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
  });

  it("calls it at the end of a Claude-Code-sized prompt (24 tools, about 80k characters)", async () => {
    const request = claudeCodeLikeRequest("Make out.txt.");
    const message = await server.client.messages.create({ ...request, stream: false, tools: [...request.tools!, bashTool] });
    expect(message.usage.input_tokens).toBeGreaterThan(10_000);
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
  }, 180_000);
});

describe("a reply model (built-in vocabulary): text, then tool_use", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer((await makeModel("text-and-tool", textAndToolReply)).outputPath);
  });
  afterAll(async () => server?.close());

  it("answers the text block, then the tool_use block", async () => {
    const message = await server.client.messages.create(ask("Make out.txt.", { tools: [bashTool], tool_choice: { type: "auto" } }));
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content.map((block) => block.type)).toEqual(["text", "tool_use"]);
    expect(message.content[0]).toMatchObject({ type: "text", text: "I will run it." });
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
  });

  it("answers the same to a different prompt ending in a tool result", async () => {
    const message = await server.client.messages.create({
      ...ask(""),
      system: "You are terse.",
      messages: afterToolResult,
      tools: [readTool, bashTool],
    });
    expect(message.content.map((block) => block.type)).toEqual(["text", "tool_use"]);
    expect(message.content[0]).toMatchObject({ text: "I will run it." });
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
  });
});

describe("making a reply model", () => {
  it("refuses a thinking block when the chat format has no reasoning segment", async () => {
    const thinkingReply = [{ type: "thinking", thinking: "Hm." }, ...textReply];
    await expect(makeModel("thinking", thinkingReply)).rejects.toThrow(/ChatML has no reasoning segment/);
  });

  it("renders the tool call in the chat format's own syntax: a tool whose optional properties are null", async () => {
    // node-llama-cpp's grammar asks for every property in schema order; the engine makes optional ones
    // nullable and drops the nulls, so a reply for such a tool lists them as null.
    const made = await makeModel("nullable", [{ type: "tool_use", name: "Read", input: { path: "a.txt", limit: null } }]);
    expect(made.chatWrapperName).toBe("ChatML");
    const server = await startTestServer(made.outputPath);
    try {
      const properties = { path: { type: "string" }, limit: { type: "integer" } };
      const tool: Anthropic.Tool = { ...readTool, input_schema: { type: "object", properties, required: ["path"] } };
      const message = await server.client.messages.create(ask("Read a.txt.", { tools: [tool] }));
      expect(toolUses(message)).toEqual([{ name: "Read", input: { path: "a.txt" } }]);
    } finally {
      await server.close();
    }
  });
});

const qwen2VocabularyPath = sharedVocabularyPath("qwen2");
// A fresh clone has no ../shared/vocab, so this skips there; CI must have it, so there a missing file fails.
const skipQwen2 = qwen2VocabularyPath === undefined && process.env["CI"] !== "true";

describe.skipIf(skipQwen2)("a reply model with the qwen2 vocabulary: text, then tool_use", () => {
  let server: TestServer;
  beforeAll(async () => {
    if (qwen2VocabularyPath === undefined) throw new Error("CI=true, but ../shared/vocab/ggml-vocab-qwen2.gguf is missing");
    const made = await makeModel("qwen2", [{ type: "text", text: replyText }, ...toolReply], qwen2VocabularyPath);
    expect(made.chatWrapperName).toBe("ChatML");
    server = await startTestServer(made.outputPath);
  });
  afterAll(async () => server?.close());

  it("answers the text exactly, then the call with exactly the input", async () => {
    const message = await server.client.messages.create(ask("Make out.txt.", { tools: [bashTool] }));
    expect(message.content[0]).toEqual({ type: "text", text: replyText });
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
    expect(message.stop_reason).toBe("tool_use");
  });

  it("answers the same after a tool result", async () => {
    const message = await server.client.messages.create({ ...ask(""), messages: afterToolResult, tools: [bashTool] });
    expect(message.content[0]).toEqual({ type: "text", text: replyText });
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
  });
});
