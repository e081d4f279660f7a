import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { familyRandomModelPath } from "../helpers/family-test-models.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * Prompt reuse for requests shaped like Claude Code 2.1.332's: a billing line, an identity line and a long main
 * prompt in `system`; about ten tools (most of the prompt), one of them deferred; the first user message with a
 * system reminder; then the `# Environment` block (working directory, git state) as an inline system message.
 * Real server, real engine, official SDK.
 */
const sentence = "You work with the user on their code and you use the tools you are given when they help the work move on. ";
const system = [
  { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.332.1c9; cc_entrypoint=sdk-cli;" },
  { type: "text", text: "You are a Claude agent, built on Anthropic's Claude Agent SDK.", cache_control: { type: "ephemeral" } },
  { type: "text", text: sentence.repeat(20) },
];
const toolNames = ["Agent", "Bash", "Edit", "ListAgents", "Read", "ReportFindings", "ScheduleWakeup", "Skill", "ToolSearch", "Workflow", "Write"];
const tools: Record<string, unknown>[] = [
  ...toolNames.map((name) => ({
    name,
    description: `${name}: ${"Use this tool when the task needs it, and read its result before you go on with the next step. ".repeat(3)}`,
    input_schema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        file_path: { enum: ["README.md", "src/main.ts"], description: "The file to work on" },
        limit: { type: "integer", minimum: 1, maximum: 100, description: "How many lines" },
      },
      required: ["file_path"],
      additionalProperties: false,
    },
  })),
  { name: "DeferredToolPlaceholder", description: "Loaded on demand.", defer_loading: true, input_schema: { type: "object", properties: {} } },
];
const firstUserMessage = {
  role: "user",
  content: [
    { type: "text", text: "<system-reminder>\nEnd git commit messages with the usual attribution line.\n</system-reminder>" },
    { type: "text", text: "Say hello" },
  ],
};

function environment(directory: string) {
  return {
    role: "system",
    content:
      "# Environment\nYou have been invoked in the following environment: \n" +
      ` - Primary working directory: ${directory}\n - Is a git repository: false\n - Platform: linux\n - Shell: bash\n\n` +
      "You are powered by the model named Opus 5.5. The exact model ID is claude-opus-5-5.",
  };
}

function request(messages: unknown[], extra: Record<string, unknown> = {}): Anthropic.MessageCreateParamsNonStreaming {
  return { model: "claude-opus-5-5", max_tokens: 1, system, tools, messages, ...extra } as unknown as Anthropic.MessageCreateParamsNonStreaming;
}

const promptTokens = (usage: Anthropic.Usage) => usage.input_tokens + (usage.cache_read_input_tokens ?? 0);

/** Two sessions in two directories: everything before the environment block (system prompt, tools, first user message) is shared. */
async function expectNewSessionReuse(server: TestServer): Promise<void> {
  const alpha = await server.client.messages.create(request([firstUserMessage, environment("/tmp/cc-alpha-BrWUPt")]));
  const beta = await server.client.messages.create(request([firstUserMessage, environment("/tmp/cc-beta-t4P5cW")]));
  expect(promptTokens(alpha.usage)).toBeGreaterThan(2000);
  expect(beta.usage.cache_read_input_tokens).toBeGreaterThanOrEqual(0.9 * promptTokens(alpha.usage));
}

describe("prompt reuse with Claude Code's request shape", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 4096 });
  });
  afterAll(async () => server?.close());

  it("a new session in another directory reuses at least 90 % of the previous session's prompt", async () => {
    await expectNewSessionReuse(server);
  });

  it("a session whose system prompt differs (Claude Code names the project's memory folder in it) still reuses the tools", async () => {
    const withMemory = (folder: string) => [...system.slice(0, 2), { type: "text", text: `${sentence.repeat(10)}Memory folder: ${folder}\n${sentence.repeat(10)}` }];
    const messages = [firstUserMessage, environment("/tmp/cc-alpha-BrWUPt")];
    await server.client.messages.create(request(messages, { system: withMemory("/root/.claude/projects/-tmp-cc-alpha/memory/") }));
    const other = await server.client.messages.create(request(messages, { system: withMemory("/root/.claude/projects/-tmp-cc-beta/memory/") }));
    // The tools are described before the system prompt, the order in which the Messages API caches a prompt.
    const toolsAlone = (await server.client.messages.countTokens({ model: "claude-opus-5-5", tools, messages: [{ role: "user", content: "x" }] } as unknown as Anthropic.MessageCountTokensParams)).input_tokens;
    expect(other.usage.cache_read_input_tokens).toBeGreaterThanOrEqual(toolsAlone - 16);
  });

  it("the second turn of a tool call reuses all but the tool result: the reply is in the cache as the client echoes it", async () => {
    const start = [firstUserMessage, environment("/tmp/cc-alpha-BrWUPt")];
    // Random weights: forced, and on a tool whose input is short, so the reply is a complete call.
    const turn1 = await server.client.messages.create(request(start, { max_tokens: 200, tool_choice: { type: "tool", name: "Read" } }));
    expect(turn1.stop_reason).toBe("tool_use");
    const call = turn1.content.find((block) => block.type === "tool_use");
    if (call?.type !== "tool_use") throw new Error("no tool_use in turn 1");

    const answered = (content: string) => [...start, { role: "assistant", content: turn1.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content }] }];
    const turn2 = await server.client.messages.create(request(answered("README.md\nsrc/main.ts")));
    // The new turn, measured by the server itself: what the result's text adds to the prompt.
    const count = async (content: string) => (await server.client.messages.countTokens(request(answered(content)) as Anthropic.MessageCountTokensParams)).input_tokens;
    const resultTokens = (await count("README.md\nsrc/main.ts")) - (await count(""));
    expect(promptTokens(turn2.usage)).toBe(await count("README.md\nsrc/main.ts"));

    // Evaluated on turn 2: the result's tokens, plus at most 4: where the result's framing in the chat format
    // meets its text (the opening quote may tokenize with the first character), the result's closing, and the
    // prompt's last token, which is always evaluated again for fresh logits.
    expect(turn2.usage.input_tokens).toBeLessThanOrEqual(resultTokens + 4);
    // In the terms of turn 1: its prompt and its reply are reused, less at most 16 tokens. The constant covers
    // what LlamaChat counts as output but the echoed call renders in fewer tokens: under the grammar a random
    // model samples words in pieces ("fi", "le") that the same text tokenizes into whole, and the call's closing.
    expect(turn2.usage.cache_read_input_tokens).toBeGreaterThanOrEqual(promptTokens(turn1.usage) + turn1.usage.output_tokens - 16);
  });
});

/**
 * The same reuse on a hybrid model (Qwen3.5's Gated DeltaNet layers, its tokenizer and template: the default
 * preset's family), whose state cannot be trimmed: what a new session reuses comes from the checkpoint taken where
 * the tools and system prompt end, and a retry's from the one taken before the prompt's last token.
 */
describe("prompt reuse with Claude Code's request shape on a hybrid model", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await familyRandomModelPath("qwen3.5"), { contextSize: 4096 });
  });
  afterAll(async () => server?.close());

  it("a new session in another directory reuses at least 90 % of the previous session's prompt", async () => {
    await expectNewSessionReuse(server);
  });

  it("a retry of the same request reuses all of its prompt but the last token", async () => {
    const messages = [firstUserMessage, environment("/tmp/cc-retry-Q2nV8w")];
    const first = await server.client.messages.create(request(messages));
    const retry = await server.client.messages.create(request(messages));
    expect(retry.usage.cache_read_input_tokens).toBe(promptTokens(first.usage) - 1);
  });
});
