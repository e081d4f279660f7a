import { describe, expect, it } from "vitest";
import { isServerEchoBlock } from "../../../src/api/translate/server-echo-block.js";

describe("isServerEchoBlock", () => {
  // The blocks Anthropic's API sends back for its own tools (and redacted thoughts): a client echoes them in later
  // turns, and a local model has nothing to do with them.
  it.each([
    "server_tool_use",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "mcp_tool_use",
    "mcp_tool_result",
    "container_upload",
    "redacted_thinking",
    "tool_search_tool_result",
  ])("drops %s", (type) => {
    expect(isServerEchoBlock(type)).toBe(true);
  });

  it.each(["text", "thinking", "tool_use", "tool_result", "image", "document", ""])("keeps %s", (type) => {
    expect(isServerEchoBlock(type)).toBe(false);
  });
});
