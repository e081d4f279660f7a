import { access } from "node:fs/promises";
import path from "node:path";
import { generatorVersion, makeScriptedModel } from "../models/generator/make-model.js";

/**
 * The demo model's path, generating it into the cache folder the first time. The generator's version is in
 * the name, so a changed generator never serves a stale copy.
 */
export async function ensureDemoModel(home: string): Promise<string> {
  const modelPath = path.join(home, "models", `pensieve-demo-g${generatorVersion}.gguf`);
  try {
    await access(modelPath);
  } catch {
    await makeScriptedModel({ outputPath: modelPath });
  }
  return modelPath;
}
