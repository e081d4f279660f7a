import { PromptTooLongError } from "../../../engine/engine-errors.js";
import type { ServerError } from "../../server-error.js";
import type { OpenAiErrorBody } from "../../wire/chat-completion-types.js";

/** An error as an OpenAI client gets it: the status, OpenAI's body, the headers (`retry-after`). */
export interface OpenAiErrorAnswer {
  readonly status: number;
  readonly body: OpenAiErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

/** The field a message names first (`messages.0.content: …`), OpenAI's `param`. */
const fieldPrefix = /^([A-Za-z_][\w.]*): /;

/**
 * The same error in OpenAI's shape, `{error: {message, type, param, code}}`, with the `type` and `code` OpenAI
 * itself uses: a wrong key is `invalid_request_error`/`invalid_api_key`, a prompt that does not fit
 * `context_length_exceeded`, and a full queue (Anthropic's 529, which OpenAI clients do not know) a 503
 * `server_error` they retry after `retry-after`. `cause` is what was thrown, before `toServerError`.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function toOpenAiError(error: ServerError, cause: unknown): OpenAiErrorAnswer {
  const [status, type, code] = openAiKind(error, cause);
  const param = error.type === "invalid_request_error" ? (fieldPrefix.exec(error.message)?.[1] ?? null) : null;
  return { status, body: { error: { message: error.message, type, param, code } }, headers: error.headers };
}

function openAiKind(error: ServerError, cause: unknown): [status: number, type: string, code: string | null] {
  switch (error.type) {
    case "invalid_request_error":
      return [error.status, "invalid_request_error", cause instanceof PromptTooLongError ? "context_length_exceeded" : null];
    case "authentication_error":
      return [error.status, "invalid_request_error", "invalid_api_key"];
    case "permission_error":
      return [error.status, "invalid_request_error", "permission_denied"];
    case "not_found_error":
      return [error.status, "invalid_request_error", "not_found"];
    case "request_too_large":
      return [error.status, "invalid_request_error", "request_too_large"];
    case "rate_limit_error":
      return [error.status, "rate_limit_error", "rate_limit_exceeded"];
    case "overloaded_error":
      return [503, "server_error", "overloaded"];
    case "api_error":
      return [error.status, "server_error", null];
  }
}
