import { describe, expect, it } from "vitest";
import { ApiError, InvalidRequestError, NotFoundError, OverloadedError, ServerError } from "../../../src/api/server-error.js";
import { toServerError } from "../../../src/api/to-server-error.js";
import {
  ChatTemplateError,
  EngineOverloadedError,
  EngineUnavailableError,
  PromptTooLongError,
} from "../../../src/engine/engine-errors.js";
import { ToolSchemaError } from "../../../src/engine/tool-schema/tool-schema-error.js";

function answer(error: unknown) {
  const serverError = toServerError(error);
  return { status: serverError.status, type: serverError.type, message: serverError.message, headers: serverError.headers };
}

describe("toServerError", () => {
  it("passes server errors through unchanged", () => {
    const error = new NotFoundError("model: x");
    expect(toServerError(error)).toBe(error);
  });

  it("maps each engine error to its Anthropic status and type", () => {
    expect(answer(new PromptTooLongError(5000, 4094))).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: "prompt is too long: 5000 tokens > 4094 maximum",
    });
    expect(answer(new EngineOverloadedError("busy", 7))).toEqual({
      status: 529,
      type: "overloaded_error",
      message: "busy",
      headers: { "retry-after": "7", "x-should-retry": "true" },
    });
    expect(answer(new EngineUnavailableError("the model is still loading"))).toMatchObject({ status: 503, type: "api_error" });
  });

  it("reports a conversation the model's chat template refuses as the client's error, never a 500", () => {
    expect(answer(new ChatTemplateError("System message must be at the beginning."))).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: "the model's chat template cannot render this conversation: System message must be at the beginning.",
    });
  });

  it("reports a tool schema it cannot compile as the client's error", () => {
    const serverError = toServerError(new ToolSchemaError("tools.0.input_schema", "nesting deeper than 64 levels"));
    expect(serverError).toBeInstanceOf(InvalidRequestError);
    expect(serverError.message).toBe("tools.0.input_schema: nesting deeper than 64 levels");
  });

  it("maps Fastify's body errors to the messages clients see", () => {
    expect(answer({ code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 })).toMatchObject({ status: 413, type: "request_too_large" });
    expect(answer({ code: "FST_ERR_CTP_INVALID_MEDIA_TYPE", statusCode: 415 })).toMatchObject({
      status: 415,
      message: "Unsupported content type: send application/json.",
    });
    expect(answer({ code: "FST_ERR_CTP_EMPTY_JSON_BODY" })).toMatchObject({ status: 400, message: "The request body is empty: send a JSON object." });
    expect(answer({ code: "FST_ERR_CTP_INVALID_JSON_BODY" })).toMatchObject({ status: 400, message: "The request body is not valid JSON." });
    expect(answer({ code: "FST_ERR_NOT_FOUND" })).toMatchObject({ status: 404, type: "not_found_error" });
    expect(answer(new SyntaxError("Unexpected token"))).toMatchObject({ status: 400, message: "The request body is not valid JSON." });
  });

  it("formats schema validation failures", () => {
    const error = { validation: [{ instancePath: "/max_tokens", keyword: "type", message: "must be integer", params: { type: "integer" } }] };
    expect(answer(error)).toMatchObject({ status: 400, type: "invalid_request_error" });
  });

  it("keeps other 4xx statuses with their message, or a generic one", () => {
    expect(answer({ statusCode: 405, message: "Method not allowed" })).toMatchObject({ status: 405, message: "Method not allowed" });
    expect(answer({ statusCode: 422 })).toMatchObject({ status: 422, message: "Invalid request." });
  });

  it("hides the message of anything unexpected behind a 500", () => {
    for (const error of [new Error("/home/user/secret path"), { statusCode: 502, message: "upstream" }, "a string", null, undefined]) {
      expect(answer(error)).toMatchObject({ status: 500, type: "api_error", message: "Internal server error." });
    }
  });

  it("builds Anthropic's error body with the request id", () => {
    expect(new ApiError("boom").toBody("req_1")).toEqual({ type: "error", error: { type: "api_error", message: "boom" }, request_id: "req_1" });
    expect(new OverloadedError("busy", 3)).toBeInstanceOf(ServerError);
  });
});
