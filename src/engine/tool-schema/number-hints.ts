import type { JsonSchemaObject } from "./json-schema-object.js";

/** What the grammar cannot enforce about a number, for the model to read. ±2^53-1 "bounds" say nothing, so they are left out. */
export function numberHints(schema: JsonSchemaObject, integer: boolean): string[] {
  const hints: string[] = integer ? ["integer"] : [];
  const meaningful = (value: unknown): value is number => typeof value === "number" && Math.abs(value) < Number.MAX_SAFE_INTEGER;
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
  // Draft 4 wrote exclusive bounds as booleans next to minimum/maximum.
  if (meaningful(minimum)) hints.push(exclusiveMinimum === true ? `greater than ${minimum}` : `minimum ${minimum}`);
  if (meaningful(exclusiveMinimum)) hints.push(`greater than ${exclusiveMinimum}`);
  if (meaningful(maximum)) hints.push(exclusiveMaximum === true ? `less than ${maximum}` : `maximum ${maximum}`);
  if (meaningful(exclusiveMaximum)) hints.push(`less than ${exclusiveMaximum}`);
  if (meaningful(multipleOf)) hints.push(`multiple of ${multipleOf}`);
  return hints;
}
