import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest } from "../wire/messages-request.js";
import { checkedResponseSchema } from "./checked-response-schema.js";

/**
 * The JSON Schema a structured-outputs request asks the reply to follow: `output_config.format`, or the deprecated
 * `output_format` when that is absent. `undefined` for free text. Refuses, naming the field, a format other than
 * `json_schema`, a missing schema, a root that is not an object, and what constrained decoding cannot guarantee.
 */
export function toResponseSchema(body: CountTokensRequest): Readonly<Record<string, unknown>> | undefined {
  const configured = body.output_config?.format;
  const [format, field] =
    configured !== undefined && configured !== null ? [configured, "output_config.format"] : [body.output_format ?? null, "output_format"];
  if (format === null) return undefined;
  if (format.type !== "json_schema") throw new InvalidRequestError(`${field}.type: Input should be 'json_schema'`);
  return checkedResponseSchema((format as Record<string, unknown>)["schema"], `${field}.schema`);
}
