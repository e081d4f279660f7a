import {
  ChatTemplateError,
  EngineOverloadedError,
  EngineUnavailableError,
  PromptTooLongError,
  UpstreamFailedError,
} from "../engine/engine-errors.js";
import { ToolSchemaError } from "../engine/tool-schema/tool-schema-error.js";
import { ApiError, InvalidRequestError, NotFoundError, OverloadedError, RequestTooLargeError, ServerError } from "./server-error.js";
import { formatValidationErrors, type ValidationIssue } from "./wire/format-validation-errors.js";

interface FastifyLikeError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly validation?: readonly ValidationIssue[];
  readonly message?: string;
}

/**
 * The one place that decides how any thrown value reaches the client. Messages of unexpected errors are
 * not passed through: they may hold paths or internals.
 */
export function toServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error;
  if (error instanceof PromptTooLongError) return new InvalidRequestError(error.message);
  if (error instanceof ToolSchemaError) return new InvalidRequestError(error.message);
  if (error instanceof ChatTemplateError) return new InvalidRequestError(error.message);
  if (error instanceof EngineOverloadedError) return new OverloadedError(error.message, error.retryAfterSeconds);
  if (error instanceof EngineUnavailableError) return new ApiError(error.message, 503);
  // An upstream's refusal of the request is the client's to fix; its failure is a bad gateway, worth a retry.
  if (error instanceof UpstreamFailedError) return error.clientFault ? new InvalidRequestError(error.message) : new ApiError(error.message, 502);

  const fastifyError = (typeof error === "object" && error !== null ? error : {}) as FastifyLikeError;
  if (fastifyError.validation !== undefined) return new InvalidRequestError(formatValidationErrors(fastifyError.validation));
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new RequestTooLargeError("Request exceeds the maximum allowed number of bytes.");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new InvalidRequestError("Unsupported content type: send application/json.", 415);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new InvalidRequestError("The request body is empty: send a JSON object.");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new InvalidRequestError("The request body is not valid JSON.");
    case "FST_ERR_NOT_FOUND":
      return new NotFoundError("Not found.");
  }
  if (error instanceof SyntaxError) return new InvalidRequestError("The request body is not valid JSON.");
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new InvalidRequestError(fastifyError.message ?? "Invalid request.", status);
  }
  return new ApiError("Internal server error.");
}
