import { describe, expect, it } from "vitest";
import { isServerTool, serverToolToAnswer } from "../../../src/api/translate/server-tool.js";
import type { MessagesRequest } from "../../../src/api/wire/messages-request.js";

function body(tools: MessagesRequest["tools"], toolChoice?: MessagesRequest["tool_choice"]): MessagesRequest {
  return {
    model: "claude-sonnet-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "news" }],
    ...(tools !== undefined ? { tools } : {}),
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
  };
}

const search = { name: "web_search", type: "web_search_20250305" };
const fetchTool = { name: "web_fetch", type: "web_fetch_20250910" };
const codeExecution = { name: "code_execution", type: "code_execution_20250522" };
const read = { name: "Read", input_schema: { type: "object" } };
const searchReply = { name: "web_search", resultType: "web_search_tool_result" };
const fetchReply = { name: "web_fetch", resultType: "web_fetch_tool_result" };

describe("isServerTool", () => {
  it("is a tool with a dated type; a client tool has no type, or `custom`", () => {
    expect([search, fetchTool, codeExecution, { name: "bash", type: "bash_20250124" }].map(isServerTool)).toEqual([true, true, true, true]);
    expect([read, { ...read, type: "custom" }].map(isServerTool)).toEqual([false, false]);
  });
});

describe("serverToolToAnswer", () => {
  it("answers a request whose only tools are web search or web fetch", () => {
    expect(serverToolToAnswer(body([search]))).toEqual(searchReply);
    expect(serverToolToAnswer(body([fetchTool]))).toEqual(fetchReply);
    expect(serverToolToAnswer(body([fetchTool, search]))).toEqual(fetchReply);
  });

  it("answers a tool_choice that names web search or web fetch, whatever other tools there are", () => {
    expect(serverToolToAnswer(body([read, search], { type: "tool", name: "web_search" }))).toEqual(searchReply);
    expect(serverToolToAnswer(body([search, fetchTool, read], { type: "tool", name: "web_fetch" }))).toEqual(fetchReply);
    expect(serverToolToAnswer(body([codeExecution, search], { type: "tool", name: "web_search" }))).toEqual(searchReply);
  });

  it("leaves the rest to the model: no tools, a client tool beside them, a choice of a client tool or of a server tool without a reply", () => {
    expect(serverToolToAnswer(body(undefined))).toBeNull();
    expect(serverToolToAnswer(body([]))).toBeNull();
    expect(serverToolToAnswer(body([search, read]))).toBeNull();
    expect(serverToolToAnswer(body([search, read], { type: "tool", name: "Read" }))).toBeNull();
    expect(serverToolToAnswer(body([search, read], { type: "any" }))).toBeNull();
    expect(serverToolToAnswer(body([codeExecution]))).toBeNull();
    expect(serverToolToAnswer(body([codeExecution, read], { type: "tool", name: "code_execution" }))).toBeNull();
  });
});
