/** The event types, in order, of a streamed message with one content block that arrives in two deltas. */
export const oneBlockInTwoDeltas = [
  "message_start",
  "ping",
  "content_block_start",
  "content_block_delta",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
] as const;

export interface StreamGrammarOptions {
  /**
   * Tool input may stream as generated (fine-grained tool streaming): then the last tool_use block of a reply
   * cut by `max_tokens` may end as invalid JSON. Defaults to `false`: every tool_use block's input must parse.
   */
  readonly eagerToolInput?: boolean;
}

/**
 * Checks a sequence of Anthropic stream events against the grammar clients depend on (contract §5.2):
 * message_start ping* (block_start (delta|ping)* block_stop)* message_delta+ message_stop, and that the
 * `input_json_delta`s of each tool_use block concatenate to a JSON object. Returns a list of violations, empty
 * when the stream is well formed.
 */
export function checkStreamGrammar(events: readonly { type: string; [key: string]: unknown }[], options: StreamGrammarOptions = {}): string[] {
  const problems: string[] = [];
  const starts = events.filter((event) => event.type === "message_start");
  if (starts.length !== 1) problems.push(`expected exactly one message_start, got ${starts.length}`);
  if (events[0]?.type !== "message_start") problems.push("the first event is not message_start");
  if (events.at(-1)?.type !== "message_stop") problems.push("the last event is not message_stop");
  const start = starts[0] as { message?: { content?: unknown; usage?: unknown } } | undefined;
  if (start !== undefined && (!Array.isArray(start.message?.content) || (start.message?.content as unknown[]).length !== 0)) {
    problems.push("message_start.message.content is not []");
  }
  if (start !== undefined && typeof start.message?.usage !== "object") problems.push("message_start has no usage");

  let openIndex: number | null = null;
  let openType: string | null = null;
  let nextIndex = 0;
  let sawDelta = false;
  let stopReason: unknown = null;
  /** Each tool_use block's index and its input's JSON, as the deltas built it. */
  const toolInputs: { index: number; json: string }[] = [];
  for (const event of events) {
    switch (event.type) {
      case "content_block_start": {
        const index = event["index"] as number;
        const block = event["content_block"] as { type: string; text?: unknown; thinking?: unknown; input?: unknown };
        if (openIndex !== null) problems.push(`block ${index} starts while block ${openIndex} is open`);
        if (index !== nextIndex) problems.push(`block index ${index}, expected ${nextIndex}`);
        if (block.type === "text" && block.text !== "") problems.push("a text block does not start empty");
        if (block.type === "thinking" && block.thinking !== "") problems.push("a thinking block does not start empty");
        if (block.type === "tool_use" && JSON.stringify(block.input) !== "{}") problems.push("tool_use does not start with input {}");
        openIndex = index;
        openType = block.type;
        if (block.type === "tool_use") toolInputs.push({ index, json: "" });
        nextIndex += 1;
        break;
      }
      case "content_block_delta": {
        const index = event["index"] as number;
        const delta = event["delta"] as { type: string; partial_json?: string };
        const toolInput = toolInputs.at(-1);
        if (openType === "tool_use" && toolInput !== undefined && typeof delta.partial_json === "string") toolInput.json += delta.partial_json;
        if (index !== openIndex) problems.push(`delta for block ${index} while ${String(openIndex)} is open`);
        const allowed: Record<string, string[]> = {
          text: ["text_delta"],
          thinking: ["thinking_delta", "signature_delta"],
          tool_use: ["input_json_delta"],
          server_tool_use: ["input_json_delta"],
        };
        if (openType !== null && !(allowed[openType] ?? []).includes(delta.type)) problems.push(`${delta.type} in a ${openType} block`);
        break;
      }
      case "content_block_stop":
        if (event["index"] !== openIndex) problems.push(`stop for block ${String(event["index"])} while ${String(openIndex)} is open`);
        openIndex = null;
        openType = null;
        break;
      case "message_delta": {
        sawDelta = true;
        const delta = event["delta"] as { stop_reason?: unknown };
        const usage = event["usage"] as { output_tokens?: unknown } | undefined;
        if (openIndex !== null) problems.push("message_delta while a block is open");
        if (delta.stop_reason === null || delta.stop_reason === undefined) problems.push("message_delta without stop_reason");
        stopReason = delta.stop_reason;
        if (typeof usage?.output_tokens !== "number") problems.push("message_delta without usage.output_tokens");
        break;
      }
      case "message_stop":
        if (!sawDelta) problems.push("message_stop before message_delta");
        break;
    }
  }
  for (const [position, { index, json }] of toolInputs.entries()) {
    const mayBeCut = options.eagerToolInput === true && stopReason === "max_tokens" && position === toolInputs.length - 1;
    if (!mayBeCut && !isJsonObject(json)) problems.push(`tool_use block ${index}: its input_json_deltas make ${JSON.stringify(json)}, not a JSON object`);
  }
  if (stopReason === "tool_use" && toolInputs.length === 0) problems.push("stop_reason tool_use without a tool_use block");
  return problems;
}

function isJsonObject(json: string): boolean {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
