import type { GbnfJsonSchema, GbnfJsonSchemaImmutableType } from "node-llama-cpp";

// Small rewrites of converted (node-llama-cpp) schemas, shared by the steps of `toGrammarSchema`.

export type ScalarType = Extract<GbnfJsonSchemaImmutableType, "string" | "number" | "integer" | "boolean" | "null">;

export function withDescription(schema: GbnfJsonSchema, description: string | undefined): GbnfJsonSchema {
  return description === undefined ? schema : ({ ...schema, description } as GbnfJsonSchema);
}

/** `schema` or null: how an optional property is generated, since node-llama-cpp always emits every property. */
export function withNull(schema: GbnfJsonSchema): GbnfJsonSchema {
  if (acceptsNull(schema)) return schema;
  const description = schema.description;
  if ("const" in schema) return withDescription({ enum: [schema.const, null] }, description);
  if ("enum" in schema) return withDescription({ enum: [...schema.enum, null] }, description);
  if ("oneOf" in schema) return { ...schema, oneOf: [...schema.oneOf, { type: "null" }] };
  if ("type" in schema && isScalarTypeSchema(schema)) {
    const types = typeof schema.type === "string" ? [schema.type] : schema.type;
    return withDescription({ type: [...types, "null"] }, description);
  }
  const { description: _description, ...rest } = schema as GbnfJsonSchema & { description?: string };
  return withDescription({ oneOf: [rest as GbnfJsonSchema, { type: "null" }] }, description);
}

function acceptsNull(schema: GbnfJsonSchema): boolean {
  if ("const" in schema) return schema.const === null;
  if ("enum" in schema) return schema.enum.includes(null);
  if ("oneOf" in schema) return schema.oneOf.some(acceptsNull);
  if ("type" in schema && isScalarTypeSchema(schema)) return typeof schema.type === "string" ? schema.type === "null" : schema.type.includes("null");
  return false;
}

// A basic schema: `type` is one scalar type or a list, with no string format or length.
function isScalarTypeSchema(schema: GbnfJsonSchema): schema is { readonly type: ScalarType | readonly ScalarType[]; readonly description?: string } {
  if (!("type" in schema)) return false;
  if (Array.isArray(schema.type)) return true;
  return schema.type !== "object" && schema.type !== "array" && !("format" in schema) && !("minLength" in schema) && !("maxLength" in schema);
}

// `anyOf: [{type: "string"}, {type: "null"}]` reads better to the model, and compiles smaller, as `type: ["string", "null"]`.
export function collapseScalarTypes(schemas: readonly GbnfJsonSchema[]): GbnfJsonSchema[] {
  const isPlainScalar = (schema: GbnfJsonSchema): schema is { readonly type: ScalarType | readonly ScalarType[] } =>
    isScalarTypeSchema(schema) && schema.description === undefined;
  const types = [...new Set(schemas.filter(isPlainScalar).flatMap((schema) => (typeof schema.type === "string" ? [schema.type] : schema.type)))];
  if (types.length < 2) return [...schemas];
  return [{ type: types }, ...schemas.filter((schema) => !isPlainScalar(schema))];
}
