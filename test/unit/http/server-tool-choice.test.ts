import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { ScriptedEngine, sequentialIds, textEvents } from "../../helpers/scripted-engine.js";
import { checkStreamGrammar } from "../../helpers/stream-grammar.js";

/**
 * A `tool_choice` that names a server tool beside client tools: the model is never offered the server tool, so the
 * request gets the server tool's reply, exactly as a request with that server tool alone, and never a client call.
 */

const read = { name: "Read", description: "Read a file", input_schema: { type: "object", properties: { path: { type: "string" } } } };
const webSearch = { type: "web_search_20250305", name: "web_search", max_uses: 8 };
const webFetch = { type: "web_fetch_20250910", name: "web_fetch" };

function bodyWith(tools: readonly object[], toolChoice?: object): Record<string, unknown> {
  return {
    model: "claude-haiku-4-5",
    max_tokens: 100,
    tools,
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    messages: [{ role: "user", content: "Perform a web search for the query: pensieve" }],
  };
}

/** One request on a fresh app, so that message and tool ids start from the same point for every body. */
async function answer(body: Record<string, unknown>): Promise<{ status: number; payload: string; engine: ScriptedEngine }> {
  const engine = ScriptedEngine.replaying(textEvents);
  const response = await createApp({ engine, generateId: sequentialIds() }).inject({ method: "POST", url: "/v1/messages", payload: body });
  return { status: response.statusCode, payload: response.payload, engine };
}

function sseData(payload: string): { type: string; [key: string]: unknown }[] {
  return payload
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? "null") as { type: string });
}

describe("tool_choice naming a server tool beside client tools (in process)", () => {
  it.each([
    ["web_search", webSearch, "web_search_tool_result", "web_search_tool_result_error"],
    ["web_fetch", webFetch, "web_fetch_tool_result", "web_fetch_tool_error"],
  ])("answers %s with its unavailable result, as when it is the only tool, and never calls the model", async (name, serverTool, resultType, errorType) => {
    const chosen = await answer(bodyWith([read, serverTool], { type: "tool", name }));
    const alone = await answer(bodyWith([serverTool], { type: "tool", name }));
    expect(chosen.status).toBe(200);
    const message = JSON.parse(chosen.payload) as { content: { type: string; [key: string]: unknown }[]; stop_reason: string };
    expect(message.content.map((block) => block.type)).toEqual(["server_tool_use", resultType, "text"]);
    expect(message.content[0]).toMatchObject({ type: "server_tool_use", name });
    expect(message.content[1]).toEqual({ type: resultType, tool_use_id: message.content[0]?.["id"], content: { type: errorType, error_code: "unavailable" } });
    expect(message.stop_reason).toBe("end_turn");
    expect(JSON.parse(chosen.payload)).toEqual(JSON.parse(alone.payload));
    expect(chosen.engine.requests).toHaveLength(0);
  });

  it("streams the same reply in the event grammar, event for event as when the server tool is alone", async () => {
    const chosen = await answer({ ...bodyWith([read, webSearch], { type: "tool", name: "web_search" }), stream: true });
    const alone = await answer({ ...bodyWith([webSearch]), stream: true });
    expect(chosen.status).toBe(200);
    const events = sseData(chosen.payload);
    expect(checkStreamGrammar(events)).toEqual([]);
    const blockTypes = events.flatMap((event) => (event.type === "content_block_start" ? [(event["content_block"] as { type: string }).type] : []));
    expect(blockTypes).toEqual(["server_tool_use", "web_search_tool_result", "text"]);
    expect(events).toEqual(sseData(alone.payload));
    expect(chosen.engine.requests).toHaveLength(0);
  });

  it("still forces a client tool that tool_choice names beside a server tool", async () => {
    const { status, engine } = await answer(bodyWith([read, webSearch], { type: "tool", name: "Read" }));
    expect(status).toBe(200);
    expect(engine.requests[0]?.toolChoice).toEqual({ type: "tool", name: "Read", disableParallelToolUse: false });
    expect(engine.requests[0]?.tools.map((tool) => tool.name)).toEqual(["Read"]);
  });
});
