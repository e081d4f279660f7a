import path from "node:path";
import type { EngineStatus } from "../../../engine/engine.js";
import type { ModelAlias } from "../../../engine/routed-engine.js";

export interface StartBannerDetails {
  /** The URL clients use: a loopback one when the server binds a wildcard address. */
  readonly baseUrl: string;
  /** The served model is the built-in demo model. */
  readonly demo: boolean;
  readonly status: EngineStatus;
  readonly aliases: readonly ModelAlias[];
  /** An API key is required: the banner then names it without printing it. */
  readonly apiKeySet: boolean;
}

/** What `pensieve start` prints once the models have settled: where it serves and how to point clients at it. */
export function startBanner(details: StartBannerDetails): string {
  const lines: string[] = [];
  if (details.status.state !== "ready") {
    lines.push(`Pensieve is listening on ${details.baseUrl}, but the model did not load:`);
    lines.push(`  ${details.status.state === "failed" ? details.status.reason : details.status.state}`);
    lines.push("/health answers 503 until this is fixed; restart with a working --model.");
    return `${lines.join("\n")}\n`;
  }
  const model = details.status.model;
  lines.push(`Pensieve is serving ${model.id} on ${details.baseUrl}`);
  lines.push(`  context: ${model.contextSize} tokens, chat format: ${model.chatWrapper}`);
  lines.push(`  live page and chat: ${details.baseUrl}/ (open it in a browser)`);
  for (const alias of details.aliases) lines.push(`  requests for ${alias.pattern} go to ${path.basename(alias.model)}`);
  if (details.demo) {
    lines.push("");
    lines.push("  This is the built-in DEMO model: generated weights that answer one fixed sentence, not a real model.");
    lines.push("  To chat for real, serve a GGUF instruction model:  npm start -- --model /path/to/model.gguf");
    lines.push("  (or set PENSIEVE_MODEL=/path/to/model.gguf)");
  }
  lines.push("");
  lines.push("Point Claude Code or the Anthropic SDK at it:");
  lines.push(`  export ANTHROPIC_BASE_URL=${details.baseUrl}`);
  // The key itself stays out of the terminal's scrollback.
  lines.push(details.apiKeySet ? "  export ANTHROPIC_API_KEY=<the key given with --api-key>" : "  export ANTHROPIC_API_KEY=pensieve-local");
  lines.push(`  export CLAUDE_CODE_MAX_CONTEXT_TOKENS=${model.maxInputTokens} DISABLE_COMPACT=1  # tell Claude Code the real window`);
  return `${lines.join("\n")}\n`;
}
