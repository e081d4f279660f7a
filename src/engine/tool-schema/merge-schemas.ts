import { isJsonSchemaObject, setOwnProperty, type JsonSchemaObject } from "./json-schema-object.js";

const lowerBoundKeywords = new Set(["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"]);
const upperBoundKeywords = new Set(["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"]);

/**
 * One schema that accepts (about) what both `first` and `second` accept: how `allOf` and a `$ref` with
 * sibling keywords are flattened before conversion. Property maps and `required` are joined, bounds take the
 * tighter value, `type` and `enum` are intersected. What cannot be joined in place (two `$ref`s, two
 * `anyOf`s) is deferred into `allOf`, which the converter flattens again one level deeper. `first` wins
 * every other conflict, so the schema at the point of use keeps its own description.
 */
export function mergeSchemas(first: JsonSchemaObject, second: JsonSchemaObject): JsonSchemaObject {
  const merged: Record<string, unknown> = { ...first };
  const deferred: JsonSchemaObject[] = [];
  for (const [keyword, value] of Object.entries(second)) {
    if (!Object.hasOwn(merged, keyword) || merged[keyword] === undefined) {
      setOwnProperty(merged, keyword, value);
      continue;
    }
    const existing = merged[keyword];
    if (keyword === "$ref" || keyword === "anyOf" || keyword === "oneOf" || keyword === "not" || keyword === "items") {
      if (existing !== value) deferred.push({ [keyword]: value });
    } else if (keyword === "allOf") {
      merged[keyword] = [...asArray(existing), ...asArray(value)];
    } else if (keyword === "properties") {
      merged[keyword] = mergePropertyMaps(existing, value);
    } else if (keyword === "required") {
      merged[keyword] = [...new Set([...asArray(existing), ...asArray(value)])];
    } else if (keyword === "type") {
      merged[keyword] = intersectTypes(existing, value);
    } else if (keyword === "enum") {
      // A set, not a search per item: two enums of n values would otherwise cost n² comparisons.
      const values = new Set(asArray(value).map((item) => JSON.stringify(item)));
      const common = asArray(existing).filter((item) => values.has(JSON.stringify(item)));
      if (common.length > 0) merged[keyword] = common;
    } else if (keyword === "additionalProperties") {
      merged[keyword] = mergeAdditionalProperties(existing, value);
    } else if (lowerBoundKeywords.has(keyword) && typeof existing === "number" && typeof value === "number") {
      merged[keyword] = Math.max(existing, value);
    } else if (upperBoundKeywords.has(keyword) && typeof existing === "number" && typeof value === "number") {
      merged[keyword] = Math.min(existing, value);
    }
  }
  if (deferred.length > 0) merged["allOf"] = [...asArray(merged["allOf"]), ...deferred];
  return merged;
}

function mergePropertyMaps(first: unknown, second: unknown): Record<string, unknown> {
  const merged: Record<string, unknown> = isJsonSchemaObject(first) ? { ...first } : {};
  if (!isJsonSchemaObject(second)) return merged;
  for (const [name, schema] of Object.entries(second)) {
    const existing = Object.hasOwn(merged, name) ? merged[name] : undefined;
    setOwnProperty(merged, name, existing === undefined ? schema : { allOf: [existing, schema] });
  }
  return merged;
}

function mergeAdditionalProperties(first: unknown, second: unknown): unknown {
  if (first === false || second === false) return false;
  if (first === true || (isJsonSchemaObject(first) && Object.keys(first).length === 0)) return second;
  if (second === true || (isJsonSchemaObject(second) && Object.keys(second).length === 0)) return first;
  return { allOf: [first, second] };
}

// "integer" is a kind of "number"; an empty intersection is a schema nothing satisfies, so keep the first.
function intersectTypes(first: unknown, second: unknown): unknown {
  const firstTypes = asArray(first).filter((type): type is string => typeof type === "string");
  const secondTypes = new Set(asArray(second).filter((type): type is string => typeof type === "string"));
  const common: string[] = [];
  for (const type of firstTypes) {
    if (secondTypes.has(type)) common.push(type);
    else if (type === "number" && secondTypes.has("integer")) common.push("integer");
    else if (type === "integer" && secondTypes.has("number")) common.push("integer");
  }
  if (common.length === 0) return first;
  return common.length === 1 ? common[0] : [...new Set(common)];
}

function asArray(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value as readonly unknown[];
  return value === undefined ? [] : [value];
}
