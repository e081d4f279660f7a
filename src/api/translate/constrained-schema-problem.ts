import { isJsonSchemaObject } from "../../engine/tool-schema/json-schema-object.js";
import { resolveSchemaReference } from "../../engine/tool-schema/resolve-schema-reference.js";

/**
 * Keywords whose constraint neither the grammar nor the repair step after it can guarantee. Anthropic's own
 * subset for structured outputs and strict tools leaves them out too.
 */
const unenforceableKeywords = [
  "not",
  "if",
  "then",
  "else",
  "pattern",
  "patternProperties",
  "propertyNames",
  "dependentSchemas",
  "dependentRequired",
  "dependencies",
  "contains",
  "minContains",
  "maxContains",
  "minProperties",
  "maxProperties",
] as const;
/** String formats the grammar generates (node-llama-cpp's); any other would only be described to the model. */
const enforcedFormats: ReadonlySet<string> = new Set(["date", "time", "date-time"]);
/** `minLength` / `minItems` the grammar enforces; beyond it node-llama-cpp would expand a rule per repetition. */
const maxEnforcedMinimum = 256;
const maxDepth = 64;
const maxVisits = 10_000;

/**
 * Why `schema` cannot be guaranteed by constrained decoding (structured outputs, strict tools), or `null` when every
 * reply generated for it validates: the grammar from `toGrammarSchema` plus `repairToolInput` enforce types,
 * `enum`, `const`, properties and `required`, `additionalProperties`, `anyOf`/`oneOf`/`allOf`, local `$ref`s, numeric
 * bounds, string and array lengths and the `date`/`time`/`date-time` formats. Refused: recursive and external
 * `$ref`s, `pattern`, other formats and the keywords in `unenforceableKeywords`. `field` names the schema in the
 * message (`output_config.format.schema.properties.tags`).
 */
export function constrainedSchemaProblem(schema: unknown, field: string): string | null {
  return new ConstrainedSchemaCheck(schema).problem(schema, field, [], 0);
}

class ConstrainedSchemaCheck {
  /** `$ref`s whose targets were checked completely: a schema that reuses a definition is checked once per definition. */
  private readonly checkedReferences = new Set<string>();
  private visits = 0;

  constructor(private readonly root: unknown) {}

  problem(schema: unknown, field: string, references: readonly string[], depth: number): string | null {
    if (!isJsonSchemaObject(schema)) return null;
    if (depth > maxDepth) return `${field}: schema nesting exceeds ${maxDepth} levels`;
    if (++this.visits > maxVisits) return `${field}: schema is too large (more than ${maxVisits} subschemas after expanding $ref)`;

    const reference = schema["$ref"];
    if (typeof reference === "string") {
      const found = this.referenceProblem(reference, field, references, depth);
      if (found !== null) return found;
    }
    for (const keyword of unenforceableKeywords) {
      if (schema[keyword] !== undefined) return `${field}.${keyword}: not supported for structured outputs and strict tools on this server`;
    }
    if (schema["uniqueItems"] === true) return `${field}.uniqueItems: not supported for structured outputs and strict tools on this server`;
    for (const keyword of ["unevaluatedProperties", "unevaluatedItems"]) {
      if (schema[keyword] !== undefined && schema[keyword] !== false) return `${field}.${keyword}: only false is supported`;
    }
    const format = schema["format"];
    if (typeof format === "string" && !enforcedFormats.has(format)) {
      return `${field}.format: '${format}' cannot be enforced by this server (supported: ${[...enforcedFormats].join(", ")})`;
    }
    for (const keyword of ["minLength", "minItems"]) {
      const minimum = schema[keyword];
      if (typeof minimum === "number" && minimum > maxEnforcedMinimum) return `${field}.${keyword}: at most ${maxEnforcedMinimum} is supported`;
    }
    return this.childProblem(schema, field, references, depth);
  }

  private referenceProblem(reference: string, field: string, references: readonly string[], depth: number): string | null {
    if (!reference.startsWith("#")) return `${field}.$ref: only local references ('#/$defs/…') are supported, not '${reference}'`;
    if (references.includes(reference)) return `${field}.$ref: recursive schemas are not supported ('${reference}' refers back to itself)`;
    if (this.checkedReferences.has(reference)) return null;
    const target = resolveSchemaReference(this.root, reference);
    if (target === undefined) return `${field}.$ref: '${reference}' does not resolve`;
    const found = this.problem(target, field, [...references, reference], depth + 1);
    if (found === null) this.checkedReferences.add(reference);
    return found;
  }

  private childProblem(schema: Readonly<Record<string, unknown>>, field: string, references: readonly string[], depth: number): string | null {
    const children: [unknown, string][] = [];
    const properties = schema["properties"];
    if (isJsonSchemaObject(properties)) for (const [name, child] of Object.entries(properties)) children.push([child, `${field}.properties.${name}`]);
    for (const keyword of ["additionalProperties", "items", "additionalItems"]) children.push([schema[keyword], `${field}.${keyword}`]);
    for (const keyword of ["prefixItems", "items", "anyOf", "oneOf", "allOf"]) {
      const list = schema[keyword];
      if (Array.isArray(list)) list.forEach((child: unknown, index) => children.push([child, `${field}.${keyword}.${index}`]));
    }
    for (const [child, childField] of children) {
      const found = this.problem(child, childField, references, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
}
