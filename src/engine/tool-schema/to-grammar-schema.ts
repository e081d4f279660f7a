import type { GbnfJsonSchema } from "node-llama-cpp";
import { collapseScalarTypes, withDescription, withNull, type ScalarType } from "./grammar-schema-shapes.js";
import { hasJsonType, isJsonSchemaObject, type JsonSchemaObject } from "./json-schema-object.js";
import { maxSchemaDepth, measureToolSchema } from "./measure-tool-schema.js";
import { numberHints } from "./number-hints.js";
import { SchemaDocument } from "./schema-document.js";
import { SchemaWorkBudget } from "./schema-work-budget.js";
import { ToolSchemaError } from "./tool-schema-error.js";
import { typesOf } from "./types-of.js";

/** `minItems` / `maxItems` above this are dropped: llama.cpp expands each repetition into its own rule. */
const maxGrammarRepetitions = 256;

type JsonPrimitive = string | number | boolean | null;

const grammarFormats: ReadonlySet<string> = new Set(["date", "time", "date-time"]);

/** Any JSON value: node-llama-cpp has no "any" schema, and an untyped schema would otherwise allow only `null`. */
const anyValue: GbnfJsonSchema = {
  oneOf: [{ type: ["string", "number", "boolean", "null"] }, { type: "array" }, { type: "object", additionalProperties: true }],
};

/**
 * Converts a tool's JSON Schema (any draft; Claude Code sends 2020-12) into the subset node-llama-cpp compiles
 * into a grammar. What the grammar can enforce is kept (types, `enum`, `const`, properties, `minLength`,
 * `minItems`/`maxItems`, `date`/`time`/`date-time` formats, `additionalProperties: false`); `$ref`, `allOf`,
 * `anyOf`/`oneOf` and type arrays are expanded; the rest is dropped, and what the model should still respect
 * (integer-ness, numeric ranges, `maxLength`, `pattern`, other formats) is appended to the description it reads.
 * `repairToolInput` and `checkToolInput` cover what the grammar does not.
 *
 * node-llama-cpp makes every listed property required, so optional properties become nullable here and the
 * nulls are removed again by `repairToolInput`.
 *
 * Unsupported keywords are dropped, never refused. Throws `ToolSchemaError` (naming `path`) only for a schema
 * that would cost too much or cannot run safely: `measureToolSchema` runs first, on the same `budget` (one per
 * request, shared by its tools; the conversion counts in it too), so an exponential schema or a pattern RE2
 * cannot compile is refused before generation, and the repair and check of its calls stay small.
 */
export function toGrammarSchema(schema: unknown, path: string, budget: SchemaWorkBudget = new SchemaWorkBudget()): GbnfJsonSchema {
  measureToolSchema(schema, path, budget);
  return new GrammarSchemaConverter(new SchemaDocument(schema, budget, path)).convertRoot();
}

class GrammarSchemaConverter {
  /** The key `uniqueSchemas` compares, per converted object: nested alternatives are compared again at each level. */
  private readonly keys = new Map<GbnfJsonSchema, string>();
  private readonly path: string;

  constructor(private readonly document: SchemaDocument) {
    this.path = document.path;
  }

  convertRoot(): GbnfJsonSchema {
    // A tool call's input is always an object (the API requires `type: "object"` at the root).
    const root = isJsonSchemaObject(this.document.root) ? this.document.root : {};
    return this.convert({ ...root, type: "object" }, 0, [], true);
  }

