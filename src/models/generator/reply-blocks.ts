/** One block of a reply model's answer, as Anthropic's content blocks write it. */
export type ReplyBlock =
  | { readonly type: "thinking"; readonly thinking: string }
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "tool_use"; readonly name: string; readonly input: Readonly<Record<string, unknown>> };

/** The blocks of a reply, split by role: what the renderer needs. */
export interface ReplyParts {
  /** The reasoning, when there is a `thinking` block. */
  readonly thinking: string | undefined;
  /** Every `text` block, joined: a model writes one run of text. */
  readonly text: string;
  readonly toolUse: Extract<ReplyBlock, { type: "tool_use" }> | undefined;
}

/**
 * Checks a parsed reply file: a non-empty array of `thinking` (at most one, first), `text`, and `tool_use` (at
 * most one, last) blocks. Other fields (`id`, `signature`, `citations`) are ignored, so a block copied from a real
 * response works. Throws an `Error` whose message names the offending block.
 */
export function parseReplyBlocks(value: unknown): ReplyParts {
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error('a reply is a non-empty JSON array of content blocks, such as [{"type":"text","text":"Hi"}]');
  }
  const blocks = value.map((block: unknown, index) => parseBlock(block, index));
  const thinkingIndex = blocks.findIndex((block) => block.type === "thinking");
  const toolUseIndex = blocks.findIndex((block) => block.type === "tool_use");
  if (thinkingIndex > 0 || blocks.filter((block) => block.type === "thinking").length > 1) {
    throw new Error("a reply has at most one thinking block, and it comes first");
  }
  if ((toolUseIndex >= 0 && toolUseIndex !== blocks.length - 1) || blocks.filter((block) => block.type === "tool_use").length > 1) {
    throw new Error("a reply has at most one tool_use block, and it comes last");
  }
  const thinking = blocks[thinkingIndex];
  const toolUse = blocks[toolUseIndex];
  return {
    thinking: thinking?.type === "thinking" ? thinking.thinking : undefined,
    text: blocks.map((block) => (block.type === "text" ? block.text : "")).join(""),
    toolUse: toolUse?.type === "tool_use" ? toolUse : undefined,
  };
}

function parseBlock(block: unknown, index: number): ReplyBlock {
  const where = `block ${index}`;
  if (!isRecord(block)) throw new Error(`${where} is not an object`);
  switch (block["type"]) {
    case "text":
      return { type: "text", text: stringField(block, "text", where) };
    case "thinking":
      return { type: "thinking", thinking: stringField(block, "thinking", where) };
    case "tool_use": {
      const name = stringField(block, "name", where);
      // node-llama-cpp refuses function names with whitespace, so such a tool could never be offered.
      if (name === "" || /\s/.test(name)) throw new Error(`${where}: the tool name must be non-empty and without whitespace`);
      const input = block["input"];
      if (!isRecord(input)) throw new Error(`${where}: "input" must be a JSON object`);
      return { type: "tool_use", name, input };
    }
    default:
      throw new Error(`${where}: "type" must be "text", "thinking" or "tool_use", not ${JSON.stringify(block["type"])}`);
  }
}

function stringField(block: Readonly<Record<string, unknown>>, field: string, where: string): string {
  const value = block[field];
  if (typeof value !== "string") throw new Error(`${where}: "${field}" must be a string`);
  return value;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
