/** A JSON Schema object as a client sent it: anything may be missing or of the wrong type. */
export type JsonSchemaObject = Readonly<Record<string, unknown>>;

export function isJsonSchemaObject(value: unknown): value is JsonSchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `target[key] = value` as an own property, even for a key named "__proto__" (JSON.parse makes those). */
export function setOwnProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
