import { hasJsonType, isJsonSchemaObject, type JsonSchemaObject } from "./json-schema-object.js";
import { SchemaDocument } from "./schema-document.js";
import { SchemaPattern } from "./schema-pattern.js";
import { SchemaWorkBudget } from "./schema-work-budget.js";
import { ToolSchemaError } from "./tool-schema-error.js";

/** Data nesting plus `$ref` hops a check follows before it gives up on a branch (and says so). */
const maxCheckDepth = 128;
/** Violations listed per value: a schema naming a failing definition twice at each of 20 levels would list 2^20. */
const maxListedErrors = 20;
/** Steps one check of one tool call may take (a schema node against a value: about a microsecond) before it stops. */
export const maxCheckSteps = 20_000;

/** A `$ref` target being checked against a value further up the stack: a cycle that consumes no input. */
const checking: readonly string[] = [];

/**
 * What is wrong with a tool call's `input` against the tool's JSON Schema: one line per violation (`input.limit:
 * must be greater than 0`), at most `maxListedErrors`, empty when it validates. Covers the keywords tools use:
 * `type`, `enum`, `const`, numeric bounds and `multipleOf`, string lengths (in code points, as JSON Schema counts
 * them) and `pattern` (RE2, see `SchemaPattern`), array and object keywords, `$ref`, `allOf`/`anyOf`/`oneOf`/`not`,
 * `if`/`then`/`else`. Formats are not checked. Self-written rather than a validator dependency: the keyword set
 * is small and the generated input is already shaped by the grammar, so this only has to catch what the grammar
 * cannot enforce.
 *
 * Bounded whatever the schema: each `$ref` target is checked once per value (a definition named at many places
 * costs one check), a `$ref` cycle that consumes no input is cut, and past `budget` the check stops and says so
 * in its one line instead of throwing (it runs after generation, where there is no one left to refuse).
 */
export function checkToolInput(schema: unknown, input: unknown, budget: SchemaWorkBudget = new SchemaWorkBudget(maxCheckSteps)): string[] {
  try {
    return new ToolInputChecker(new SchemaDocument(schema, budget, "input")).errors(schema, input, "input");
  } catch (error) {
    if (!(error instanceof ToolSchemaError)) throw error;
    return [`input: not checked: the schema takes more than ${budget.limit} steps to check`];
  }
}

/**
 * The checker behind `checkToolInput`, for callers that check subschemas of one root (`$ref`s resolve against
 * it). Throws `ToolSchemaError` once its document's budget is spent.
 */
export class ToolInputChecker {
  private readonly patterns = new Map<string, SchemaPattern | null>();
  /** Errors (their path cut off) of each `$ref` target against each value it was checked against. */
  private readonly referenced = new Map<unknown, Map<unknown, readonly string[]>>();
  private readonly canonicalForms = new Map<object, string>();
  private readonly enumForms = new Map<readonly unknown[], ReadonlySet<string>>();

  constructor(private readonly document: SchemaDocument) {}

  errors(schema: unknown, value: unknown, path: string, depth = 0): string[] {
    if (schema === true || schema === undefined) return [];
    if (schema === false) return [`${path}: is not allowed`];
    if (!isJsonSchemaObject(schema)) return [];
    if (depth > maxCheckDepth) return [`${path}: nested too deeply to check`];
    this.spend(1);

    const errors: string[] = [];
    const reference = schema["$ref"];
    if (typeof reference === "string") {
      const target = this.document.resolve(reference);
      if (target !== undefined) append(errors, this.referenceErrors(target, value, path, depth + 1));
    }
    this.checkType(schema, value, path, errors);
    const allowed = schema["enum"];
    if (Array.isArray(allowed) && !this.enumForm(allowed as readonly unknown[]).has(this.canonical(value))) {
      errors.push(`${path}: must be one of ${JSON.stringify(allowed)}`);
    }
    if (Object.hasOwn(schema, "const") && this.canonical(schema["const"]) !== this.canonical(value)) {
      errors.push(`${path}: must be ${JSON.stringify(schema["const"])}`);
    }
    if (typeof value === "number") checkNumber(schema, value, path, errors);
    else if (typeof value === "string") this.checkString(schema, value, path, errors);
    else if (Array.isArray(value)) this.checkArray(schema, value as readonly unknown[], path, depth, errors);
    else if (isJsonSchemaObject(value)) this.checkObject(schema, value, path, depth, errors);
    this.checkCombinators(schema, value, path, depth, errors);
    return errors.length > maxListedErrors ? errors.slice(0, maxListedErrors) : errors;
  }

