import type { Token } from "node-llama-cpp";
import type { PromptRequest } from "../generation-request.js";
import { commonPrefixLength } from "./common-prefix-length.js";

/**
 * Where the conversation starts in a prompt: the length of what its tools and system prompt render to alone, which
 * a new session with the same ones shares (a checkpoint is taken there on models that cannot trim their state).
 * Every turn of a conversation has the same tools and system prompt (Claude Code's are about 20k tokens), so the
 * last rendering is kept, keyed by the request without its turns.
 */
export class ConversationStart {
  private last: { readonly key: string; readonly tokens: readonly Token[] } | null = null;

  constructor(private readonly render: (request: PromptRequest) => readonly Token[]) {}

  /** How many of `tokens` (the whole prompt of `request`) precede its turns; 0 when the start cannot be rendered. */
  length(request: PromptRequest & { readonly session?: string }, tokens: readonly Token[]): number {
    const withoutTurns = { ...request, turns: [] };
    const key = JSON.stringify({ ...withoutTurns, session: null });
    if (this.last?.key !== key) {
      let start: readonly Token[] = [];
      try {
        start = this.render(withoutTurns);
      } catch {
        // A template that cannot render a prompt without turns: no boundary.
      }
      this.last = { key, tokens: start };
    }
    return commonPrefixLength(this.last.tokens, tokens);
  }
}
