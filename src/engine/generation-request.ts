/**
 * What the engine is asked to do, free of any wire format: the API edge translates Anthropic requests into
 * this, and the engine renders it through the model's own chat template.
 */
export interface GenerationRequest {
  /** The model name the client asked for: chooses among the served models where aliases are configured. */
  readonly model?: string;
  /** The system prompt, already folded from every system source. Empty when there is none. */
  readonly system: string;
  /**
   * Alternating turns, oldest first; consecutive same-role turns are already merged. `system` turns are system
   * messages inside the conversation (Claude Code's `# Environment`), kept where they stand.
   */
  readonly turns: readonly ConversationTurn[];
  readonly tools: readonly ToolDefinition[];
  readonly toolChoice: ToolChoice;
  readonly thinking: ThinkingSetting;
  /** Upper bound on generated tokens; the engine clamps it to what the context has left. */
  readonly maxTokens: number;
  readonly sampling: SamplingOptions;
  readonly stopSequences: readonly string[];
  /** The conversation this request belongs to (Claude Code's session id), shown per sequence on the live page. Defaults to none. */
  readonly session?: string;
  /**
   * Tools whose input streams as it is generated (string values chunk by chunk, which a cut call leaves as
   * invalid JSON) instead of by whole top-level values. Defaults to none.
   */
  readonly eagerInputTools?: readonly string[];
  /**
   * JSON Schema (an object schema) that the reply's text must satisfy: structured outputs. The text is then
   * generated under a grammar and is JSON. Defaults to free text.
   */
  readonly responseSchema?: Readonly<Record<string, unknown>>;
}

/** The part of a request that decides the prompt; all that token counting needs. */
export type PromptRequest = Pick<GenerationRequest, "model" | "system" | "turns" | "tools" | "toolChoice" | "thinking" | "responseSchema">;

/**
 * Reasoning for models whose chat format has thought segments (Qwen3, DeepSeek-R1 style): the model's own
 * default, off, or on with a token budget. Models without reasoning ignore it.
 */
export type ThinkingSetting =
  | { readonly type: "default" }
  | { readonly type: "disabled" }
  | { readonly type: "enabled"; readonly budgetTokens: number };

export interface SamplingOptions {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  /** The sampler's seed for this request (0 to 2^32 - 1), for a reproducible reply. Defaults to the engine's. */
  readonly seed?: number;
}

export type ConversationTurn =
  | { readonly role: "user"; readonly parts: readonly UserPart[] }
  | { readonly role: "assistant"; readonly parts: readonly AssistantPart[] }
  /**
   * A system message inside the conversation. Rendered where it stands, so that the prompt before it stays the
   * same when it changes (the working directory of a new session); never between a tool call and its result.
   */
  | { readonly role: "system"; readonly text: string };

export type UserPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "tool-result"; readonly toolCallId: string; readonly content: string; readonly isError: boolean };

export type AssistantPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "thinking"; readonly text: string }
  | { readonly type: "tool-call"; readonly id: string; readonly name: string; readonly input: unknown };

export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the tool's input object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
  /**
   * Loaded on demand (`defer_loading`): callable, but not described with the other tools at the top of the
   * prompt, because the conversation carries its definition where it was loaded. Defaults to `false`.
   */
  readonly deferred?: boolean;
}

export type ToolChoice =
  | { readonly type: "auto"; readonly disableParallelToolUse: boolean }
  | { readonly type: "any"; readonly disableParallelToolUse: boolean }
  | { readonly type: "tool"; readonly name: string; readonly disableParallelToolUse: boolean }
  | { readonly type: "none" };
