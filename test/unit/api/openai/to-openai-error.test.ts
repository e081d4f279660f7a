import { describe, expect, it } from "vitest";
import { PromptTooLongError } from "../../../../src/engine/engine-errors.js";
import {
  ApiError,
  AuthenticationError,
  InvalidRequestError,
  NotFoundError,
  OverloadedError,
  PermissionError,
  RequestTooLargeError,
  ServerError,
} from "../../../../src/api/server-error.js";
import { toOpenAiError } from "../../../../src/api/translate/openai/to-openai-error.js";

describe("toOpenAiError", () => {
  it.each([
    [new InvalidRequestError("bad"), 400, "invalid_request_error", null],
    [new AuthenticationError("no key"), 401, "invalid_request_error", "invalid_api_key"],
    [new PermissionError("not yours"), 403, "invalid_request_error", "permission_denied"],
    [new NotFoundError("no such model"), 404, "invalid_request_error", "not_found"],
    [new RequestTooLargeError("too big"), 413, "invalid_request_error", "request_too_large"],
    [new ServerError(429, "rate_limit_error", "slow down"), 429, "rate_limit_error", "rate_limit_exceeded"],
    [new OverloadedError("queue full", 3), 503, "server_error", "overloaded"],
    [new ApiError("broke"), 500, "server_error", null],
  ])("answers %o with OpenAI's status, type and code", (error, status, type, code) => {
    const answer = toOpenAiError(error, error);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { message: error.message, type, param: null, code } });
    expect(answer.headers).toBe(error.headers);
  });

  it("calls a prompt that does not fit context_length_exceeded, from the engine's error behind it", () => {
    const error = new InvalidRequestError("prompt is too long");
    expect(toOpenAiError(error, new PromptTooLongError(9_000, 8_000)).body.error.code).toBe("context_length_exceeded");
    expect(toOpenAiError(error, error).body.error.code).toBeNull();
  });

  it("names the field of an invalid request as param, and only of an invalid request", () => {
    expect(toOpenAiError(new InvalidRequestError("messages.0.content: Field required"), null).body.error.param).toBe("messages.0.content");
    expect(toOpenAiError(new InvalidRequestError("no field named here"), null).body.error.param).toBeNull();
    expect(toOpenAiError(new NotFoundError("model: not found"), null).body.error.param).toBeNull();
  });

  it("keeps retry-after on a full queue", () => {
    expect(toOpenAiError(new OverloadedError("queue full", 3), null).headers["retry-after"]).toBe("3");
  });
});
