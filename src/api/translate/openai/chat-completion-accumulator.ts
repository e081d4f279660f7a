import type { ChatCompletion, ChatCompletionChunk, ChatCompletionToolCall, CompletionUsage, FinishReason } from "../../wire/chat-completion-types.js";

/**
 * Folds Chat Completions chunks into the one completion a non-streaming request gets, the way OpenAI's SDK folds a
 * stream, so both answers come from the same chunks. Needs the usage chunk (`includeUsage`).
 */
export class ChatCompletionAccumulator {
  private first: ChatCompletionChunk | null = null;
  private content: string | null = null;
  private reasoning: string | null = null;
  private readonly toolCalls: ChatCompletionToolCall[] = [];
  private finishReason: FinishReason | null = null;
  private usage: CompletionUsage | null = null;

  add(chunk: ChatCompletionChunk): void {
    this.first ??= chunk;
    if (chunk.usage !== undefined) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (delta.content !== undefined && delta.content !== "") this.content = (this.content ?? "") + delta.content;
      if (delta.reasoning_content !== undefined) this.reasoning = (this.reasoning ?? "") + delta.reasoning_content;
      for (const call of delta.tool_calls ?? []) {
        const known = this.toolCalls[call.index];
        if (known === undefined) {
          this.toolCalls[call.index] = { id: call.id ?? "", type: "function", function: { name: call.function.name ?? "", arguments: call.function.arguments } };
        } else known.function.arguments += call.function.arguments;
      }
      if (choice.finish_reason !== null) this.finishReason = choice.finish_reason;
    }
  }

  result(): ChatCompletion {
    const first = this.first;
    if (first === null || this.finishReason === null || this.usage === null) throw new Error("the chunks ended before the finish reason and usage");
    const toolCalls = this.toolCalls.filter((call) => call !== undefined);
    return {
      id: first.id,
      object: "chat.completion",
      created: first.created,
      model: first.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            // OpenAI leaves `content` null beside tool calls, and empty when nothing was said.
            content: this.content ?? (toolCalls.length > 0 ? null : ""),
            refusal: null,
            ...(this.reasoning !== null ? { reasoning_content: this.reasoning } : {}),
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: this.finishReason,
        },
      ],
      usage: this.usage,
    };
  }
}
