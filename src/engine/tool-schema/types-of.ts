import type { ScalarType } from "./grammar-schema-shapes.js";
import type { JsonSchemaObject } from "./json-schema-object.js";

export type JsonType = ScalarType | "object" | "array";

const jsonTypes: ReadonlySet<string> = new Set<JsonType>(["string", "number", "integer", "boolean", "null", "object", "array"]);

/** The declared types; inferred from type-specific keywords when `type` is absent; `undefined`: any value. */
export function typesOf(schema: JsonSchemaObject): readonly JsonType[] | undefined {
  const declared = schema["type"];
  const listed = (Array.isArray(declared) ? (declared as readonly unknown[]) : [declared]).filter(
    (type): type is JsonType => typeof type === "string" && jsonTypes.has(type),
  );
  let types: JsonType[];
  if (listed.length > 0) types = [...new Set(listed)];
  else if (declared !== undefined) return undefined; // only unknown type names: accept anything rather than nothing
  else types = inferTypes(schema);
  if (types.length === 0) return undefined;
  if (schema["nullable"] === true && !types.includes("null")) types.push("null"); // OpenAPI 3.0 style
  // "integer" is a subset of "number": keeping both would only make the grammar ambiguous.
  return types.includes("number") ? types.filter((type) => type !== "integer") : types;
}

function inferTypes(schema: JsonSchemaObject): JsonType[] {
  const has = (...keywords: string[]): boolean => keywords.some((keyword) => schema[keyword] !== undefined);
  const types: JsonType[] = [];
  if (has("properties", "required", "additionalProperties", "patternProperties", "propertyNames", "minProperties", "maxProperties")) types.push("object");
  if (has("items", "prefixItems", "additionalItems", "minItems", "maxItems", "contains", "uniqueItems")) types.push("array");
  if (has("minLength", "maxLength", "pattern", "format")) types.push("string");
  if (has("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")) types.push("number");
  return types;
}
