import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ModelAlias } from "../engine/routed-engine.js";
import { parseModelSpec } from "../models/model-spec.js";
import { readUpstreamPools, type UpstreamPoolConfig } from "./upstream-pool-config.js";

/** `config.json`: what `pensieve start` serves when no `--model` or `PENSIEVE_MODEL` says otherwise. */
export interface PensieveConfig {
  /** The default model spec. */
  readonly model?: string;
  /** Model-name patterns and the model spec serving each, in the file's order: the first match wins. */
  readonly aliases: readonly ModelAlias[];
  /** Models served by OpenAI-compatible endpoints instead of a local file. Defaults to none. */
  readonly pools?: readonly UpstreamPoolConfig[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const knownSettings = new Set(["model", "aliases", "pools"]);

/**
 * Reads the config file: `explicitPath` (`--config`, `PENSIEVE_CONFIG`) must exist; otherwise
 * `<home>/config.json` is read when present. Relative model paths in it are relative to the file's folder.
 * Throws `ConfigError` saying what is wrong and where.
 */
export async function readPensieveConfig(explicitPath: string | undefined, home: string): Promise<PensieveConfig> {
  const filePath = path.resolve(explicitPath ?? path.join(home, "config.json"));
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    if (explicitPath === undefined && (error as NodeJS.ErrnoException).code === "ENOENT") return { aliases: [] };
    throw new ConfigError(`cannot read the config file ${filePath}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${filePath} is not valid JSON: ${(error as Error).message}`);
  }
  return validate(parsed, filePath);
}

function validate(parsed: unknown, filePath: string): PensieveConfig {
  const fail = (problem: string): never => {
    throw new ConfigError(`config file ${filePath}: ${problem}`);
  };
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return fail("expected a JSON object");
  const settings = parsed as Record<string, unknown>;
  for (const key of Object.keys(settings)) if (!knownSettings.has(key)) fail(`unknown setting "${key}" (known: model, aliases, pools)`);
  const folder = path.dirname(filePath);
  const model = settings["model"];
  if (model !== undefined && (typeof model !== "string" || model.trim() === "")) fail(`"model" must be a model spec: a path, a preset, hf:owner/repo:quant or a URL`);
  const aliases = settings["aliases"] ?? {};
  if (typeof aliases !== "object" || aliases === null || Array.isArray(aliases)) return fail(`"aliases" must map model-name patterns to model specs`);
  const entries = Object.entries(aliases as Record<string, unknown>).map(([pattern, spec]): ModelAlias => {
    if (pattern.trim() === "") fail(`an alias pattern is empty`);
    if (typeof spec !== "string" || spec.trim() === "") fail(`alias "${pattern}" must name a model spec`);
    return { pattern, model: relativeTo(folder, spec as string, fail) };
  });
  const pools = readUpstreamPools(settings["pools"], fail);
  return { ...(typeof model === "string" ? { model: relativeTo(folder, model, fail) } : {}), aliases: entries, ...(pools.length > 0 ? { pools } : {}) };
}

/** A relative path in the file means a path beside it, not beside wherever the server was started. */
function relativeTo(folder: string, spec: string, fail: (problem: string) => never): string {
  let parsed: ReturnType<typeof parseModelSpec>;
  try {
    parsed = parseModelSpec(spec);
  } catch (error) {
    return fail(`${spec}: ${(error as Error).message}`);
  }
  return parsed.kind === "path" && !path.isAbsolute(parsed.path) ? path.resolve(folder, parsed.path) : spec;
}
