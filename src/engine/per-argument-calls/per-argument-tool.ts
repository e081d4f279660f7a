import type { GbnfJsonSchema } from "node-llama-cpp";

/** How an argument's value is written: raw text that is the string, raw text that may be JSON of another type, or JSON. */
export type ArgumentValueKind = "string" | "string-or-json" | "json";

export interface ArgumentShape {
  readonly kind: ArgumentValueKind;
  /** The grammar schema of a `json` value, without the `null` that marks an optional property. */
  readonly schema: GbnfJsonSchema;
  /** The only texts a `string` value may be (`enum`, `const`); absent when any text goes. */
  readonly choices?: readonly string[];
}

/** A tool as the per-argument syntax writes its calls. */
export interface PerArgumentTool {
  readonly name: string;
  readonly arguments: ReadonlyMap<string, ArgumentShape>;
  /** Keys every call must have. */
  readonly required: readonly string[];
  /** Any key goes (a schema that is not a plain object of properties), each value raw or JSON. */
  readonly openKeys: boolean;
}

/**
 * A tool's per-argument shape from its grammar schema (see `toGrammarSchema`, which makes every property
 * present and the optional ones nullable) and the keys its own schema requires.
 */
export function toPerArgumentTool(name: string, grammarSchema: GbnfJsonSchema, required: readonly string[]): PerArgumentTool {
  const properties = propertiesOf(grammarSchema);
  if (properties === undefined) return { name, arguments: new Map(), required: [], openKeys: true };
  const shapes = new Map<string, ArgumentShape>();
  for (const [key, schema] of Object.entries(properties)) shapes.set(key, argumentShape(withoutNull(schema)));
  return { name, arguments: shapes, required: [...new Set(required)].filter((key) => shapes.has(key)), openKeys: false };
}

/** The value an argument's raw text stands for. */
export function argumentValue(shape: ArgumentShape | undefined, raw: string): unknown {
  if (shape?.kind === "string") return raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    return shape?.kind === "string-or-json" && typeof parsed === "string" ? raw : parsed;
  } catch {
    return raw;
  }
}

function propertiesOf(schema: GbnfJsonSchema): Record<string, GbnfJsonSchema> | undefined {
  const record = schema as Record<string, unknown>;
  if (record["type"] !== "object") return undefined;
  const properties = record["properties"];
  const closed = record["additionalProperties"] === false || record["additionalProperties"] === undefined;
  if (properties === null || typeof properties !== "object" || !closed) return undefined;
  return properties as Record<string, GbnfJsonSchema>;
}

function withoutNull(schema: GbnfJsonSchema): GbnfJsonSchema {
  const record = schema as Record<string, unknown>;
  const type = record["type"];
  if (Array.isArray(type) && type.includes("null")) {
    const rest = type.filter((entry) => entry !== "null");
    return { ...record, type: rest.length === 1 ? rest[0] : rest } as GbnfJsonSchema;
  }
  const choices = record["enum"];
  if (Array.isArray(choices) && choices.includes(null)) return { ...record, enum: choices.filter((entry) => entry !== null) } as GbnfJsonSchema;
  const branches = record["oneOf"] ?? record["anyOf"];
  if (Array.isArray(branches)) {
    const rest = (branches as GbnfJsonSchema[]).filter((branch) => (branch as Record<string, unknown>)["type"] !== "null");
    if (rest.length === 1 && rest[0] !== undefined) return rest[0];
  }
  return schema;
}

function argumentShape(schema: GbnfJsonSchema): ArgumentShape {
  const record = schema as Record<string, unknown>;
  const fixed = record["enum"] ?? ("const" in record ? [record["const"]] : undefined);
  if (Array.isArray(fixed)) {
    return fixed.every((entry) => typeof entry === "string") ? { kind: "string", schema, choices: fixed } : { kind: "json", schema };
  }
  const types = typesOf(schema);
  if (types.length === 1 && types[0] === "string") return { kind: "string", schema };
  return { kind: types.includes("string") ? "string-or-json" : "json", schema };
}

function typesOf(schema: GbnfJsonSchema): string[] {
  const record = schema as Record<string, unknown>;
  const type = record["type"];
  if (typeof type === "string") return [type];
  if (Array.isArray(type)) return type.filter((entry): entry is string => typeof entry === "string");
  const branches = record["oneOf"] ?? record["anyOf"];
  if (Array.isArray(branches)) return (branches as GbnfJsonSchema[]).flatMap(typesOf);
  return [];
}
