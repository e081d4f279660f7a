import { hasJsonType, isJsonSchemaObject, type JsonSchemaObject } from "./json-schema-object.js";
import { resolveSchemaReference } from "./resolve-schema-reference.js";

/** Data nesting plus `$ref` hops a check follows before it gives up on a branch (and says so). */
const maxCheckDepth = 128;

/**
 * What is wrong with a tool call's `input` against the tool's JSON Schema: one line per violation (`input.limit:
 * must be greater than 0`), empty when it validates. Covers the keywords tools use: `type`, `enum`, `const`,
 * numeric bounds and `multipleOf`, string lengths (in code points, as JSON Schema counts them) and `pattern`,
 * array and object keywords, `$ref`, `allOf`/`anyOf`/`oneOf`/`not`, `if`/`then`/`else`. Formats are not checked.
 * Self-written rather than a validator dependency: the keyword set is small and the generated input is already
 * shaped by the grammar, so this only has to catch what the grammar cannot enforce.
 */
export function checkToolInput(schema: unknown, input: unknown): string[] {
  return new ToolInputChecker(schema).errors(schema, input, "input");
}

/** The checker behind `checkToolInput`, for callers that check subschemas of one root (`$ref`s resolve against it). */
export class ToolInputChecker {
  private readonly patterns = new Map<string, RegExp | null>();

  constructor(private readonly root: unknown) {}

  errors(schema: unknown, value: unknown, path: string, depth = 0): string[] {
    if (schema === true || schema === undefined) return [];
    if (schema === false) return [`${path}: is not allowed`];
    if (!isJsonSchemaObject(schema)) return [];
    if (depth > maxCheckDepth) return [`${path}: nested too deeply to check`];

    const errors: string[] = [];
    const reference = schema["$ref"];
    if (typeof reference === "string") {
      const target = resolveSchemaReference(this.root, reference);
      if (target !== undefined) errors.push(...this.errors(target, value, path, depth + 1));
    }
    this.checkType(schema, value, path, errors);
    if (Array.isArray(schema["enum"]) && !(schema["enum"] as readonly unknown[]).some((item) => equalJson(item, value))) {
      errors.push(`${path}: must be one of ${JSON.stringify(schema["enum"])}`);
    }
    if (Object.hasOwn(schema, "const") && !equalJson(schema["const"], value)) {
      errors.push(`${path}: must be ${JSON.stringify(schema["const"])}`);
    }
    if (typeof value === "number") this.checkNumber(schema, value, path, errors);
    else if (typeof value === "string") this.checkString(schema, value, path, errors);
    else if (Array.isArray(value)) this.checkArray(schema, value as readonly unknown[], path, depth, errors);
    else if (isJsonSchemaObject(value)) this.checkObject(schema, value, path, depth, errors);
    this.checkCombinators(schema, value, path, depth, errors);
    return errors;
  }

  private checkType(schema: JsonSchemaObject, value: unknown, path: string, errors: string[]): void {
    const declared = schema["type"];
    if (declared === undefined) return;
    const types = (Array.isArray(declared) ? (declared as readonly unknown[]) : [declared]).filter((type) => typeof type === "string");
    if (types.length === 0 || types.some((type) => hasJsonType(value, type))) return;
    if (value === null && schema["nullable"] === true) return;
    errors.push(`${path}: must be of type ${types.join(" or ")}`);
  }

