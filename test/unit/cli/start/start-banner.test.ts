import { describe, expect, it } from "vitest";
import { startBanner } from "../../../../src/cli/commands/start/start-banner.js";
import { scriptedModel } from "../../../helpers/scripted-engine.js";

const ready = { state: "ready", model: scriptedModel } as const;

describe("startBanner", () => {
  it("says where it serves and how to point Claude Code at it", () => {
    expect(startBanner({ baseUrl: "http://127.0.0.1:8080", demo: false, status: ready, aliases: [], apiKeySet: false })).toBe(
      [
        "Pensieve is serving scripted-model on http://127.0.0.1:8080",
        "  context: 4096 tokens, chat format: ChatML",
        "  live page and chat: http://127.0.0.1:8080/ (open it in a browser)",
        "",
        "Point Claude Code or the Anthropic SDK at it:",
        "  export ANTHROPIC_BASE_URL=http://127.0.0.1:8080",
        "  export ANTHROPIC_API_KEY=pensieve-local",
        "  export CLAUDE_CODE_MAX_CONTEXT_TOKENS=4094 DISABLE_COMPACT=1  # tell Claude Code the real window",
        "",
      ].join("\n"),
    );
  });

  it("names the aliases' models, warns about the demo model, and never prints the key", () => {
    const banner = startBanner({
      baseUrl: "http://[::1]:9",
      demo: true,
      status: ready,
      aliases: [{ pattern: "claude-*haiku*", model: "/models/small.gguf" }],
      apiKeySet: true,
    });
    expect(banner).toContain("  requests for claude-*haiku* go to small.gguf\n");
    // The demo warning stands apart, and says how to serve a real model.
    expect(banner).toContain(
      [
        "small.gguf",
        "",
        "  This is the built-in DEMO model: generated weights that answer one fixed sentence, not a real model.",
        "  To chat for real, serve a GGUF instruction model:  npm start -- --model /path/to/model.gguf",
        "  (or set PENSIEVE_MODEL=/path/to/model.gguf)",
        "",
        "Point Claude Code",
      ].join("\n"),
    );
    expect(banner).toContain("  export ANTHROPIC_API_KEY=<the key given with --api-key>\n");
  });

  it("says why when the model did not load", () => {
    expect(startBanner({ baseUrl: "http://127.0.0.1:1", demo: false, status: { state: "failed", model: null, reason: "no such file" }, aliases: [], apiKeySet: false })).toBe(
      "Pensieve is listening on http://127.0.0.1:1, but the model did not load:\n  no such file\n/health answers 503 until this is fixed; restart with a working --model.\n",
    );
    expect(startBanner({ baseUrl: "http://127.0.0.1:1", demo: false, status: { state: "loading", model: null }, aliases: [], apiKeySet: false })).toContain("\n  loading\n");
  });
});
