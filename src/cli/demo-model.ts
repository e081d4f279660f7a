import { access } from "node:fs/promises";
import path from "node:path";
import { makeScriptedModel } from "../models/generator/make-model.js";

/** Bump when the demo model's content changes, so a stale cached copy is not served. */
const demoModelVersion = 1;

/** The demo model's path, generating it into the cache folder the first time. */
export async function ensureDemoModel(home: string): Promise<string> {
  const modelPath = path.join(home, "models", `pensieve-demo-v${demoModelVersion}.gguf`);
  try {
    await access(modelPath);
  } catch {
    await makeScriptedModel({ outputPath: modelPath });
  }
  return modelPath;
}
