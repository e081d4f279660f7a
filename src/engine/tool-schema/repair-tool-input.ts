import { ToolInputChecker } from "./check-tool-input.js";
import { isJsonSchemaObject, type JsonSchemaObject } from "./json-schema-object.js";
import { SchemaDocument } from "./schema-document.js";
import { SchemaWorkBudget } from "./schema-work-budget.js";
import { ToolSchemaError } from "./tool-schema-error.js";

/** Data nesting plus schema expansions a repair follows; deeper values are returned as they are. */
const maxRepairDepth = 128;
/** Steps one repair of one tool call may take (a schema node against a value, a merge: about a microsecond each). */
export const maxRepairSteps = 20_000;

/**
 * A generated tool input brought in line with the tool's own JSON Schema, for what the grammar from
 * `toGrammarSchema` cannot enforce:
 * - optional properties the model set to `null` are removed (the grammar emits every property, optional ones
 *   as nullable), unless the schema itself names `null` as a value;
 * - numbers are rounded when the schema wants an integer and clamped into `minimum`/`maximum`/`exclusiveMinimum`/
 *   `exclusiveMaximum` (then to `multipleOf`): a random or careless model writes `limit: 0` where `> 0` is required;
 * - strings are cut to `maxLength` (in code points, and never past `maxLength` UTF-16 units either, which is how
 *   JavaScript clients count), arrays to `maxItems`;
 * - properties that `additionalProperties: false` forbids are removed.
 * Repairing beats re-sampling: another generation costs seconds and may miss again, while a clamped number is
 * the nearest valid value. `anyOf`/`oneOf` take the first alternative the repaired value satisfies.
 * `undefined` (a call without arguments) becomes `{}`. The input is not modified; a repaired copy is returned.
 *
 * Bounded whatever the schema: `$ref`s and `allOf`s are merged once per node, and a repair that would take more
 * than `budget` allows returns the input as it is (it runs after generation: the check that follows says so).
 */
export function repairToolInput(schema: unknown, input: unknown, budget: SchemaWorkBudget = new SchemaWorkBudget(maxRepairSteps)): unknown {
  const value = input === undefined ? {} : input;
  try {
    return new ToolInputRepairer(new SchemaDocument(schema, budget, "input")).repair(schema, value, 0);
  } catch (error) {
    if (!(error instanceof ToolSchemaError)) throw error;
    return value;
  }
}

class ToolInputRepairer {
  private readonly checker: ToolInputChecker;

  constructor(private readonly document: SchemaDocument) {
    this.checker = new ToolInputChecker(document);
  }

  repair(schema: unknown, value: unknown, depth: number): unknown {
    if (depth > maxRepairDepth || !isJsonSchemaObject(schema)) return value;
    this.document.budget.spend(1, this.document.path);
    const flat = this.document.flatten(schema);
    const alternatives = Array.isArray(flat["anyOf"]) ? flat["anyOf"] : Array.isArray(flat["oneOf"]) ? flat["oneOf"] : undefined;
    if (alternatives !== undefined) return this.repairAlternatives(flat, alternatives as readonly unknown[], value, depth);
    if (typeof value === "number") return repairNumber(flat, value);
    if (typeof value === "string") {
      this.document.budget.spend(value.length / 1024, this.document.path);
      return repairString(flat, value);
    }
    if (Array.isArray(value)) return this.repairArray(flat, value as readonly unknown[], depth);
    if (isJsonSchemaObject(value)) return this.repairObject(flat, value, depth);
    return value;
  }

  private repairAlternatives(schema: JsonSchemaObject, alternatives: readonly unknown[], value: unknown, depth: number): unknown {
    const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema;
    for (const alternative of alternatives) {
      if (alternative === false) continue;
      const merged = isJsonSchemaObject(alternative) ? this.document.merge(alternative, rest) : rest;
      const candidate = this.repair(merged, value, depth + 1);
      if (this.checker.errors(merged, candidate, "input").length === 0) return candidate;
    }
    return this.repair(rest, value, depth + 1);
  }

  private repairObject(schema: JsonSchemaObject, value: JsonSchemaObject, depth: number): Record<string, unknown> {
    const properties = isJsonSchemaObject(schema["properties"]) ? schema["properties"] : {};
    const patternProperties = isJsonSchemaObject(schema["patternProperties"]) ? Object.entries(schema["patternProperties"]) : [];
    const required = new Set(Array.isArray(schema["required"]) ? (schema["required"] as readonly unknown[]) : []);
    this.document.budget.spend(required.size, this.document.path);
    const additionalProperties = schema["additionalProperties"];
    // Collected as entries: assigning a property named "__proto__" would set the prototype instead.
    const repaired: [string, unknown][] = [];
    for (const [name, item] of Object.entries(value)) {
      if (Object.hasOwn(properties, name)) {
        const propertySchema = properties[name];
        if (item === null && !required.has(name) && !this.namesNull(propertySchema, depth)) continue;
        repaired.push([name, this.repair(propertySchema, item, depth + 1)]);
        continue;
      }
      const patternSchema = patternProperties.find(([pattern]) => this.checker.matches(pattern, name) === true)?.[1];
      if (patternSchema !== undefined) repaired.push([name, this.repair(patternSchema, item, depth + 1)]);
      else if (additionalProperties !== false) repaired.push([name, this.repair(additionalProperties, item, depth + 1)]);
    }
    return Object.fromEntries(repaired);
  }

