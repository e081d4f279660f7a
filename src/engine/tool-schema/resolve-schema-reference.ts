import { isJsonSchemaObject } from "./json-schema-object.js";

/**
 * The subschema a local `$ref` (`#`, `#/$defs/name`, `#/definitions/name`, any JSON pointer) points to inside
 * `root`, or `undefined` when it points nowhere or elsewhere (remote documents and `$anchor`s are not
 * fetched or indexed: callers treat them as "any value").
 */
export function resolveSchemaReference(root: unknown, reference: string): unknown {
  if (reference === "#" || reference === "#/") return root;
  if (!reference.startsWith("#/")) return undefined;
  let current: unknown = root;
  for (const encoded of reference.slice(2).split("/")) {
    const key = decodePointerToken(encoded);
    if (key === undefined) return undefined;
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key)) return undefined;
      current = current[Number(key)];
    } else if (isJsonSchemaObject(current) && Object.hasOwn(current, key)) {
      current = current[key];
    } else {
      return undefined;
    }
  }
  return current;
}

// JSON pointer tokens in a URI fragment are percent-encoded, then use ~1 for "/" and ~0 for "~".
function decodePointerToken(token: string): string | undefined {
  try {
    return decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
  } catch {
    return undefined;
  }
}
