import { isJsonSchemaObject } from "../../engine/tool-schema/json-schema-object.js";
import { InvalidRequestError } from "../server-error.js";
import type { CountTokensRequest } from "../wire/messages-request.js";
import { constrainedSchemaProblem } from "./constrained-schema-problem.js";

/**
 * The JSON Schema a structured-outputs request asks the reply to follow: `output_config.format`, or the deprecated
 * `output_format` when that is absent. `undefined` for free text. Refuses, naming the field, a format other than
 * `json_schema`, a missing schema, a root that is not an object, and what constrained decoding cannot guarantee
 * (`constrainedSchemaProblem`: recursive schemas, for one).
 */
export function toResponseSchema(body: CountTokensRequest): Readonly<Record<string, unknown>> | undefined {
  const configured = body.output_config?.format;
  const [format, field] =
    configured !== undefined && configured !== null ? [configured, "output_config.format"] : [body.output_format ?? null, "output_format"];
  if (format === null) return undefined;
  if (format.type !== "json_schema") throw new InvalidRequestError(`${field}.type: Input should be 'json_schema'`);
  const schema: unknown = (format as Record<string, unknown>)["schema"];
  if (!isJsonSchemaObject(schema)) throw new InvalidRequestError(`${field}.schema: Input should be a valid dictionary`);
  if (schema["type"] !== undefined && schema["type"] !== "object") {
    throw new InvalidRequestError(`${field}.schema.type: the schema of a structured output must be an object schema ('type': 'object')`);
  }
  const problem = constrainedSchemaProblem(schema, `${field}.schema`);
  if (problem !== null) throw new InvalidRequestError(problem);
  return schema;
}