  /** `references`: the `$ref`s being expanded on the way here, to cut cycles. */
  private convert(schema: unknown, depth: number, references: readonly string[], isRoot = false): GbnfJsonSchema {
    // Checked before descending, so a 10,000-level schema fails at level 65 instead of overflowing the stack.
    if (depth > maxSchemaDepth) throw new ToolSchemaError(this.path, `schema nesting exceeds ${maxSchemaDepth} levels`);
    this.countNodes(1);
    if (schema === false) return { type: "null" };
    if (!isJsonSchemaObject(schema)) return anyValue;

    const reference = schema["$ref"];
    if (typeof reference === "string") return this.convertReference(schema, reference, depth, references, isRoot);
    for (const keyword of ["anyOf", "oneOf"] as const) {
      const alternatives = schema[keyword];
      if (Array.isArray(alternatives) && alternatives.length > 0) {
        return this.convertAlternatives(schema, keyword, alternatives as readonly unknown[], depth, references);
      }
    }
    const allOf = schema["allOf"];
    if (Array.isArray(allOf) && allOf.length > 0) {
      return this.convert(this.document.withAllOfMerged(schema, allOf as readonly unknown[]), depth + 1, references, isRoot);
    }
    return this.convertPlain(schema, depth, references, isRoot);
  }

  private convertReference(
    schema: JsonSchemaObject,
    reference: string,
    depth: number,
    references: readonly string[],
    isRoot: boolean,
  ): GbnfJsonSchema {
    // A cycle or a reference we cannot follow leaves the value unconstrained: the grammar cannot recurse forever.
    if (references.includes(reference)) {
      const { $ref: _ref, ...siblings } = schema;
      return this.convert(siblings, depth + 1, references, isRoot);
    }
    const target = this.document.resolve(reference);
    if (target === false) return { type: "null" };
    const merged = this.document.withReferenceTarget(schema, reference);
    return this.convert(merged, depth + 1, isJsonSchemaObject(target) ? [...references, reference] : references, isRoot);
  }

  // `{type: "string", anyOf: [A, B]}` is `anyOf: [A ∧ type, B ∧ type]`: distribute, convert, flatten.
  private convertAlternatives(
    schema: JsonSchemaObject,
    keyword: "anyOf" | "oneOf",
    alternatives: readonly unknown[],
    depth: number,
    references: readonly string[],
  ): GbnfJsonSchema {
    const { [keyword]: _alternatives, description: _description, title: _title, ...rest } = schema;
    const variants: GbnfJsonSchema[] = [];
    for (const alternative of alternatives) {
      if (alternative === false) continue;
      const merged = isJsonSchemaObject(alternative) ? this.document.merge(alternative, rest) : rest;
      const converted = this.convert(merged, depth + 1, references);
      if ("oneOf" in converted && converted.description === undefined) variants.push(...converted.oneOf);
      else variants.push(converted);
    }
    const unique = this.uniqueSchemas(collapseScalarTypes(variants));
    const description = descriptionOf(schema, []);
    const [only] = unique;
    if (only === undefined) return withDescription({ type: "null" }, description);
    if (unique.length === 1) return withDescription(only, description);
    this.countNodes(unique.length);
    return withDescription({ oneOf: unique }, description);
  }

  private convertPlain(schema: JsonSchemaObject, depth: number, references: readonly string[], isRoot: boolean): GbnfJsonSchema {
    if (Object.hasOwn(schema, "const") && schema["const"] !== undefined) {
      return withDescription(this.convertConstant(schema["const"], depth), descriptionOf(schema, []));
    }
    const types = typesOf(schema);
    const enumValues = schema["enum"];
    if (Array.isArray(enumValues)) {
      const allowed = (enumValues as readonly unknown[]).filter((value) => types === undefined || types.some((type) => hasJsonType(value, type)));
      if (allowed.length > 0) return withDescription(this.convertEnum(allowed, depth), descriptionOf(schema, []));
    }
    if (types === undefined) return withDescription(anyValue, descriptionOf(schema, []));

    const variants: GbnfJsonSchema[] = [];
    const scalarTypes: ScalarType[] = [];
    const hints: string[] = [];
    for (const type of types) {
      if (type === "object") variants.push(this.convertObject(schema, depth, references, isRoot));
      else if (type === "array") variants.push(this.convertArray(schema, depth, references, hints));
      else if (type === "string") {
        const stringSchema = convertString(schema, hints);
        if (stringSchema === undefined) scalarTypes.push("string");
        else variants.push(stringSchema);
      } else if (type === "number" || type === "integer") {
        // An integer is generated as a number: node-llama-cpp's integer rule allows exponents ("5e-3") that its own
        // check then rejects with an exception. `repairToolInput` rounds instead; the hint tells the model.
        hints.push(...numberHints(schema, type === "integer"));
        scalarTypes.push("number");
      } else {
        scalarTypes.push(type);
      }
    }
    if (scalarTypes.length > 0) variants.push({ type: scalarTypes.length === 1 && scalarTypes[0] !== undefined ? scalarTypes[0] : scalarTypes });
    const description = descriptionOf(schema, hints);
    const [only] = variants;
    if (only !== undefined && variants.length === 1) return withDescription(only, description);
    return withDescription({ oneOf: variants }, description);
  }

