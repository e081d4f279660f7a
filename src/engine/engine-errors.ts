/** Domain errors the engine throws; the API edge maps each to an Anthropic error in one place. */
export class EngineError extends Error {
  override readonly name: string = "EngineError";
}

export class PromptTooLongError extends EngineError {
  override readonly name = "PromptTooLongError";
  constructor(
    readonly promptTokens: number,
    readonly maxInputTokens: number,
  ) {
    super(`prompt is too long: ${promptTokens} tokens > ${maxInputTokens} maximum`);
  }
}

/** The model is not loaded (still loading, or its load failed). */
export class EngineUnavailableError extends EngineError {
  override readonly name = "EngineUnavailableError";
}

/** Every sequence is busy and the wait queue is full. */
export class EngineOverloadedError extends EngineError {
  override readonly name = "EngineOverloadedError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/**
 * An upstream engine refused or failed a request. `clientFault` when the request itself was refused (a 4xx
 * other than 408 and 429): the client should not retry it as it is.
 */
export class UpstreamFailedError extends EngineError {
  override readonly name = "UpstreamFailedError";
  constructor(
    message: string,
    readonly clientFault: boolean,
  ) {
    super(message);
  }
}

/**
 * The chat format refused the conversation: a model's Jinja template raised (Qwen3.5's on a system message after
 * the first, others on a tool result without its call). The request is what it cannot render, not the server.
 */
export class ChatTemplateError extends EngineError {
  override readonly name = "ChatTemplateError";
  constructor(reason: string) {
    super(`the model's chat template cannot render this conversation: ${reason}`);
  }
}