  // A definition named at many places, or twice at each of many levels, is checked once per value.
  private referenceErrors(target: unknown, value: unknown, path: string, depth: number): readonly string[] {
    let byValue = this.referenced.get(target);
    if (byValue === undefined) {
      byValue = new Map();
      this.referenced.set(target, byValue);
    }
    const known = byValue.get(value);
    if (known === checking) return [];
    if (known !== undefined) return known.map((error) => path + error);
    byValue.set(value, checking);
    const errors = this.errors(target, value, path, depth);
    byValue.set(value, errors.map((error) => error.slice(path.length)));
    return errors;
  }

  private checkType(schema: JsonSchemaObject, value: unknown, path: string, errors: string[]): void {
    const declared = schema["type"];
    if (declared === undefined) return;
    const listed = Array.isArray(declared) ? (declared as readonly unknown[]) : [declared];
    this.spend(listed.length);
    const types = listed.filter((type) => typeof type === "string");
    if (types.length === 0 || types.some((type) => hasJsonType(value, type))) return;
    if (value === null && schema["nullable"] === true) return;
    errors.push(`${path}: must be of type ${types.join(" or ")}`);
  }

  private checkString(schema: JsonSchemaObject, value: string, path: string, errors: string[]): void {
    const { minLength, maxLength, pattern } = schema;
    if (typeof minLength === "number" || typeof maxLength === "number") {
      this.spend(value.length / 1024);
      const length = codePointLength(value);
      if (typeof minLength === "number" && length < minLength) errors.push(`${path}: must have at least ${minLength} characters`);
      if (typeof maxLength === "number" && length > maxLength) errors.push(`${path}: must have at most ${maxLength} characters`);
    }
    if (typeof pattern === "string" && this.matches(pattern, value) === false) errors.push(`${path}: must match pattern ${pattern}`);
  }

  private checkArray(schema: JsonSchemaObject, value: readonly unknown[], path: string, depth: number, errors: string[]): void {
    const { items, prefixItems, additionalItems, minItems, maxItems, uniqueItems, contains } = schema;
    // Draft 2020-12 tuples are `prefixItems`; earlier drafts wrote them as an `items` array plus `additionalItems`.
    const tuple = Array.isArray(prefixItems) ? (prefixItems as readonly unknown[]) : Array.isArray(items) ? (items as readonly unknown[]) : [];
    const rest = Array.isArray(items) ? additionalItems : items;
    value.forEach((item, index) => {
      const itemSchema = index < tuple.length ? tuple[index] : rest;
      append(errors, this.errors(itemSchema, item, `${path}.${index}`, depth + 1));
    });
    if (typeof minItems === "number" && value.length < minItems) errors.push(`${path}: must have at least ${minItems} items`);
    if (typeof maxItems === "number" && value.length > maxItems) errors.push(`${path}: must have at most ${maxItems} items`);
    if (uniqueItems === true && new Set(value.map((item) => this.canonical(item))).size !== value.length) {
      errors.push(`${path}: items must be unique`);
    }
    if (contains !== undefined && !value.some((item, index) => this.errors(contains, item, `${path}.${index}`, depth + 1).length === 0)) {
      errors.push(`${path}: must contain a matching item`);
    }
  }

  private checkObject(schema: JsonSchemaObject, value: JsonSchemaObject, path: string, depth: number, errors: string[]): void {
    const properties = isJsonSchemaObject(schema["properties"]) ? schema["properties"] : {};
    const patternProperties = isJsonSchemaObject(schema["patternProperties"]) ? Object.entries(schema["patternProperties"]) : [];
    const { required, additionalProperties, propertyNames, minProperties, maxProperties } = schema;
    if (Array.isArray(required)) {
      this.spend(required.length);
      for (const name of required) if (typeof name === "string" && !Object.hasOwn(value, name)) errors.push(`${path}: missing required property ${name}`);
    }
    for (const [name, item] of Object.entries(value)) {
      const itemPath = `${path}.${name}`;
      let matched = false;
      if (Object.hasOwn(properties, name)) {
        matched = true;
        append(errors, this.errors(properties[name], item, itemPath, depth + 1));
      }
      for (const [pattern, patternSchema] of patternProperties) {
        if (this.matches(pattern, name) === true) {
          matched = true;
          append(errors, this.errors(patternSchema, item, itemPath, depth + 1));
        }
      }
      if (!matched && additionalProperties === false) errors.push(`${path}: unexpected property ${name}`);
      else if (!matched) append(errors, this.errors(additionalProperties, item, itemPath, depth + 1));
      if (propertyNames !== undefined) append(errors, this.errors(propertyNames, name, `${itemPath} (name)`, depth + 1));
    }
    const count = Object.keys(value).length;
    if (typeof minProperties === "number" && count < minProperties) errors.push(`${path}: must have at least ${minProperties} properties`);
    if (typeof maxProperties === "number" && count > maxProperties) errors.push(`${path}: must have at most ${maxProperties} properties`);
  }

