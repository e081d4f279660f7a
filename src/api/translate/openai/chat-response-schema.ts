import { InvalidRequestError } from "../../server-error.js";
import type { ChatCompletionsRequest } from "../../wire/chat-completions-request.js";
import { checkedResponseSchema } from "../checked-response-schema.js";

/** JSON mode: any JSON object. */
const anyObject: Readonly<Record<string, unknown>> = { type: "object" };

/**
 * The schema `response_format` asks the reply to follow: `json_schema` its schema (checked like the Messages API's
 * structured outputs), `json_object` any JSON object, `text` (or none) free text.
 * @see https://platform.openai.com/docs/guides/structured-outputs
 */
export function toChatResponseSchema(format: ChatCompletionsRequest["response_format"]): Readonly<Record<string, unknown>> | undefined {
  switch (format?.type) {
    case undefined:
    case "text":
      return undefined;
    case "json_object":
      return anyObject;
    case "json_schema": {
      const schema = format.json_schema?.schema;
      if (schema === undefined) throw new InvalidRequestError("response_format.json_schema.schema: Field required");
      return checkedResponseSchema(schema, "response_format.json_schema.schema");
    }
  }
}