  private convertObject(schema: JsonSchemaObject, depth: number, references: readonly string[], isRoot: boolean): GbnfJsonSchema {
    const declared = isJsonSchemaObject(schema["properties"]) ? schema["properties"] : {};
    const required = new Set(Array.isArray(schema["required"]) ? schema["required"].filter((name) => typeof name === "string") : []);
    // Collected as entries: assigning a property named "__proto__" would set the prototype instead.
    const properties = new Map<string, GbnfJsonSchema>();
    const entries = Object.entries(declared);
    this.countNodes(entries.length);
    for (const [name, propertySchema] of entries) {
      if (propertySchema === false) continue; // the property must be absent: never generate it
      const converted = this.convert(propertySchema, depth + 1, references);
      properties.set(name, required.has(name) ? converted : withNull(converted));
    }
    // A required property without a schema may hold anything, but must be there.
    for (const name of required) if (!properties.has(name) && declared[name] !== false) properties.set(name, anyValue);

    const additional = schema["additionalProperties"];
    const declaresShape = isJsonSchemaObject(schema["properties"]) || isJsonSchemaObject(schema["patternProperties"]);
    let additionalProperties: boolean | GbnfJsonSchema;
    if (additional === false) additionalProperties = false;
    else if (additional === true || (isJsonSchemaObject(additional) && Object.keys(additional).length === 0)) additionalProperties = true;
    else if (isJsonSchemaObject(additional)) additionalProperties = this.convert(additional, depth + 1, references);
    // Unlisted keys are allowed by JSON Schema, but only worth generating for a free-form object (`{type: "object"}`,
    // `metadata`); the root of a tool with no declared shape takes no parameters rather than invented ones.
    else additionalProperties = !declaresShape && !isRoot;
    // node-llama-cpp types nested schemas with an empty `$defs` list; this converter never emits `$ref`.
    return { type: "object", properties: Object.fromEntries(properties), additionalProperties } as GbnfJsonSchema;
  }

  private convertArray(schema: JsonSchemaObject, depth: number, references: readonly string[], hints: string[]): GbnfJsonSchema {
    const items = schema["items"];
    // Draft 2020-12 tuples are `prefixItems`; drafts up to 2019-09 wrote them as an `items` array.
    const tuple = Array.isArray(schema["prefixItems"]) ? (schema["prefixItems"] as readonly unknown[]) : Array.isArray(items) ? (items as readonly unknown[]) : undefined;
    const rest = Array.isArray(items) ? schema["additionalItems"] : items;
    const array: { items?: GbnfJsonSchema; prefixItems?: GbnfJsonSchema[]; minItems?: number; maxItems?: number } = {};
    if (tuple !== undefined && tuple.length > 0) {
      this.countNodes(tuple.length);
      array.prefixItems = tuple.map((item) => this.convert(item, depth + 1, references));
    }
    if (rest === false && array.prefixItems !== undefined) array.maxItems = array.prefixItems.length;
    else if (rest !== undefined && rest !== true) array.items = this.convert(rest, depth + 1, references);

    const minItems = nonNegativeInteger(schema["minItems"]);
    if (minItems !== undefined && minItems > 0) {
      if (minItems <= maxGrammarRepetitions) array.minItems = minItems;
      else hints.push(`at least ${minItems} items`);
    }
    const maxItems = nonNegativeInteger(schema["maxItems"]);
    if (maxItems !== undefined && array.maxItems === undefined) {
      if (maxItems <= maxGrammarRepetitions) array.maxItems = Math.max(maxItems, array.prefixItems?.length ?? 0);
      else hints.push(`at most ${maxItems} items`);
    }
    return { type: "array", ...array } as GbnfJsonSchema;
  }

