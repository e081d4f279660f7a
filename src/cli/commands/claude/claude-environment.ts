/** The server Claude Code is pointed at, and the model it serves. */
export interface ServedModel {
  /** The server's base URL, such as `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** The served model's id, from `GET /v1/models`. */
  readonly id: string;
  /** The model's real window (`max_input_tokens`). */
  readonly maxInputTokens: number;
}

/** The key the server takes when `PENSIEVE_API_KEY` sets none: a loopback server without a key takes any. */
export const defaultClientKey = "pensieve-local";

/**
 * The key Claude Code sends: the server's own (`PENSIEVE_API_KEY`), which is the one a keyed server accepts;
 * else the user's `ANTHROPIC_API_KEY`; else `pensieve-local`.
 */
export function clientKey(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env["PENSIEVE_API_KEY"]) ?? nonEmpty(env["ANTHROPIC_API_KEY"]) ?? defaultClientKey;
}

/**
 * Claude Code's environment: the user's, plus every model tier (the main model, the background "haiku" calls,
 * subagents) pointed at the served model, the real window for its context meter and auto-compaction, and no
 * attribution header (its per-prompt suffix would only be noise in the prompt). A variable the user set wins,
 * except `ANTHROPIC_BASE_URL`: pointing Claude Code at this server is what the command is for.
 */
export function claudeEnvironment(env: NodeJS.ProcessEnv, served: ServedModel): NodeJS.ProcessEnv {
  const window = String(served.maxInputTokens);
  const defaults: Record<string, string> = {
    ANTHROPIC_API_KEY: clientKey(env),
    ANTHROPIC_DEFAULT_OPUS_MODEL: served.id,
    ANTHROPIC_DEFAULT_SONNET_MODEL: served.id,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: served.id,
    CLAUDE_CODE_SUBAGENT_MODEL: served.id,
    CLAUDE_CODE_AUTO_COMPACT_WINDOW: window,
    CLAUDE_CODE_MAX_CONTEXT_TOKENS: window,
    CLAUDE_CODE_ATTRIBUTION_HEADER: "0",
  };
  const composed: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(defaults)) {
    if (name === "ANTHROPIC_API_KEY" || nonEmpty(env[name]) === undefined) composed[name] = value;
  }
  composed["ANTHROPIC_BASE_URL"] = served.baseUrl;
  return composed;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
