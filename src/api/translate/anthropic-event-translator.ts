import { createHash } from "node:crypto";
import type { GenerationEvent, GenerationUsage, StopReason } from "../../engine/generation-event.js";
import type { IdGenerator } from "../../util/create-id.js";
import { omittedThoughtSignature } from "./omitted-thought.js";
import type { AnthropicStopReason, MessageStreamEvent, Usage } from "../wire/message-types.js";

type OpenBlock =
  | { readonly kind: "text" }
  | { readonly kind: "thinking"; readonly hash: ReturnType<typeof createHash>; omitted: string }
  /** A tool call whose input is still streaming: the engine's call index. */
  | { readonly kind: "tool_use"; readonly call: number };

/**
 * Turns the engine's events into Anthropic stream events, keeping the grammar clients depend on: one
 * `message_start` with `content: []`, blocks that never overlap with contiguous indices, a
 * `signature_delta` before each thinking block closes, tool input only through `input_json_delta`, and a
 * `message_delta` with cumulative usage before `message_stop`. Tool calls get their `toolu_` ids here: ids are
 * the wire's, not the engine's.
 *
 * A tool call's block starts as soon as its name is known, with `input: {}`, and its input follows as the
 * engine streams it, each `tool-input-delta` one `input_json_delta`; the engine decides whether by whole
 * values or eagerly (fine-grained tool streaming, `eagerInputTools`). The block closes with the call's
 * `tool-call`, or, for a call cut short, before whatever comes next (at the latest, the `message_delta`).
 */
export class AnthropicEventTranslator {
  private blockIndex = -1;
  private openBlock: OpenBlock | null = null;

  constructor(
    private readonly messageId: string,
    private readonly model: string,
    private readonly generateId: IdGenerator,
    /** `thinking.display: "omitted"`: thinking blocks carry no text, their signature carries the thought. */
    private readonly omitThinking = false,
  ) {}

  translate(event: GenerationEvent): MessageStreamEvent[] {
    switch (event.type) {
      case "start":
        return [
          {
            type: "message_start",
            message: {
              id: this.messageId,
              type: "message",
              role: "assistant",
              model: this.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: toUsage({ ...event.usage, outputTokens: 0 }),
            },
          },
        ];
      case "text-delta":
        return [...this.ensureOpen("text"), { type: "content_block_delta", index: this.blockIndex, delta: { type: "text_delta", text: event.text } }];
      case "thinking-delta": {
        const opened = this.ensureOpen("thinking");
        if (this.openBlock?.kind !== "thinking") return opened;
        if (this.omitThinking) {
          this.openBlock.omitted += event.text;
          return opened;
        }
        this.openBlock.hash.update(event.text);
        return [...opened, { type: "content_block_delta", index: this.blockIndex, delta: { type: "thinking_delta", thinking: event.text } }];
      }
      case "tool-call-start":
        return this.startToolUse(event.index, event.name);
      case "tool-input-delta":
        if (this.openBlock?.kind !== "tool_use" || this.openBlock.call !== event.index) {
          throw new Error(`tool input for call ${event.index}, which is not streaming`);
        }
        return [{ type: "content_block_delta", index: this.blockIndex, delta: { type: "input_json_delta", partial_json: event.text } }];
      case "tool-call": {
        if (this.openBlock?.kind === "tool_use" && this.openBlock.call === event.index) return this.closeOpen();
        // A call that arrives whole: its input is the one delta.
        const events = this.startToolUse(event.index, event.name);
        const index = this.blockIndex;
        events.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(event.input ?? {}) } });
        events.push(...this.closeOpen());
        return events;
      }
      case "finish":
        return [
          ...this.closeOpen(),
          {
            type: "message_delta",
            delta: { stop_reason: toAnthropicStopReason(event.stopReason), stop_sequence: event.stopSequence },
            usage: toUsage(event.usage),
          },
          { type: "message_stop" },
        ];
    }
  }

  private startToolUse(call: number, name: string): MessageStreamEvent[] {
    const events = this.closeOpen();
    this.blockIndex += 1;
    this.openBlock = { kind: "tool_use", call };
    events.push({ type: "content_block_start", index: this.blockIndex, content_block: { type: "tool_use", id: this.generateId("toolu"), name, input: {} } });
    return events;
  }

  private ensureOpen(kind: "text" | "thinking"): MessageStreamEvent[] {
    if (this.openBlock?.kind === kind) return [];
    const events = this.closeOpen();
    this.blockIndex += 1;
    if (kind === "text") {
      this.openBlock = { kind };
      events.push({ type: "content_block_start", index: this.blockIndex, content_block: { type: "text", text: "" } });
    } else {
      this.openBlock = { kind, hash: createHash("sha256"), omitted: "" };
      events.push({ type: "content_block_start", index: this.blockIndex, content_block: { type: "thinking", thinking: "", signature: "" } });
    }
    return events;
  }

  private closeOpen(): MessageStreamEvent[] {
    const block = this.openBlock;
    if (block === null) return [];
    this.openBlock = null;
    const events: MessageStreamEvent[] = [];
    if (block.kind === "thinking") {
      // Not a cryptographic signature (nothing local could verify one): an opaque tag clients pass back.
      const signature = this.omitThinking ? omittedThoughtSignature(block.omitted) : block.hash.digest("base64url").slice(0, 32);
      events.push({ type: "content_block_delta", index: this.blockIndex, delta: { type: "signature_delta", signature } });
    }
    events.push({ type: "content_block_stop", index: this.blockIndex });
    return events;
  }
}

/** @see https://docs.anthropic.com/en/api/handling-stop-reasons */
export function toAnthropicStopReason(reason: StopReason): AnthropicStopReason {
  switch (reason) {
    case "end-turn":
      return "end_turn";
    case "max-tokens":
      return "max_tokens";
    case "stop-sequence":
      return "stop_sequence";
    case "tool-use":
      return "tool_use";
    case "context-window-exceeded":
      return "model_context_window_exceeded";
  }
}

/** Cached prompt tokens are reported apart from `input_tokens`, never in both (contract §4). */
function toUsage(usage: GenerationUsage): Usage {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: usage.cachedInputTokens,
    service_tier: "standard",
  };
}
