/** A JSON Schema object as a client sent it: anything may be missing or of the wrong type. */
export type JsonSchemaObject = Readonly<Record<string, unknown>>;

export function isJsonSchemaObject(value: unknown): value is JsonSchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `target[key] = value` as an own property, even for a key named "__proto__" (JSON.parse makes those). */
export function setOwnProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Whether a JSON value is of a JSON Schema `type`: a number must be finite, and an unknown type name restricts nothing. */
export function hasJsonType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return isJsonSchemaObject(value);
    default:
      return true; // an unknown type name restricts nothing we can check
  }
}
