import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import type { GenerationRequest } from "../../../src/engine/generation-request.js";
import { ScriptedEngine, sequentialIds, textEvents } from "../../helpers/scripted-engine.js";

/**
 * What reaches the engine, and what is refused, for the request features of Claude Code 2.1.332 and the current
 * API: inline system messages, structured outputs, strict tools, deferred tools with tool references, MCP servers.
 * The in-process app over a scripted engine: these are translation matters.
 */
const user = (content: unknown) => ({ role: "user", content });
const body = { model: "claude-opus-5-5", max_tokens: 64, messages: [user("Hi")] };
const objectSchema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false };

async function post(payload: Record<string, unknown>): Promise<{ status: number; message: string; request: GenerationRequest | undefined }> {
  const engine = ScriptedEngine.replaying(textEvents);
  const app = createApp({ engine, generateId: sequentialIds() });
  const response = await app.inject({ method: "POST", url: "/v1/messages?beta=true", payload });
  await app.close();
  const message = response.statusCode === 200 ? "" : (response.json() as { error: { message: string } }).error.message;
  return { status: response.statusCode, message, request: engine.requests[0] };
}

describe("inline system messages", () => {
  it("reach the engine in place, after the first user message, not in the system prompt", async () => {
    const { status, request } = await post({
      ...body,
      system: [{ type: "text", text: "x-anthropic-billing-header: cch=12345;" }, { type: "text", text: "You are Claude Code." }],
      messages: [user("Say hello"), { role: "system", content: "# Environment\n - Primary working directory: /tmp/alpha" }],
    });
    expect(status).toBe(200);
    expect(request?.system).toBe("You are Claude Code.");
    expect(request?.turns).toEqual([
      { role: "user", parts: [{ type: "text", text: "Say hello" }] },
      { role: "system", text: "# Environment\n - Primary working directory: /tmp/alpha" },
    ]);
  });
});

describe("structured outputs", () => {
  it("passes output_config.format's schema to the engine, and the deprecated output_format's when that is absent", async () => {
    expect((await post({ ...body, output_config: { effort: "medium", format: { type: "json_schema", schema: objectSchema } } })).request?.responseSchema).toEqual(objectSchema);
    expect((await post({ ...body, output_format: { type: "json_schema", schema: objectSchema } })).request?.responseSchema).toEqual(objectSchema);
    expect((await post({ ...body, output_config: { effort: "medium", format: null } })).request?.responseSchema).toBeUndefined();
  });

  it.each([
    [{ output_config: { format: { type: "json_object" } } }, "output_config.format.type: Input should be 'json_schema'"],
    [{ output_format: { type: "json_schema" } }, "output_format.schema: Input should be a valid dictionary"],
    [{ output_config: { format: { type: "json_schema", schema: { type: "array" } } } }, "output_config.format.schema.type: the schema of a structured output must be an object schema ('type': 'object')"],
    [
      {
        output_config: {
          format: {
            type: "json_schema",
            schema: { type: "object", properties: { tree: { $ref: "#/$defs/node" } }, $defs: { node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/node" } } } } } },
          },
        },
      },
      "output_config.format.schema.properties.tree.properties.children.items.$ref: recursive schemas are not supported ('#/$defs/node' refers back to itself)",
    ],
    [
      { output_config: { format: { type: "json_schema", schema: { type: "object", properties: { mail: { type: "string", format: "email" } } } } } },
      "output_config.format.schema.properties.mail.format: 'email' cannot be enforced by this server (supported: date, time, date-time)",
    ],
  ])("refuses what constrained decoding cannot guarantee, naming the field (%#)", async (extra, message) => {
    expect(await post({ ...body, ...extra })).toMatchObject({ status: 400, message });
  });
});

describe("strict tools", () => {
  it("accepts a strict tool whose schema constrained decoding guarantees, and refuses one with a pattern", async () => {
    const tool = { name: "lookup", description: "Look up", strict: true, input_schema: objectSchema };
    expect((await post({ ...body, tools: [tool] })).status).toBe(200);
    const patterned = { ...tool, input_schema: { type: "object", properties: { id: { type: "string", pattern: "^[a-z]+$" } } } };
    expect(await post({ ...body, tools: [patterned] })).toMatchObject({
      status: 400,
      message: "tools.0.input_schema.properties.id.pattern: not supported for structured outputs and strict tools on this server (tool 'lookup' is strict)",
    });
    // The same schema without `strict` is best effort, as before.
    expect((await post({ ...body, tools: [{ ...patterned, strict: false }] })).status).toBe(200);
  });
});

describe("MCP servers", () => {
  it("are refused: this server connects to no URL on a client's behalf", async () => {
    const { status, message } = await post({ ...body, mcp_servers: [{ type: "url", url: "https://example.com/mcp", name: "example" }] });
    expect(status).toBe(400);
    expect(message).toMatch(/^mcp_servers: this server does not connect to MCP servers on a client's behalf/);
    expect((await post({ ...body, mcp_servers: [] })).status).toBe(200);
  });
});

describe("deferred tools (defer_loading) and tool_reference", () => {
  const search = { name: "ToolSearch", description: "Find tools", input_schema: { type: "object", properties: { query: { type: "string" } } } };
  const cron = { name: "CronCreate", description: "Schedule a job", defer_loading: true, input_schema: { type: "object", properties: { when: { type: "string" } } } };

  it("leave a deferred tool out until a tool_reference loads it, then offer it as deferred with its definition in the result", async () => {
    const before = await post({ ...body, tools: [search, cron] });
    expect(before.request?.tools.map((tool) => tool.name)).toEqual(["ToolSearch"]);

    const after = await post({
      ...body,
      tools: [search, cron],
      messages: [
        user("Schedule it"),
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "ToolSearch", input: { query: "select:CronCreate" } }] },
        user([{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "tool_reference", tool_name: "CronCreate" }] }]),
      ],
    });
    expect(after.request?.tools.map((tool) => [tool.name, tool.deferred ?? false])).toEqual([
      ["ToolSearch", false],
      ["CronCreate", true],
    ]);
    const result = after.request?.turns[2];
    expect(result).toEqual({
      role: "user",
      parts: [{ type: "tool-result", toolCallId: "toolu_1", content: JSON.stringify({ name: "CronCreate", description: "Schedule a job", input_schema: cron.input_schema }), isError: false }],
    });
  });

  it("refuses a tool_reference naming no tool", async () => {
    const { status, message } = await post({
      ...body,
      tools: [search],
      messages: [
        user("x"),
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "ToolSearch", input: {} }] },
        user([{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "tool_reference", tool_name: "Nope" }] }]),
      ],
    });
    expect(status).toBe(400);
    expect(message).toBe("messages.2.content.0.content.0.tool_name: no client tool named 'Nope' in 'tools'");
  });
});
