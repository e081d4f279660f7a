import { isJsonSchemaObject, type JsonSchemaObject } from "./json-schema-object.js";
import { mergeSchemas } from "./merge-schemas.js";
import { resolveSchemaReference } from "./resolve-schema-reference.js";
import type { SchemaWorkBudget } from "./schema-work-budget.js";

/** `$ref` / `allOf` steps `flatten` takes for one subschema: enough for real schemas, finite for `{$ref: "#"}`. */
const maxFlattenSteps = 16;

/**
 * One tool schema as the code that walks it sees it: each `$ref` resolved once, each node's `$ref` and `allOf`
 * merged once (a schema that names a definition at many places merges it once per place, not once per visit),
 * and every merge counted in the budget at its cost (a merge copies keyword and property maps). Lives as long
 * as one conversion, repair or check; the caches hold objects of this one schema only.
 */
export class SchemaDocument {
  private readonly targets = new Map<string, unknown>();
  private readonly referenceMerges = new Map<JsonSchemaObject, JsonSchemaObject>();
  private readonly allOfMerges = new Map<JsonSchemaObject, JsonSchemaObject>();
  private readonly flattenings = new Map<JsonSchemaObject, JsonSchemaObject>();

  constructor(
    readonly root: unknown,
    readonly budget: SchemaWorkBudget,
    /** Where the schema sits in the request (`tools.3.input_schema`), for errors. */
    readonly path: string,
  ) {}

  /** The subschema a `$ref` points to (see `resolveSchemaReference`), resolved once per reference. */
  resolve(reference: string): unknown {
    if (this.targets.has(reference)) return this.targets.get(reference);
    this.budget.spend(1, this.path);
    const target = resolveSchemaReference(this.root, reference);
    this.targets.set(reference, target);
    return target;
  }

  /** One schema that accepts (about) what both accept: `mergeSchemas`, counted in the budget. */
  merge(first: JsonSchemaObject, second: JsonSchemaObject): JsonSchemaObject {
    this.budget.spend(mergeCost(first) + mergeCost(second), this.path);
    return mergeSchemas(first, second);
  }

  /** A schema with a string `$ref`: its sibling keywords merged with the target, or alone when the target is no object. */
  withReferenceTarget(schema: JsonSchemaObject, reference: string): JsonSchemaObject {
    let merged = this.referenceMerges.get(schema);
    if (merged === undefined) {
      const { $ref: _ref, ...siblings } = schema;
      const target = this.resolve(reference);
      merged = isJsonSchemaObject(target) ? this.merge(siblings, target) : siblings;
      this.referenceMerges.set(schema, merged);
    }
    return merged;
  }

  /** A schema with a non-empty `allOf`: its other keywords merged with every part. */
  withAllOfMerged(schema: JsonSchemaObject, allOf: readonly unknown[]): JsonSchemaObject {
    let merged = this.allOfMerges.get(schema);
    if (merged === undefined) {
      const { allOf: _allOf, ...rest } = schema;
      merged = allOf.reduce<JsonSchemaObject>((accumulated, part) => (isJsonSchemaObject(part) ? this.merge(accumulated, part) : accumulated), rest);
      this.allOfMerges.set(schema, merged);
    }
    return merged;
  }

  /** `$ref` and `allOf` folded into one schema, as far as `maxFlattenSteps` steps go (a cycle stops there). */
  flatten(schema: JsonSchemaObject): JsonSchemaObject {
    const known = this.flattenings.get(schema);
    if (known !== undefined) return known;
    let flat = schema;
    for (let step = 0; step < maxFlattenSteps; step += 1) {
      const reference = flat["$ref"];
      const allOf = flat["allOf"];
      if (typeof reference === "string") flat = this.withReferenceTarget(flat, reference);
      else if (Array.isArray(allOf) && allOf.length > 0) flat = this.withAllOfMerged(flat, allOf as readonly unknown[]);
      else break;
    }
    this.flattenings.set(schema, flat);
    return flat;
  }
}

/** What merging `schema` costs: its keywords, plus the lists and maps a merge copies or compares. */
function mergeCost(schema: JsonSchemaObject): number {
  let cost = 1;
  for (const [keyword, value] of Object.entries(schema)) {
    cost += 1;
    if (Array.isArray(value)) cost += value.length;
    else if (keyword === "properties" && isJsonSchemaObject(value)) cost += Object.keys(value).length;
  }
  return cost;
}
