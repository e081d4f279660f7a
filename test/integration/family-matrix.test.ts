import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { families, familyRandomModelPath, familyReplyModelPath, type FamilyName } from "../helpers/family-test-models.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";

const command = "echo hi > out.txt";
const thinking = "The user wants a file.";
const text = "I will make it.";
const reply = [
  { type: "thinking", thinking },
  { type: "text", text },
  { type: "tool_use", name: "Bash", input: { command } },
];
const bashTool: Anthropic.Tool = {
  name: "Bash",
  description: "Runs a shell command.",
  input_schema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};
/**
 * Bash with one allowed command, for random weights: they never close a free string (its closing quote is one of
 * the ~128k tokens the grammar allows there), so a forced call runs into `max_tokens` and comes back cut, as `{}`
 * with stop reason `max_tokens`. One allowed value makes the grammar write the input, so the cell still checks
 * the family's call syntax (name, params prefix, params, parsing) end to end.
 */
const oneCommandBashTool: Anthropic.Tool = {
  ...bashTool,
  input_schema: { type: "object", properties: { command: { type: "string", enum: [command] } }, required: ["command"] },
};
const longSystem = `You are a careful assistant. ${"Follow every rule in this long system prompt exactly. ".repeat(30)}`;

type Cell = "loads" | "text" | "forced tool call" | "tool result" | "thinking" | "inline system" | "turn-2 reuse" | "restart restore";
const matrix = new Map<FamilyName, Partial<Record<Cell, string>>>();
function record(family: FamilyName, cell: Cell, value: string): void {
  matrix.set(family, { ...matrix.get(family), [cell]: value });
  // Printed as measured, so a run cut short still reports its cells.
  console.log(`matrix ${family} | ${cell} | ${value}`);
}

function request(messages: unknown[], extra: Record<string, unknown> = {}): Anthropic.MessageCreateParamsNonStreaming {
  return { model: "claude-opus-5-5", max_tokens: 200, system: longSystem, messages, ...extra } as unknown as Anthropic.MessageCreateParamsNonStreaming;
}
const promptTokens = (usage: Anthropic.Usage) => usage.input_tokens + (usage.cache_read_input_tokens ?? 0);
const toolUses = (message: Anthropic.Message) => message.content.flatMap((block) => (block.type === "tool_use" ? [{ name: block.name, input: block.input }] : []));

/**
 * Cells known to fail, each with why: the test runs and is expected to fail (`it.fails`), so a fix shows up as a
 * failure here to remove from this list.
 */
const knownGaps: Partial<Record<FamilyName, Partial<Record<Cell, string>>>> = {};
const cellTest = (family: FamilyName, cell: Cell) => (knownGaps[family]?.[cell] === undefined ? it : it.fails);

const familyNames: FamilyName[] = ["qwen3.5", "qwen3.5-moe", "gemma-4", "gpt-oss", "glm-4.7-flash", "qwen3-coder"];

