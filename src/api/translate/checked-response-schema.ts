import { isJsonSchemaObject } from "../../engine/tool-schema/json-schema-object.js";
import { InvalidRequestError } from "../server-error.js";
import { constrainedSchemaProblem } from "./constrained-schema-problem.js";

/**
 * The JSON Schema a structured reply must follow, checked: an object (`field` names it in the error), with an object
 * root, and nothing constrained decoding cannot guarantee (`constrainedSchemaProblem`: recursive schemas, for one).
 */
export function checkedResponseSchema(schema: unknown, field: string): Readonly<Record<string, unknown>> {
  if (!isJsonSchemaObject(schema)) throw new InvalidRequestError(`${field}: Input should be a valid dictionary`);
  if (schema["type"] !== undefined && schema["type"] !== "object") {
    throw new InvalidRequestError(`${field}.type: the schema of a structured output must be an object schema ('type': 'object')`);
  }
  const problem = constrainedSchemaProblem(schema, field);
  if (problem !== null) throw new InvalidRequestError(problem);
  return schema;
}
