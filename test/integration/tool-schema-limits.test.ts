import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxSchemaNodesPerRequest } from "../../src/engine/tool-schema/schema-work-budget.js";
import { claudeCodeTools } from "../fixtures/claude-code-tools.js";
import { watchEventLoop } from "../helpers/event-loop-watch.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * Tool schemas that used to stall every client (issue #17), against the real server and the official SDK: the
 * server runs in this process, so a blocked event loop shows as a stall of the test's own timer, and the CPU time
 * its thread spent in the stall is the work that blocked it. A second is a hang guard, not a timing assertion:
 * the real cost is milliseconds, the old code took seconds.
 */

const hangGuardMs = 1000;
const ask = [{ role: "user" as const, content: "Call the tool." }];

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(await testModelPath("tiny"), { contextSize: 4096 });
});
afterAll(async () => {
  await server?.close();
});

/** Sends a request through the SDK while `/health` is asked alongside; the error when it fails. */
async function sendWithHealth(request: Anthropic.MessageCreateParamsNonStreaming): Promise<{ message?: Anthropic.Message; error?: unknown; healthStatus: number }> {
  const [outcome, health] = await Promise.all([
    server.client.messages.create(request, { timeout: 20_000 }).then(
      (message) => ({ message }),
      (error: unknown) => ({ error }),
    ),
    fetch(`${server.baseUrl}/health`),
  ]);
  return { ...outcome, healthStatus: health.status };
}

/** Each level names the level below twice: about 2 KB of schema that expands to 2^levels nodes. */
function doublingSchema(levels: number): Anthropic.Tool.InputSchema {
  // An enum at the bottom: the random-weight model then always completes the value.
  const definitions: Record<string, unknown> = { d0: { type: "string", enum: ["ok"] } };
  for (let level = 1; level <= levels; level += 1) definitions[`d${level}`] = { allOf: [{ $ref: `#/$defs/d${level - 1}` }, { $ref: `#/$defs/d${level - 1}` }] };
  return { type: "object", $defs: definitions, properties: { value: { $ref: `#/$defs/d${levels}` } }, required: ["value"] };
}

describe("tool schemas that would stall the server", () => {
  it("answers a $ref/allOf schema that doubles at each of 22 levels with a fast 400 naming the limit, /health answering throughout", async () => {
    const input_schema = doublingSchema(22);
    expect(JSON.stringify(input_schema).length).toBeLessThan(2500);
    const { result, blockedCpuMs } = await watchEventLoop(() =>
      sendWithHealth({ model: "m", max_tokens: 50, tools: [{ name: "exponential", input_schema }], tool_choice: { type: "any" }, messages: ask }),
    );
    expect(result.healthStatus).toBe(200);
    expect(result.error).toBeInstanceOf(Anthropic.BadRequestError);
    const error = result.error as InstanceType<typeof Anthropic.BadRequestError>;
    expect(error.error).toMatchObject({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: `tools.0.input_schema: the tool schemas expand to more than ${maxSchemaNodesPerRequest} nodes (limit ${maxSchemaNodesPerRequest} per request)`,
      },
    });
    expect(blockedCpuMs).toBeLessThan(hangGuardMs);
  });

  it("checks a generated value against a catastrophic-backtracking pattern in linear time", async () => {
    // The grammar forces the constant; the check after generation then matches it against the pattern, which
    // JavaScript's backtracking engine does in 2^28 steps.
    const value = `${"a".repeat(28)}!`;
    const tool: Anthropic.Tool = {
      name: "redos",
      input_schema: { type: "object", properties: { value: { type: "string", const: value, pattern: "^(a+)+$" } }, required: ["value"] },
    };
    const { result, blockedCpuMs } = await watchEventLoop(() =>
      sendWithHealth({ model: "m", max_tokens: 200, tools: [tool], tool_choice: { type: "tool", name: "redos" }, messages: ask }),
    );
    expect(result.error).toBeUndefined();
    expect(result.healthStatus).toBe(200);
    const call = result.message?.content.find((block) => block.type === "tool_use");
    expect(call?.type === "tool_use" && call.input).toEqual({ value });
    expect(blockedCpuMs).toBeLessThan(hangGuardMs);
  });

  it.each([
    ["a backreference", "^(a)\\1$"],
    ["a lookahead", "^(?=a)[a-z]+$"],
  ])("refuses a pattern with %s with a 400 naming the tool and the pattern, on both routes", async (_name, pattern) => {
    const tools: Anthropic.Tool[] = [
      { name: "fine", input_schema: { type: "object", properties: { a: { type: "string", pattern: "^[a-z]+$" } } } },
      { name: "backtracking", input_schema: { type: "object", properties: { code: { type: "string", pattern } } } },
    ];
    const failures = await Promise.all([
      server.client.messages.create({ model: "m", max_tokens: 5, tools, messages: ask }).catch((error: unknown) => error),
      server.client.messages.countTokens({ model: "m", tools, messages: ask }).catch((error: unknown) => error),
    ]);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
      const message = (failure as InstanceType<typeof Anthropic.BadRequestError>).error as { error: { type: string; message: string } };
      expect(message.error.type).toBe("invalid_request_error");
      expect(message.error.message).toMatch(new RegExp(`^tools\\.1\\.input_schema: pattern ${escapeRegExp(JSON.stringify(pattern))} is not supported \\(.+\\): patterns run on RE2`));
    }
  });

  it("accepts Claude Code's tools (about 32 KB of schemas), and a call to a Pydantic-style tool is repaired through its $refs", async () => {
    const tools = claudeCodeTools as Anthropic.Tool[];
    const { result: counted, blockedCpuMs } = await watchEventLoop(() => server.client.messages.countTokens({ model: "m", tools, messages: ask }));
    expect(counted.input_tokens).toBeGreaterThan(10_000);
    expect(blockedCpuMs).toBeLessThan(hangGuardMs);

    // Enums and numbers only: a random-weight model rarely closes a free string.
    const pydanticStyle: Anthropic.Tool = {
      name: "set_priority",
      input_schema: {
        $defs: { Priority: { enum: ["low", "medium", "high"], title: "Priority", type: "string" }, Level: { type: "integer", minimum: 1, maximum: 5 } },
        properties: { priority: { allOf: [{ $ref: "#/$defs/Priority" }] }, level: { anyOf: [{ $ref: "#/$defs/Level" }, { type: "null" }], default: null } },
        required: ["priority", "level"],
        type: "object",
      },
    };
    const message = await server.client.messages.create({ model: "m", max_tokens: 300, tools: [pydanticStyle], tool_choice: { type: "tool", name: "set_priority" }, messages: ask });
    const call = message.content.find((block) => block.type === "tool_use");
    if (call?.type !== "tool_use") throw new Error(`no tool call: ${JSON.stringify(message.content)}`);
    const input = call.input as { priority: unknown; level: unknown };
    expect(["low", "medium", "high"]).toContain(input.priority);
    if (input.level !== null) expect([1, 2, 3, 4, 5]).toContain(input.level);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
