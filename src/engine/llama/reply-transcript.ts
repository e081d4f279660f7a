import type { GenerationEvent } from "../generation-event.js";
import type { AssistantPart, ConversationTurn, PromptRequest, UserPart } from "../generation-request.js";

/**
 * What a generation sent its client, as the assistant turn the client will send back with its next request: text
 * and thinking in the blocks the API edge makes of them (a new block when the kind changes), then the tool calls.
 */
export class ReplyTranscript {
  private readonly parts: AssistantPart[] = [];

  add(event: GenerationEvent): void {
    switch (event.type) {
      case "text-delta":
      case "thinking-delta":
        this.appendText(event.type === "text-delta" ? "text" : "thinking", event.text);
        return;
      case "tool-call":
        // Ids are the API edge's; in the engine they only pair a call with its result.
        this.parts.push({ type: "tool-call", id: `pensieve-reply-call-${this.parts.length}`, name: event.name, input: event.input });
        return;
      default:
        return;
    }
  }

  get isEmpty(): boolean {
    return this.parts.length === 0;
  }

  /**
   * `request` as its next turn will start: its turns, this reply, and a user turn answering it with `answer` (the
   * result of every tool call, or a text). Rendered with two different answers, it gives the prompt prefix that
   * the client's next request shares whatever the answer is.
   */
  nextRequest(request: PromptRequest, answer: string): PromptRequest {
    const calls = this.parts.filter((part) => part.type === "tool-call");
    const reply: UserPart[] =
      calls.length > 0 ? calls.map((call) => ({ type: "tool-result", toolCallId: call.id, content: answer, isError: false })) : [{ type: "text", text: answer }];
    const turns: ConversationTurn[] = [...request.turns];
    const last = turns.at(-1);
    // A reply to a prefilled assistant turn continues that turn, as the client's echo of it does.
    if (last?.role === "assistant") turns[turns.length - 1] = { role: "assistant", parts: [...last.parts, ...this.parts] };
    else turns.push({ role: "assistant", parts: [...this.parts] });
    turns.push({ role: "user", parts: reply });
    return { ...request, turns };
  }

  private appendText(type: "text" | "thinking", text: string): void {
    const last = this.parts.at(-1);
    if (last !== undefined && last.type === type) this.parts[this.parts.length - 1] = { type, text: last.text + text };
    else this.parts.push({ type, text });
  }
}