  private repairArray(schema: JsonSchemaObject, value: readonly unknown[], depth: number): unknown[] {
    const { items, prefixItems, additionalItems, maxItems } = schema;
    const tuple = Array.isArray(prefixItems) ? (prefixItems as readonly unknown[]) : Array.isArray(items) ? (items as readonly unknown[]) : [];
    const rest = Array.isArray(items) ? additionalItems : items;
    const kept = typeof maxItems === "number" && maxItems >= 0 ? value.slice(0, Math.floor(maxItems)) : value;
    return kept.map((item, index) => this.repair(index < tuple.length ? tuple[index] : rest, item, depth + 1));
  }

  /** Whether `null` is a value the schema names (a type, enum member or const), not merely allows by saying nothing. */
  private namesNull(schema: unknown, depth: number): boolean {
    if (depth > maxRepairDepth || !isJsonSchemaObject(schema)) return false;
    const flat = this.document.flatten(schema);
    this.document.budget.spend(1 + (Array.isArray(flat["enum"]) ? flat["enum"].length : 0), this.document.path);
    const type = flat["type"];
    if (type === "null" || (Array.isArray(type) && type.includes("null")) || flat["nullable"] === true) return true;
    if (Array.isArray(flat["enum"]) && flat["enum"].includes(null)) return true;
    if (Object.hasOwn(flat, "const") && flat["const"] === null) return true;
    return [flat["anyOf"], flat["oneOf"]].some(
      (alternatives) => Array.isArray(alternatives) && alternatives.some((alternative) => this.namesNull(alternative, depth + 1)),
    );
  }
}

function repairNumber(schema: JsonSchemaObject, value: number): number {
  const declared = schema["type"];
  const types = Array.isArray(declared) ? (declared as readonly unknown[]) : [declared];
  const integer = types.includes("integer") && !types.includes("number");
  const range = allowedRange(schema, integer);
  if (range === undefined) return value; // no value satisfies the bounds: nothing sensible to clamp to
  // JSON.parse turns an overlong exponent ("1e999") into Infinity, which JSON.stringify would send as null.
  const finite = Number.isFinite(value) ? value : value > 0 ? (range.highest ?? Number.MAX_SAFE_INTEGER) : (range.lowest ?? -Number.MAX_SAFE_INTEGER);
  let repaired = integer ? Math.round(finite) : finite;
  if (range.lowest !== undefined && repaired < range.lowest) repaired = range.lowest;
  if (range.highest !== undefined && repaired > range.highest) repaired = range.highest;
  const multipleOf = schema["multipleOf"];
  if (typeof multipleOf === "number" && multipleOf > 0) {
    let multiple = Math.round(repaired / multipleOf) * multipleOf;
    if (range.lowest !== undefined && multiple < range.lowest) multiple += multipleOf;
    if (range.highest !== undefined && multiple > range.highest) multiple -= multipleOf;
    const inRange = (range.lowest === undefined || multiple >= range.lowest) && (range.highest === undefined || multiple <= range.highest);
    if (inRange) repaired = multiple;
  }
  return repaired;
}

/** The smallest and largest values the bounds allow, exclusive bounds turned inclusive; `undefined` when empty. */
function allowedRange(schema: JsonSchemaObject, integer: boolean): { lowest?: number; highest?: number } | undefined {
  const lower = bound(schema, "minimum", "exclusiveMinimum", (first, second) => first > second);
  const upper = bound(schema, "maximum", "exclusiveMaximum", (first, second) => first < second);
  let lowest: number | undefined;
  let highest: number | undefined;
  if (integer) {
    if (lower !== undefined) lowest = lower.exclusive ? Math.floor(lower.value) + 1 : Math.ceil(lower.value);
    if (upper !== undefined) highest = upper.exclusive ? Math.ceil(upper.value) - 1 : Math.floor(upper.value);
  } else {
    // Just inside an exclusive bound: one unit in, or halfway to the other bound when the range is narrower.
    if (lower !== undefined) lowest = lower.exclusive ? Math.min(lower.value + 1, upper === undefined ? Infinity : (lower.value + upper.value) / 2) : lower.value;
    if (upper !== undefined) highest = upper.exclusive ? Math.max(upper.value - 1, lower === undefined ? -Infinity : (lower.value + upper.value) / 2) : upper.value;
  }
  if (lowest !== undefined && highest !== undefined && lowest > highest) return undefined;
  return { ...(lowest === undefined ? {} : { lowest }), ...(highest === undefined ? {} : { highest }) };
}

/** The tighter of an inclusive bound and an exclusive one (draft 4: a boolean `exclusive…` beside the inclusive one). */
function bound(
  schema: JsonSchemaObject,
  inclusiveKeyword: "minimum" | "maximum",
  exclusiveKeyword: "exclusiveMinimum" | "exclusiveMaximum",
  tighter: (first: number, second: number) => boolean,
): { value: number; exclusive: boolean } | undefined {
  const inclusive = schema[inclusiveKeyword];
  const exclusive = schema[exclusiveKeyword];
  let result: { value: number; exclusive: boolean } | undefined;
  if (typeof inclusive === "number") result = { value: inclusive, exclusive: exclusive === true };
  if (typeof exclusive === "number" && (result === undefined || !tighter(result.value, exclusive))) result = { value: exclusive, exclusive: true };
  return result;
}

function repairString(schema: JsonSchemaObject, value: string): string {
  const maxLength = schema["maxLength"];
  if (typeof maxLength !== "number" || maxLength < 0 || value.length <= maxLength) return value;
  // Cut at a code point boundary, keeping both the code point count and the UTF-16 length within the limit.
  let cut = "";
  for (const character of value) {
    if (cut.length + character.length > maxLength) break;
    cut += character;
  }
  return cut;
}