  private convertEnum(values: readonly unknown[], depth: number): GbnfJsonSchema {
    this.countNodes(values.length);
    const primitives = values.filter(isJsonPrimitive);
    const structured = values.filter((value) => !isJsonPrimitive(value)).map((value) => this.convertConstant(value, depth));
    if (structured.length === 0) return { enum: primitives };
    return { oneOf: primitives.length > 0 ? [{ enum: primitives }, ...structured] : structured };
  }

  // node-llama-cpp's `const` takes primitives only: an object or array constant becomes an exact schema.
  private convertConstant(value: unknown, depth: number): GbnfJsonSchema {
    if (depth > maxSchemaDepth) throw new ToolSchemaError(this.path, `schema nesting exceeds ${maxSchemaDepth} levels`);
    if (isJsonPrimitive(value)) return { const: value };
    if (Array.isArray(value)) {
      this.countNodes(value.length);
      const prefixItems = (value as readonly unknown[]).map((item) => this.convertConstant(item, depth + 1));
      return { type: "array", prefixItems, maxItems: prefixItems.length };
    }
    if (isJsonSchemaObject(value)) {
      const entries = Object.entries(value);
      this.countNodes(entries.length);
      const properties = Object.fromEntries(entries.map(([name, item]) => [name, this.convertConstant(item, depth + 1)]));
      return { type: "object", properties, additionalProperties: false };
    }
    return { type: "null" };
  }

  private countNodes(count: number): void {
    this.document.budget.spend(count, this.path);
  }

  private uniqueSchemas(schemas: readonly GbnfJsonSchema[]): GbnfJsonSchema[] {
    const seen = new Set<string>();
    return schemas.filter((schema) => {
      let key = this.keys.get(schema);
      if (key === undefined) {
        key = JSON.stringify(schema);
        this.keys.set(schema, key);
      }
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}

/** A string schema with what the grammar enforces, or `undefined` for a plain string. */
function convertString(schema: JsonSchemaObject, hints: string[]): GbnfJsonSchema | undefined {
  const format = schema["format"];
  const maxLength = nonNegativeInteger(schema["maxLength"]);
  // node-llama-cpp counts `maxLength` in code points while generating but checks it in UTF-16 units afterwards and
  // throws on a mismatch (one emoji is enough), so it is left to `repairToolInput` instead.
  if (maxLength !== undefined) hints.push(`at most ${maxLength} characters`);
  if (typeof schema["pattern"] === "string") hints.push(`pattern ${schema["pattern"]}`);
  if (typeof format === "string" && grammarFormats.has(format)) return { type: "string", format: format as "date" | "time" | "date-time" };
  // Any other format would make node-llama-cpp generate only "": describe it instead.
  if (typeof format === "string") hints.push(`format ${format}`);
  const minLength = nonNegativeInteger(schema["minLength"]);
  if (minLength !== undefined && minLength > 0 && minLength <= maxGrammarRepetitions) return { type: "string", minLength };
  if (minLength !== undefined && minLength > maxGrammarRepetitions) hints.push(`at least ${minLength} characters`);
  return undefined;
}

function descriptionOf(schema: JsonSchemaObject, hints: readonly string[]): string | undefined {
  const own = typeof schema["description"] === "string" ? schema["description"] : typeof schema["title"] === "string" ? schema["title"] : undefined;
  if (hints.length === 0) return own;
  const hintText = hints.join(", ");
  return own === undefined || own === "" ? hintText : `${own} (${hintText})`;
}

function isJsonPrimitive(value: unknown): value is JsonPrimitive {
  return value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}
