/**
 * The one stream every generation produces. The SSE writer and the non-streaming response both consume it,
 * so there is a single path to test.
 */
export type GenerationEvent =
  /** `upstream`: the endpoint serving the generation, when it is not generated here (see `UpstreamEngine`). */
  | { readonly type: "start"; readonly usage: PromptUsage; readonly upstream?: string }
  | { readonly type: "text-delta"; readonly text: string }
  | { readonly type: "thinking-delta"; readonly text: string }
  /**
   * The model began a call of one of the request's tools: its name is known, its input is still being generated.
   * `index` counts this generation's calls from 0; the API edge gives the call the id clients answer it with.
   */
  | { readonly type: "tool-call-start"; readonly index: number; readonly name: string }
  /**
   * More of call `index`'s input, as JSON text. The texts of one call concatenate to its input's JSON: by whole
   * top-level values, each already repaired against the tool's schema, or, for a tool named in the request's
   * `eagerInputTools`, with string values also streamed as they are generated.
   */
  | { readonly type: "tool-input-delta"; readonly index: number; readonly text: string }
  /**
   * A complete call, with its input repaired and checked against the tool's schema. After a `tool-call-start` of
   * the same index, the `tool-input-delta` texts before it parse to exactly `input`; without one (an engine that
   * does not stream tool input), the call arrives whole. A call that was started and never gets its `tool-call`
   * was cut short (by `maxTokens`, a deadline, a stall or a shutdown): the `finish` then never says `tool-use`.
   * Its texts hold the complete top-level values as valid JSON, or, streamed eagerly, may end mid-value.
   */
  | { readonly type: "tool-call"; readonly index: number; readonly name: string; readonly input: unknown }
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
