/**
 * The one stream every generation produces. The SSE writer and the non-streaming response both consume it,
 * so there is a single path to test.
 */
export type GenerationEvent =
  | { readonly type: "start"; readonly usage: PromptUsage }
  | { readonly type: "text-delta"; readonly text: string }
  | { readonly type: "thinking-delta"; readonly text: string }
  /** A call of one of the request's tools; the API edge gives it the id clients answer it with. */
  | { readonly type: "tool-call"; readonly name: string; readonly input: unknown }
  | {
      readonly type: "finish";
      readonly stopReason: StopReason;
      /** The stop sequence that matched, when `stopReason` is `stop-sequence`. */
      readonly stopSequence: string | null;
      readonly usage: GenerationUsage;
    };

export type StopReason = "end-turn" | "max-tokens" | "stop-sequence" | "tool-use" | "context-window-exceeded";

export interface PromptUsage {
  /** Prompt tokens that had to be evaluated. */
  readonly inputTokens: number;
  /** Prompt tokens reused from a cached prefix instead of being evaluated again. */
  readonly cachedInputTokens: number;
}

export interface GenerationUsage extends PromptUsage {
  readonly outputTokens: number;
}
