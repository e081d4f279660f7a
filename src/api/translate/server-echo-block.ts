/** Block types that echo server-side tool activity; a local model has nothing to do with them. */
const serverEchoBlockTypes: ReadonlySet<string> = new Set([
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
]);

/** Whether a content block only echoes what the API's own tools did, so that a turn may drop it. */
export function isServerEchoBlock(type: string): boolean {
  return serverEchoBlockTypes.has(type);
}