describe.each(familyNames)("family %s", { timeout: 180_000 }, (family) => {
  let modelPath: string;
  let cacheFolder: string;
  let server: TestServer | undefined;
  const options = () => ({ contextSize: 8192, promptCache: { folder: cacheFolder, minTokens: 128 } });
  beforeAll(async () => {
    cacheFolder = await mkdtemp(path.join(os.tmpdir(), `pensieve-family-${family}-`));
    const spec = families[family];
    modelPath =
      spec.reply === "none"
        ? await familyRandomModelPath(family)
        : await familyReplyModelPath(family, spec.reply === "all" ? reply : reply.filter((block) => block.type !== "thinking"));
    try {
      server = await startTestServer(modelPath, options());
      record(family, "loads", "yes");
    } catch (error) {
      record(family, "loads", `no: ${String(error).slice(0, 200)}`);
      throw error;
    }
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await rm(cacheFolder, { recursive: true, force: true });
  });

  it("text and thinking, then a tool call (tool_choice auto)", async () => {
    const message = await server!.client.messages.create(request([{ role: "user", content: "Make out.txt." }], { tools: [bashTool] }));
    record(family, "text", JSON.stringify(message.content).slice(0, 300));
    if (families[family].reply === "none") {
      expect(message.content.length).toBeGreaterThan(0);
      return;
    }
    expect(message.content.find((block) => block.type === "text")).toMatchObject({ text });
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
    if (families[family].reply === "all") expect(message.content.find((block) => block.type === "thinking")).toMatchObject({ thinking });
  });

  cellTest(family, "forced tool call")("forced tool call", async () => {
    const tool = families[family].reply === "none" ? oneCommandBashTool : bashTool;
    const message = await server!.client.messages.create(
      request([{ role: "user", content: "Make out.txt." }], { tools: [tool], tool_choice: { type: "tool", name: "Bash" } }),
    );
    record(family, "forced tool call", `${JSON.stringify(toolUses(message))} ${message.stop_reason}`);
    expect(toolUses(message)).toEqual([{ name: "Bash", input: { command } }]);
    expect(message.stop_reason).toBe("tool_use");
  });

  it("tool result and thinking", async () => {
    const turn = (result: string, withThinking: boolean) => [
      { role: "user", content: "Make out.txt." },
      {
        role: "assistant",
        content: [...(withThinking ? [{ type: "thinking", thinking: `${thinking} ${"Think hard. ".repeat(20)}`, signature: "" }] : []), { type: "tool_use", id: "toolu_01", name: "Bash", input: { command } }],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: result }] },
    ];
    const count = async (messages: unknown[]) =>
      (await server!.client.messages.countTokens({ ...request(messages, { tools: [bashTool] }) } as unknown as Anthropic.MessageCountTokensParams)).input_tokens;
    const short = await count(turn("ok", false));
    const long = await count(turn(`ok ${"done. ".repeat(40)}`, false));
    const withThinking = await count(turn("ok", true));
    record(family, "tool result", `+${long - short} tokens for 40 words`);
    record(family, "thinking", `+${withThinking - short} tokens for 60 words`);
    const message = await server!.client.messages.create(request(turn("ok", true), { tools: [bashTool], max_tokens: 20 }));
    record(family, "tool result", `+${long - short} tokens for 40 words; reply ${message.stop_reason}`);
    expect(long - short).toBeGreaterThan(40);
  });

  it("inline system message", async () => {
    const messages = [
      { role: "user", content: "Make out.txt." },
      { role: "system", content: "The working directory is /tmp." },
    ];
    try {
      const message = await server!.client.messages.create(request(messages, { tools: [bashTool] }));
      record(family, "inline system", `200 ${message.stop_reason}`);
    } catch (error) {
      record(family, "inline system", String(error).slice(0, 200));
      throw error;
    }
  });

  it("turn 2 reuses turn 1's prompt", async () => {
    const first = [{ role: "user", content: "Make out.txt." }];
    const turn1 = await server!.client.messages.create(request(first, { tools: [bashTool], tool_choice: { type: "tool", name: "Bash" } }));
    const turn2 = await server!.client.messages.create(
      request([...first, { role: "assistant", content: turn1.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: (turn1.content.find((block) => block.type === "tool_use") as Anthropic.ToolUseBlock | undefined)?.id ?? "x", content: "done" }] }], {
        tools: [bashTool],
      }),
    );
    const reused = (turn2.usage.cache_read_input_tokens ?? 0) / promptTokens(turn2.usage);
    record(family, "turn-2 reuse", `${(100 * reused).toFixed(0)} % of turn 2's ${promptTokens(turn2.usage)} tokens (evaluated ${turn2.usage.input_tokens}; turn 1's prompt ${promptTokens(turn1.usage)})`);
    expect(turn2.usage.cache_read_input_tokens).toBeGreaterThanOrEqual(promptTokens(turn1.usage) - 1);
  });

  it("restart and disk-cache restore", async () => {
    const messages = [{ role: "user", content: "Restart question." }];
    const cold = await server!.client.messages.create(request(messages, { max_tokens: 1 }));
    await server!.close();
    server = await startTestServer(modelPath, options());
    const warm = await server.client.messages.create(request(messages, { max_tokens: 1 }));
    record(family, "restart restore", `${warm.usage.cache_read_input_tokens ?? 0} of ${promptTokens(cold.usage)} restored`);
    expect(warm.usage.cache_read_input_tokens ?? 0).toBeGreaterThan(0.9 * promptTokens(cold.usage) - 16);
  });
});

afterAll(() => {
  console.log([...matrix].map(([family, cells]) => `${family}: ${JSON.stringify(cells)}`).join("\n"));
});
