import { isJsonSchemaObject, type JsonSchemaObject } from "./json-schema-object.js";
import { SchemaDocument } from "./schema-document.js";
import { SchemaPattern } from "./schema-pattern.js";
import type { SchemaWorkBudget } from "./schema-work-budget.js";
import { ToolSchemaError } from "./tool-schema-error.js";

/** Deeper schemas are refused: real tools nest a few levels, and the limit keeps every walk off the stack limit. */
export const maxSchemaDepth = 64;

/** Keywords whose value is one subschema. */
const singleKeywords = ["additionalProperties", "propertyNames", "additionalItems", "contains", "not", "if", "then", "else"] as const;
/** Keywords whose value is a list of subschemas (`items` may be either). */
const listKeywords = ["allOf", "anyOf", "oneOf", "prefixItems", "items"] as const;

interface Measure {
  /** Nodes in the subtree once every `$ref` is replaced by its target (a cycle is counted once). */
  readonly size: number;
  /** Levels below the node, `$ref` hops included. */
  readonly height: number;
}

/** A leaf, or a `$ref` back to an enclosing schema: counted once. */
const leaf: Measure = { size: 1, height: 0 };

/**
 * Characters of schema text (descriptions, titles, property names, enum strings) that count as one node: the
 * prompt repeats them at every use, so a long description in a definition named a thousand times is a thousand.
 */
const charactersPerNode = 32;

/**
 * Refuses, before anything else walks it, a tool schema that would cost too much to convert, render or check:
 * one that expands to more nodes than the budget has left (`$ref`s followed, a definition counted again at every
 * place that names it, so `allOf: [{$ref: A}, {$ref: A}]` at each of 30 levels counts 2^30; its text counts a node
 * per `charactersPerNode` characters, as the prompt repeats it at every use), nests deeper than
 * `maxSchemaDepth`, or has a `pattern` or `patternProperties` key RE2 cannot compile (compiling each costs
 * `SchemaPattern.compileCost` nodes). The walk itself is linear: each node is measured once, and a repeated use
 * adds its remembered size. Throws `ToolSchemaError` naming `path`.
 */
export function measureToolSchema(schema: unknown, path: string, budget: SchemaWorkBudget): void {
  new SchemaMeasurer(new SchemaDocument(schema, budget, path)).measure(schema, 0);
}

class SchemaMeasurer {
  private readonly measured = new Map<JsonSchemaObject, Measure>();
  private readonly inProgress = new Set<JsonSchemaObject>();

  constructor(private readonly document: SchemaDocument) {}

  measure(schema: unknown, depth: number): Measure {
    if (depth > maxSchemaDepth) throw this.tooDeep();
    this.document.budget.spend(1, this.document.path);
    if (!isJsonSchemaObject(schema)) return leaf; // `true`, `false` or junk
    if (this.inProgress.has(schema)) return leaf; // a `$ref` back to an enclosing schema
    const known = this.measured.get(schema);
    if (known !== undefined) {
      if (depth + known.height > maxSchemaDepth) throw this.tooDeep();
      this.document.budget.spend(known.size - 1, this.document.path);
      return known;
    }
    this.inProgress.add(schema);
    let size = 1 + this.measureOwnValues(schema, depth);
    let height = 0;
    const add = (child: unknown): void => {
      const measure = this.measure(child, depth + 1);
      size += measure.size;
      height = Math.max(height, measure.height + 1);
    };
    for (const keyword of singleKeywords) if (schema[keyword] !== undefined) add(schema[keyword]);
    for (const keyword of listKeywords) {
      const value = schema[keyword];
      if (Array.isArray(value)) for (const item of value as readonly unknown[]) add(item);
      else if (keyword === "items" && value !== undefined) add(value);
    }
    for (const keyword of ["properties", "patternProperties"] as const) {
      const map = schema[keyword];
      if (!isJsonSchemaObject(map)) continue;
      // Keys, not entries: a map of 100,000 properties is refused after a few thousand, without 100,000 pairs.
      for (const name of Object.keys(map)) {
        if (keyword === "patternProperties") this.compilePattern(name);
        const nameCost = textCost(name);
        this.document.budget.spend(nameCost, this.document.path);
        size += nameCost;
        add(map[name]);
      }
    }
    const reference = schema["$ref"];
    if (typeof reference === "string") {
      const target = this.document.resolve(reference);
      if (target !== undefined) add(target);
    }
    this.inProgress.delete(schema);
    const measure = { size, height };
    this.measured.set(schema, measure);
    return measure;
  }

  /** What the node's own values cost: every keyword, its text, list entries and the values of `enum` and `const`; patterns compile. */
  private measureOwnValues(schema: JsonSchemaObject, depth: number): number {
    let cost = 0;
    for (const keyword of Object.keys(schema)) {
      const value = schema[keyword];
      let keywordCost = 1 + textCost(keyword);
      if (keyword === "enum" || keyword === "const") keywordCost += this.valueNodes(value, depth);
      else if (typeof value === "string") keywordCost += textCost(value);
      else if (Array.isArray(value)) keywordCost += value.length;
      this.document.budget.spend(keywordCost, this.document.path);
      cost += keywordCost;
      // The pattern's text counts at every use (it becomes a hint in the prompt); compiling it once per node.
      if (keyword === "pattern" && typeof value === "string") this.compilePattern(value);
    }
    return cost;
  }

  /** Nodes (and text) of a JSON value, counted without recursion and stopping at the budget; a value nested past the depth limit is refused. */
  private valueNodes(value: unknown, depth: number): number {
    let count = 0;
    const pending: [unknown, number][] = [[value, depth]];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [item, level] = next;
      count += 1;
      if (typeof item === "string") count += textCost(item);
      if (typeof item !== "object" || item === null) continue;
      if (level > maxSchemaDepth) throw this.tooDeep();
      const children = Object.entries(item);
      // Counted as they are found, so an enum of a million values stops at the limit rather than after it.
      this.document.budget.ensure(count + children.length, this.document.path);
      for (const [key, child] of children) {
        count += textCost(key);
        pending.push([child, level + 1]);
      }
    }
    return count;
  }

  /** Compiles a pattern to refuse what RE2 cannot run (costing `SchemaPattern.compileCost` nodes). */
  private compilePattern(source: string): void {
    this.document.budget.spend(SchemaPattern.compileCost(source), this.document.path);
    const compiled = SchemaPattern.compile(source);
    if (typeof compiled === "string") throw new ToolSchemaError(this.document.path, compiled);
  }

  private tooDeep(): ToolSchemaError {
    return new ToolSchemaError(this.document.path, `schema nesting exceeds ${maxSchemaDepth} levels`);
  }
}

function textCost(text: string): number {
  return Math.floor(text.length / charactersPerNode);
}
