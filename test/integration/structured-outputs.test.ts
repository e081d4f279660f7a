import Anthropic from "@anthropic-ai/sdk";
import { Compile } from "typebox/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * Structured outputs, strict tools and deferred tools on the real engine. The tiny model's weights are random:
 * whatever it writes, the grammar (and the repair after it) must make the reply validate. Validated with
 * TypeBox's JSON Schema compiler, which knows nothing of how the server constrains the reply.
 */
const reportSchema = {
  type: "object",
  properties: {
    status: { enum: ["ok", "failed", "skipped"] },
    retries: { type: "integer", minimum: 0, maximum: 5 },
    score: { type: "number", minimum: 0, maximum: 1 },
    done: { type: "boolean" },
    when: { type: "string", format: "date" },
    tags: { type: "array", items: { $ref: "#/$defs/tag" }, maxItems: 3 },
    owner: { anyOf: [{ $ref: "#/$defs/person" }, { type: "null" }] },
  },
  required: ["status", "retries", "done", "tags", "owner"],
  additionalProperties: false,
  $defs: {
    tag: { enum: ["alpha", "beta", "gamma"] },
    person: { type: "object", properties: { id: { type: "integer", minimum: 1 }, admin: { type: "boolean" } }, required: ["id"], additionalProperties: false },
  },
};
const validReport = Compile(reportSchema as never);
const prompts = ["Report on the build", "Report on the tests", "Report on the deploy", "Report on the docs", "Report on the release"];
const user = (content: unknown) => ({ role: "user" as const, content }) as Anthropic.MessageParam;

describe("structured outputs and strict tools on the real engine", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 2048 });
  });
  afterAll(async () => server?.close());

  it("output_config.format: every reply is one text block of JSON that validates against the schema", async () => {
    for (const prompt of prompts) {
      const reply = await server.client.messages.create({
        model: "claude-opus-5-5",
        max_tokens: 400,
        messages: [user(prompt)],
        output_config: { effort: "medium", format: { type: "json_schema", schema: reportSchema } },
      } as Anthropic.MessageCreateParamsNonStreaming);
      expect(reply.stop_reason).toBe("end_turn");
      expect(reply.content).toHaveLength(1);
      const block = reply.content[0];
      if (block?.type !== "text") throw new Error(`expected a text block, got ${JSON.stringify(block)}`);
      const value: unknown = JSON.parse(block.text);
      expect(validReport.Check(value), block.text).toBe(true);
    }
  }, 120_000);

  it("the deprecated output_format constrains a streamed reply the same way", async () => {
    const stream = server.client.messages.stream({
      model: "claude-opus-5-5",
      max_tokens: 400,
      messages: [user("Report on the stream")],
      output_format: { type: "json_schema", schema: reportSchema },
    } as unknown as Anthropic.MessageStreamParams);
    const message = await stream.finalMessage();
    const block = message.content[0];
    if (block?.type !== "text") throw new Error("expected a text block");
    expect(validReport.Check(JSON.parse(block.text)), block.text).toBe(true);
  }, 60_000);

  it("with tools under tool_choice auto, the reply is in the format, from the same prompt as without one", async () => {
    const tools = [{ name: "read_file", description: "Read a file", input_schema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }];
    const base = { model: "claude-opus-5-5", messages: [user("Report on the build")], tools };
    const format = { output_config: { format: { type: "json_schema", schema: reportSchema } } };
    const count = async (body: Record<string, unknown>) => (await server.client.messages.countTokens(body as unknown as Anthropic.MessageCountTokensParams)).input_tokens;
    // The tools stay described, so the conversation's prompt does not change when one request asks for a format.
    expect(await count({ ...base, ...format })).toBe(await count(base));
    const reply = await server.client.messages.create({ ...base, ...format, max_tokens: 400 } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    const block = reply.content[0];
    if (block?.type !== "text") throw new Error(`expected a text block, got ${JSON.stringify(reply.content)}`);
    expect(validReport.Check(JSON.parse(block.text)), block.text).toBe(true);
  }, 60_000);

  it("refuses a recursive schema with a 400 naming it", async () => {
    const recursive = { type: "object", properties: { node: { $ref: "#" } } };
    const refused = await server.client.messages
      .create({ model: "claude-opus-5-5", max_tokens: 10, messages: [user("x")], output_config: { format: { type: "json_schema", schema: recursive } } } as Anthropic.MessageCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.BadRequestError>).message).toContain("recursive schemas are not supported");
  });

  it("a strict tool's input always validates against its input_schema", async () => {
    const inputSchema = {
      type: "object",
      properties: {
        path: { enum: ["README.md", "src/main.ts", "package.json"] },
        limit: { type: "integer", minimum: 1, maximum: 100 },
        offset: { type: "integer", minimum: 0 },
        recursive: { type: "boolean" },
        since: { type: "string", format: "date-time" },
      },
      required: ["path", "limit"],
      additionalProperties: false,
    };
    const validInput = Compile(inputSchema as never);
    for (const prompt of prompts) {
      const reply = await server.client.messages.create({
        model: "claude-opus-5-5",
        max_tokens: 300,
        messages: [user(prompt)],
        tools: [{ name: "read_file", description: "Read a file", strict: true, input_schema: inputSchema }],
        tool_choice: { type: "tool", name: "read_file" },
      } as Anthropic.MessageCreateParamsNonStreaming);
      const call = reply.content.find((block) => block.type === "tool_use");
      if (call?.type !== "tool_use") throw new Error(`no tool_use: ${JSON.stringify(reply.content)}`);
      expect(validInput.Check(call.input), JSON.stringify(call.input)).toBe(true);
    }
  }, 120_000);
});

describe("deferred tools on the real engine", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await testModelPath("tiny"), { contextSize: 2048 });
  });
  afterAll(async () => server?.close());

  const search = { name: "ToolSearch", description: "Find tools by name", input_schema: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } };
  const cron = {
    name: "CronCreate",
    description: "Schedule a command to run later at a given time of day",
    defer_loading: true,
    input_schema: { type: "object", properties: { when: { enum: ["hourly", "daily"] } }, required: ["when"] },
  };
  const loaded = [
    user("Schedule the backup"),
    { role: "assistant" as const, content: [{ type: "tool_use" as const, id: "toolu_1", name: "ToolSearch", input: { query: "select:CronCreate" } }] },
    user([{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "tool_reference", tool_name: "CronCreate" }] }]),
  ];
  const count = async (body: Record<string, unknown>) =>
    (await server.client.messages.countTokens({ model: "claude-opus-5-5", ...body } as unknown as Anthropic.MessageCountTokensParams)).input_tokens;

  it("a deferred tool is not in the prompt until a tool_reference loads it", async () => {
    const messages = [user("Schedule the backup")];
    expect(await count({ messages, tools: [search, cron] })).toBe(await count({ messages, tools: [search] }));
  });

  it("once loaded, its definition is in the tool result and it can be called", async () => {
    const withDefinition = await count({ messages: loaded, tools: [search, cron] });
    const withoutDefinition = await count({ messages: [...loaded.slice(0, 2), user([{ type: "tool_result", tool_use_id: "toolu_1", content: "" }])], tools: [search, cron] });
    expect(withDefinition).toBeGreaterThan(withoutDefinition + 10);

    const reply = await server.client.messages.create({
      model: "claude-opus-5-5",
      max_tokens: 100,
      messages: loaded,
      tools: [search, cron],
      tool_choice: { type: "tool", name: "CronCreate" },
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    expect(reply.content).toEqual([{ type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "CronCreate", input: { when: expect.stringMatching(/^(hourly|daily)$/) } }]);
  });
});
