import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { familyReplyModelPath } from "../helpers/family-test-models.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";

// Review of #14. The reply model is test/integration/per-argument-calls.test.ts's (same reply, so the cached file).
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
const text = "Writing the file.";
const ask = (extra: Record<string, unknown>): Anthropic.MessageCreateParamsNonStreaming =>
  ({ model: "m", max_tokens: 400, tools: [writeTool], messages: [{ role: "user", content: "Write a.ts." }], ...extra }) as Anthropic.MessageCreateParamsNonStreaming;

describe("per-argument calls (review)", { timeout: 300_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    const reply = [{ type: "thinking", thinking: "A small file." }, { type: "text", text }, { type: "tool_use", name: "Write", input }];
    server = await startTestServer(await familyReplyModelPath("qwen3.5", reply), { contextSize: 8192 });
  }, 300_000);
  afterAll(async () => server?.close());

  it("a single call (parallel use disabled) ends on its closing token, as LlamaChat's JSON calls do: no end of turn is sampled and counted", async () => {
    const single = await server.client.messages.create(ask({ tool_choice: { type: "tool", name: "Write", disable_parallel_tool_use: true } }));
    const parallel = await server.client.messages.create(ask({ tool_choice: { type: "tool", name: "Write" } }));
    expect(single.stop_reason).toBe("tool_use");
    expect(parallel.stop_reason).toBe("tool_use");
    // With more calls allowed, the end of turn after the call is the model's choice, sampled (and counted); with
    // one, the grammar allows nothing else: before the fix it was sampled anyway, and with max_tokens set to the
    // call's own tokens the complete call was reported as cut (stop_reason max_tokens).
    expect(single.usage.output_tokens).toBe(parallel.usage.output_tokens - 1);
    const exact = await server.client.messages.create(
      ask({ tool_choice: { type: "tool", name: "Write", disable_parallel_tool_use: true }, max_tokens: parallel.usage.output_tokens - 1 }),
    );
    expect(exact.stop_reason).toBe("tool_use");
  });
});

describe("a reply that mentions the call tag in its text (review)", { timeout: 300_000 }, () => {
  let server: TestServer;
  const mention = "Qwen wraps each call in <tool_call> tags.";
  beforeAll(async () => {
    // The reply model writes its text byte by byte: "<tool_call>" arrives as text, not as the tag's token.
    server = await startTestServer(await familyReplyModelPath("qwen3.5", [{ type: "thinking", thinking: "Explain." }, { type: "text", text: mention }]), { contextSize: 8192 });
  }, 300_000);
  afterAll(async () => server?.close());

  it("stays text: only the tag's own token starts a call", async () => {
    const message = await server.client.messages.create(ask({ max_tokens: 200 }));
    console.log(JSON.stringify({ stop: message.stop_reason, usage: message.usage.output_tokens, content: message.content }).slice(0, 600));
    expect(message.content.filter((block) => block.type === "text").map((block) => (block as Anthropic.TextBlock).text).join("")).toBe(mention);
    expect(message.stop_reason).toBe("end_turn");
  });
});
