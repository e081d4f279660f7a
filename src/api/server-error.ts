/**
 * Every error the API answers with: an HTTP status and the Anthropic error `type` clients branch on.
 * Handlers throw these (or anything else, which becomes a 500); one error handler writes the body.
 */
export class ServerError extends Error {
  override readonly name: string = "ServerError";
  constructor(
    readonly status: number,
    readonly type: AnthropicErrorType,
    message: string,
    /** Extra response headers, such as `retry-after`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  toBody(requestId: string): AnthropicErrorBody {
    return { type: "error", error: { type: this.type, message: this.message }, request_id: requestId };
  }
}

export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error";

export interface AnthropicErrorBody {
  readonly type: "error";
  readonly error: { readonly type: AnthropicErrorType; readonly message: string };
  readonly request_id: string;
}

export class InvalidRequestError extends ServerError {
  override readonly name = "InvalidRequestError";
  constructor(message: string, status = 400) {
    super(status, "invalid_request_error", message);
  }
}

export class AuthenticationError extends ServerError {
  override readonly name = "AuthenticationError";
  constructor(message: string) {
    super(401, "authentication_error", message);
  }
}

export class PermissionError extends ServerError {
  override readonly name = "PermissionError";
  constructor(message: string) {
    super(403, "permission_error", message);
  }
}

export class NotFoundError extends ServerError {
  override readonly name = "NotFoundError";
  constructor(message: string) {
    super(404, "not_found_error", message);
  }
}

export class RequestTooLargeError extends ServerError {
  override readonly name = "RequestTooLargeError";
  constructor(message: string) {
    super(413, "request_too_large", message);
  }
}

export class OverloadedError extends ServerError {
  override readonly name = "OverloadedError";
  constructor(message: string, retryAfterSeconds: number) {
    super(529, "overloaded_error", message, { "retry-after": String(retryAfterSeconds), "x-should-retry": "true" });
  }
}

export class ApiError extends ServerError {
  override readonly name = "ApiError";
  constructor(message: string, status = 500) {
    super(status, "api_error", message);
  }
}
