import type { ContentBlock, Message, MessageStreamEvent } from "../wire/message-types.js";

/**
 * Folds stream events into the final message, the way the SDK's MessageStream does, so that the
 * non-streaming response is built from exactly the events a streaming client would have seen.
 */
export class MessageAccumulator {
  private message: Message | null = null;
  private readonly partialJson = new Map<number, string>();

  add(event: MessageStreamEvent): void {
    switch (event.type) {
      case "message_start":
        this.message = { ...event.message, content: [] };
        return;
      case "content_block_start":
        this.current().content[event.index] = { ...event.content_block };
        return;
      case "content_block_delta":
        this.applyDelta(event.index, event.delta);
        return;
      case "content_block_stop": {
        const json = this.partialJson.get(event.index);
        const block = this.current().content[event.index];
        if (json !== undefined && (block?.type === "tool_use" || block?.type === "server_tool_use")) {
          block.input = json === "" ? {} : JSON.parse(json);
        }
        return;
      }
      case "message_delta": {
        const message = this.current();
        message.stop_reason = event.delta.stop_reason;
        message.stop_sequence = event.delta.stop_sequence;
        message.usage = { ...event.usage };
        return;
      }
      case "message_stop":
      case "ping":
        return;
    }
  }

  result(): Message {
    const message = this.current();
    if (message.stop_reason === null) throw new Error("the stream ended before message_delta");
    return message;
  }

  private applyDelta(index: number, delta: Extract<MessageStreamEvent, { type: "content_block_delta" }>["delta"]): void {
    const block: ContentBlock | undefined = this.current().content[index];
    if (block === undefined) throw new Error(`content block ${index} was never started`);
    if (delta.type === "text_delta" && block.type === "text") block.text += delta.text;
    else if (delta.type === "thinking_delta" && block.type === "thinking") block.thinking += delta.thinking;
    else if (delta.type === "signature_delta" && block.type === "thinking") block.signature = delta.signature;
    else if (delta.type === "input_json_delta" && (block.type === "tool_use" || block.type === "server_tool_use")) {
      this.partialJson.set(index, (this.partialJson.get(index) ?? "") + delta.partial_json);
    } else throw new Error(`a ${delta.type} cannot apply to a ${block.type} block`);
  }

  private current(): Message {
    if (this.message === null) throw new Error("an event arrived before message_start");
    return this.message;
  }
}
