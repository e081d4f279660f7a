import { upstreamDialects, type UpstreamAffinity, type UpstreamDialect, type UpstreamEndpointOptions } from "../engine/upstream/upstream-options.js";

/** A pool of the config file (or of `--upstream`): one model served by OpenAI-compatible endpoints. */
export interface UpstreamPoolConfig {
  /** The model name upstream; `undefined` (for `--upstream`) takes the one the endpoint lists first. */
  readonly model?: string;
  /** Model-name patterns that go to this pool, besides its model's own name. */
  readonly aliases: readonly string[];
  readonly endpoints: readonly UpstreamEndpointOptions[];
  readonly affinity: UpstreamAffinity;
}

const defaultMaxConcurrent = 8;
const poolSettings = new Set(["model", "aliases", "endpoints", "affinity"]);
const endpointSettings = new Set(["url", "dialect", "maxConcurrent"]);

/**
 * Reads the config file's `pools`: `[{ "model", "aliases": [...], "endpoints": [{ "url", "dialect",
 * "maxConcurrent" }], "affinity": "hash" | "forward" }]`. `fail` is called with what is wrong and where.
 */
export function readUpstreamPools(value: unknown, fail: (problem: string) => never): UpstreamPoolConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(`"pools" must be a list of pools`);
  return value.map((entry: unknown, index): UpstreamPoolConfig => {
    const at = `pools[${index}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return fail(`${at} must be an object`);
    const pool = entry as Record<string, unknown>;
    for (const key of Object.keys(pool)) if (!poolSettings.has(key)) fail(`${at}: unknown setting "${key}" (known: ${[...poolSettings].join(", ")})`);
    const model = pool["model"];
    if (typeof model !== "string" || model.trim() === "") fail(`${at}.model must name the model the endpoints serve`);
    const aliases = pool["aliases"] ?? [];
    if (!Array.isArray(aliases) || aliases.some((alias) => typeof alias !== "string" || alias.trim() === "")) fail(`${at}.aliases must be a list of model-name patterns`);
    const affinity = pool["affinity"] ?? "hash";
    if (affinity !== "hash" && affinity !== "forward") fail(`${at}.affinity must be "hash" or "forward"`);
    const endpoints = pool["endpoints"];
    if (!Array.isArray(endpoints) || endpoints.length === 0) return fail(`${at}.endpoints must list at least one endpoint`);
    if (affinity === "forward" && endpoints.length !== 1) fail(`${at}: affinity "forward" sends to one URL (the router): list exactly one endpoint`);
    return {
      model: model as string,
      aliases: aliases as string[],
      affinity: affinity as UpstreamAffinity,
      endpoints: endpoints.map((endpoint: unknown, endpointIndex) => readEndpoint(endpoint, `${at}.endpoints[${endpointIndex}]`, fail)),
    };
  });
}

function readEndpoint(value: unknown, at: string, fail: (problem: string) => never): UpstreamEndpointOptions {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(`${at} must be an object`);
  const endpoint = value as Record<string, unknown>;
  for (const key of Object.keys(endpoint)) if (!endpointSettings.has(key)) fail(`${at}: unknown setting "${key}" (known: url, dialect, maxConcurrent)`);
  const url = endpoint["url"];
  if (typeof url !== "string" || !isHttpUrl(url)) fail(`${at}.url must be an http(s) URL`);
  const dialect = endpoint["dialect"] ?? "openai";
  if (!upstreamDialects.includes(dialect as UpstreamDialect)) fail(`${at}.dialect must be one of ${upstreamDialects.join(", ")}`);
  const maxConcurrent = endpoint["maxConcurrent"] ?? defaultMaxConcurrent;
  if (typeof maxConcurrent !== "number" || !Number.isInteger(maxConcurrent) || maxConcurrent <= 0) fail(`${at}.maxConcurrent must be a positive whole number`);
  return { url: url as string, dialect: dialect as UpstreamDialect, maxConcurrent: maxConcurrent as number };
}

/**
 * `--upstream [dialect+]url`: one endpoint (`llama-server+http://gpu-1:8080`; the dialect defaults to
 * `openai`). Throws a message for commander to show.
 */
export function parseUpstreamFlag(value: string): UpstreamEndpointOptions {
  const plus = /^([a-z-]+)\+(https?:\/\/.*)$/i.exec(value);
  const dialect = (plus?.[1] ?? "openai").toLowerCase();
  const url = plus?.[2] ?? value;
  if (!upstreamDialects.includes(dialect as UpstreamDialect)) throw new Error(`unknown dialect ${dialect} (known: ${upstreamDialects.join(", ")})`);
  if (!isHttpUrl(url)) throw new Error("expected an http(s) URL, optionally after a dialect: vllm+http://gpu-0:8000");
  return { url, dialect: dialect as UpstreamDialect, maxConcurrent: defaultMaxConcurrent };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
