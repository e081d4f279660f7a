import type { GgufHeaderScan } from "../../models/gguf/gguf-header-scanner.js";
import type { GgufShapeInfo } from "./memory-shape-from-gguf.js";

type Nested = Record<string, unknown>;

/**
 * What `memoryShapeFromGguf` reads, from our own header scan rather than node-llama-cpp's parse: the scan skips
 * the tokenizer's strings (a 262k-token vocabulary parsed into JavaScript raised a small model's load peak by
 * 100 MiB, issue #12) and keeps scalars, array lengths, short numeric arrays (per-layer values) and the tensors.
 * Keys nest at their dots under the architecture's prefix, as node-llama-cpp's `architectureMetadata` does.
 */
export function shapeInfoFromScan(scan: GgufHeaderScan): GgufShapeInfo {
  const architecture = scan.scalars.get("general.architecture")?.value;
  const prefix = `${String(architecture)}.`;
  const architectureMetadata: Nested = {};
  for (const [key, scalar] of scan.scalars) if (key.startsWith(prefix)) setNested(architectureMetadata, key.slice(prefix.length), scalar.value);
  for (const [key, array] of scan.arrays) {
    if (!key.startsWith(prefix) || array.values === undefined) continue;
    setNested(architectureMetadata, key.slice(prefix.length), array.elementType === "bool" ? array.values.map((value) => value !== 0) : array.values);
  }
  const tokens = scan.arrays.get("tokenizer.ggml.tokens");
  return {
    metadata: { general: { architecture }, ...(tokens === undefined ? {} : { tokenizer: { ggml: { tokens: { length: tokens.length } } } }) },
    architectureMetadata,
    fullTensorInfo: scan.tensors.map((tensor) => ({ name: tensor.name, ggmlType: tensor.typeId, dimensions: tensor.dimensions })),
  };
}

function setNested(target: Nested, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next === "object" && next !== null && !Array.isArray(next)) node = next as Nested;
    else node = node[part] = {};
  }
  node[parts.at(-1) ?? path] = value;
}