  private checkNumber(schema: JsonSchemaObject, value: number, path: string, errors: string[]): void {
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

  private checkString(schema: JsonSchemaObject, value: string, path: string, errors: string[]): void {
    const { minLength, maxLength, pattern } = schema;
    const length = codePointLength(value);
    if (typeof minLength === "number" && length < minLength) errors.push(`${path}: must have at least ${minLength} characters`);
    if (typeof maxLength === "number" && length > maxLength) errors.push(`${path}: must have at most ${maxLength} characters`);
    if (typeof pattern === "string") {
      const expression = this.pattern(pattern);
      if (expression !== null && !expression.test(value)) errors.push(`${path}: must match pattern ${pattern}`);
    }
  }

  private checkArray(schema: JsonSchemaObject, value: readonly unknown[], path: string, depth: number, errors: string[]): void {
    const { items, prefixItems, additionalItems, minItems, maxItems, uniqueItems, contains } = schema;
    // Draft 2020-12 tuples are `prefixItems`; earlier drafts wrote them as an `items` array plus `additionalItems`.
    const tuple = Array.isArray(prefixItems) ? (prefixItems as readonly unknown[]) : Array.isArray(items) ? (items as readonly unknown[]) : [];
    const rest = Array.isArray(items) ? additionalItems : items;
    value.forEach((item, index) => {
      const itemSchema = index < tuple.length ? tuple[index] : rest;
      errors.push(...this.errors(itemSchema, item, `${path}.${index}`, depth + 1));
    });
    if (typeof minItems === "number" && value.length < minItems) errors.push(`${path}: must have at least ${minItems} items`);
    if (typeof maxItems === "number" && value.length > maxItems) errors.push(`${path}: must have at most ${maxItems} items`);
    if (uniqueItems === true && new Set(value.map((item) => canonicalJson(item))).size !== value.length) {
      errors.push(`${path}: items must be unique`);
    }
    if (contains !== undefined && !value.some((item) => this.errors(contains, item, path, depth + 1).length === 0)) {
      errors.push(`${path}: must contain a matching item`);
    }
  }

  private checkObject(schema: JsonSchemaObject, value: JsonSchemaObject, path: string, depth: number, errors: string[]): void {
    const properties = isJsonSchemaObject(schema["properties"]) ? schema["properties"] : {};
    const patternProperties = isJsonSchemaObject(schema["patternProperties"]) ? schema["patternProperties"] : {};
    const { required, additionalProperties, propertyNames, minProperties, maxProperties } = schema;
    if (Array.isArray(required)) {
      for (const name of required) if (typeof name === "string" && !Object.hasOwn(value, name)) errors.push(`${path}: missing required property ${name}`);
    }
    for (const [name, item] of Object.entries(value)) {
      const itemPath = `${path}.${name}`;
      let matched = false;
      if (Object.hasOwn(properties, name)) {
        matched = true;
        errors.push(...this.errors(properties[name], item, itemPath, depth + 1));
      }
      for (const [pattern, patternSchema] of Object.entries(patternProperties)) {
        if (this.pattern(pattern)?.test(name) === true) {
          matched = true;
          errors.push(...this.errors(patternSchema, item, itemPath, depth + 1));
        }
      }
      if (!matched && additionalProperties === false) errors.push(`${path}: unexpected property ${name}`);
      else if (!matched) errors.push(...this.errors(additionalProperties, item, itemPath, depth + 1));
      if (propertyNames !== undefined) errors.push(...this.errors(propertyNames, name, `${itemPath} (name)`, depth + 1));
    }
    const count = Object.keys(value).length;
    if (typeof minProperties === "number" && count < minProperties) errors.push(`${path}: must have at least ${minProperties} properties`);
    if (typeof maxProperties === "number" && count > maxProperties) errors.push(`${path}: must have at most ${maxProperties} properties`);
  }

  private checkCombinators(schema: JsonSchemaObject, value: unknown, path: string, depth: number, errors: string[]): void {
    const { allOf, anyOf, oneOf, not } = schema;
    if (Array.isArray(allOf)) for (const part of allOf) errors.push(...this.errors(part, value, path, depth + 1));
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
      errors.push(...this.errors(branch, value, path, depth + 1));
    }
  }

  // JSON Schema patterns are ECMA-262 regular expressions; one JavaScript cannot compile is skipped, not failed.
  private pattern(source: string): RegExp | null {
    let expression = this.patterns.get(source);
    if (expression === undefined) {
      try {
        expression = new RegExp(source, "u");
      } catch {
        expression = null;
      }
      this.patterns.set(source, expression);
    }
    return expression;
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

function equalJson(first: unknown, second: unknown): boolean {
  return first === second || canonicalJson(first) === canonicalJson(second);
}

// Key order does not matter for JSON equality; the generated values are small, so serialising is cheap enough.
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    isJsonSchemaObject(item) ? Object.fromEntries(Object.entries(item).sort(([first], [second]) => (first < second ? -1 : first > second ? 1 : 0))) : item,
  );
}
