/** A JSON Schema object as a client sent it: anything may be missing or of the wrong type. */
export type JsonSchemaObject = Readonly<Record<string, unknown>>;

export function isJsonSchemaObject(value: unknown): value is JsonSchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