  private checkCombinators(schema: JsonSchemaObject, value: unknown, path: string, depth: number, errors: string[]): void {
    const { allOf, anyOf, oneOf, not } = schema;
    if (Array.isArray(allOf)) for (const part of allOf) append(errors, this.errors(part, value, path, depth + 1));
    if (Array.isArray(anyOf) && !anyOf.some((part) => this.errors(part, value, path, depth + 1).length === 0)) {
      errors.push(`${path}: must match at least one schema in anyOf`);
    }
    if (Array.isArray(oneOf)) {
      const matches = oneOf.filter((part) => this.errors(part, value, path, depth + 1).length === 0).length;
      if (matches !== 1) errors.push(`${path}: must match exactly one schema in oneOf (matches ${matches})`);
    }
    if (not !== undefined && this.errors(not, value, path, depth + 1).length === 0) errors.push(`${path}: must not match the schema in not`);
    if (schema["if"] !== undefined) {
      const branch = this.errors(schema["if"], value, path, depth + 1).length === 0 ? schema["then"] : schema["else"];
      append(errors, this.errors(branch, value, path, depth + 1));
    }
  }

  /**
   * Whether `pattern` matches `text`, or `undefined` for a pattern RE2 cannot compile (a request with one is
   * refused before generation; here it is skipped, not failed). Matching counts `program size × text length`.
   */
  matches(pattern: string, text: string): boolean | undefined {
    let compiled = this.patterns.get(pattern);
    if (compiled === undefined) {
      this.spend(SchemaPattern.compileCost(pattern));
      const result = SchemaPattern.compile(pattern);
      compiled = typeof result === "string" ? null : result;
      this.patterns.set(pattern, compiled);
    }
    if (compiled === null) return undefined;
    this.spend(1 + (text.length * compiled.programSize) / 512);
    return compiled.test(text);
  }

  private enumForm(values: readonly unknown[]): ReadonlySet<string> {
    let form = this.enumForms.get(values);
    if (form === undefined) {
      this.spend(values.length);
      form = new Set(values.map((item) => this.canonical(item)));
      this.enumForms.set(values, form);
    }
    return form;
  }

  // Key order does not matter for JSON equality. Kept per object: enum and uniqueItems compare the same values often.
  private canonical(value: unknown): string {
    if (typeof value !== "object" || value === null) {
      if (typeof value === "string") this.spend(value.length / 1024);
      return JSON.stringify(value) ?? "undefined";
    }
    let form = this.canonicalForms.get(value);
    if (form === undefined) {
      form = JSON.stringify(value, (_key, item: unknown) =>
        isJsonSchemaObject(item) ? Object.fromEntries(Object.entries(item).sort(([first], [second]) => (first < second ? -1 : first > second ? 1 : 0))) : item,
      );
      this.spend(1 + form.length / 256);
      this.canonicalForms.set(value, form);
    }
    return form;
  }

  private spend(units: number): void {
    this.document.budget.spend(units, this.document.path);
  }
}

function checkNumber(schema: JsonSchemaObject, value: number, path: string, errors: string[]): void {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
  if (typeof minimum === "number") {
    // Draft 4 wrote exclusive bounds as a boolean next to minimum/maximum.
    if (exclusiveMinimum === true ? value <= minimum : value < minimum) {
      errors.push(`${path}: must be ${exclusiveMinimum === true ? "greater than" : "at least"} ${minimum}`);
    }
  }
  if (typeof exclusiveMinimum === "number" && value <= exclusiveMinimum) errors.push(`${path}: must be greater than ${exclusiveMinimum}`);
  if (typeof maximum === "number") {
    if (exclusiveMaximum === true ? value >= maximum : value > maximum) {
      errors.push(`${path}: must be ${exclusiveMaximum === true ? "less than" : "at most"} ${maximum}`);
    }
  }
  if (typeof exclusiveMaximum === "number" && value >= exclusiveMaximum) errors.push(`${path}: must be less than ${exclusiveMaximum}`);
  if (typeof multipleOf === "number" && multipleOf > 0 && !isMultipleOf(value, multipleOf)) errors.push(`${path}: must be a multiple of ${multipleOf}`);
}

/** Adds `more` to `errors` once each, up to `maxListedErrors`: the lists of nested schemas would otherwise multiply. */
function append(errors: string[], more: readonly string[]): void {
  for (const error of more) {
    if (errors.length >= maxListedErrors) return;
    if (!errors.includes(error)) errors.push(error);
  }
}

function isMultipleOf(value: number, divisor: number): boolean {
  const quotient = value / divisor;
  // Decimal divisors (0.1) leave binary rounding noise: compare with a relative tolerance.
  return Math.abs(quotient - Math.round(quotient)) < 1e-9 * Math.max(1, Math.abs(quotient));
}

function codePointLength(value: string): number {
  let length = 0;
  for (const _character of value) length += 1;
  return length;
}
