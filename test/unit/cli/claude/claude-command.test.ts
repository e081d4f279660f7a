import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { claudeEnvironment } from "../../../../src/cli/commands/claude/claude-environment.js";
import { claudeMissingMessage, registerClaudeCommand } from "../../../../src/cli/commands/claude-command.js";
import { FakeClaudeIo, type FakeChild } from "./fake-claude-io.js";

/** `pensieve claude …` on a program that throws instead of exiting, in the fake process `io`. */
async function runCommand(io: FakeClaudeIo, args: readonly string[]): Promise<{ error?: CommanderError; stderr: string }> {
  let stderr = "";
  const program = new Command().exitOverride().enablePositionalOptions().configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => {} });
  registerClaudeCommand(program, io);
  try {
    await program.parseAsync(["claude", ...args], { from: "user" });
    return { stderr };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { error, stderr };
  }
}

function claudeChild(io: FakeClaudeIo): FakeChild {
  const child = io.children.find((candidate) => candidate.file === "/usr/bin/claude");
  if (child === undefined) throw new Error("claude was not started");
  return child;
}

const served = { baseUrl: "http://127.0.0.1:9000", id: "qwen3-8b-q4_k_m", maxInputTokens: 32000 };

describe("claudeEnvironment", () => {
  it("points every model tier at the served model and gives the real window, with pensieve-local as the key", () => {
    const env = claudeEnvironment({ PATH: "/bin", HOME: "/home/me" }, served);
    expect(env).toEqual({
      PATH: "/bin",
      HOME: "/home/me",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9000",
      ANTHROPIC_API_KEY: "pensieve-local",
      ANTHROPIC_DEFAULT_OPUS_MODEL: "qwen3-8b-q4_k_m",
      ANTHROPIC_DEFAULT_SONNET_MODEL: "qwen3-8b-q4_k_m",
      ANTHROPIC_DEFAULT_HAIKU_MODEL: "qwen3-8b-q4_k_m",
      CLAUDE_CODE_SUBAGENT_MODEL: "qwen3-8b-q4_k_m",
      CLAUDE_CODE_AUTO_COMPACT_WINDOW: "32000",
      CLAUDE_CODE_MAX_CONTEXT_TOKENS: "32000",
      CLAUDE_CODE_ATTRIBUTION_HEADER: "0",
    });
  });

  it("keeps the user's own values (an empty one counts as unset), but always points at this server", () => {
    const env = claudeEnvironment(
      {
        ANTHROPIC_BASE_URL: "https://api.anthropic.com",
        ANTHROPIC_DEFAULT_HAIKU_MODEL: "small-model",
        CLAUDE_CODE_SUBAGENT_MODEL: "",
        CLAUDE_CODE_AUTO_COMPACT_WINDOW: "20000",
        CLAUDE_CODE_ATTRIBUTION_HEADER: "1",
      },
      served,
    );
    expect(env["ANTHROPIC_BASE_URL"]).toBe("http://127.0.0.1:9000");
    expect(env["ANTHROPIC_DEFAULT_HAIKU_MODEL"]).toBe("small-model");
    expect(env["CLAUDE_CODE_SUBAGENT_MODEL"]).toBe("qwen3-8b-q4_k_m");
    expect(env["CLAUDE_CODE_AUTO_COMPACT_WINDOW"]).toBe("20000");
    expect(env["CLAUDE_CODE_MAX_CONTEXT_TOKENS"]).toBe("32000");
    expect(env["CLAUDE_CODE_ATTRIBUTION_HEADER"]).toBe("1");
  });

  it("sends the server's key (PENSIEVE_API_KEY) over the user's ANTHROPIC_API_KEY, and that over pensieve-local", () => {
    expect(claudeEnvironment({ ANTHROPIC_API_KEY: "mine", PENSIEVE_API_KEY: "server" }, served)["ANTHROPIC_API_KEY"]).toBe("server");
    expect(claudeEnvironment({ ANTHROPIC_API_KEY: "mine" }, served)["ANTHROPIC_API_KEY"]).toBe("mine");
    expect(claudeEnvironment({ PENSIEVE_API_KEY: "" }, served)["ANTHROPIC_API_KEY"]).toBe("pensieve-local");
  });
});

describe("pensieve claude", () => {
  it("starts a server when none runs, runs claude with the rest of the arguments and its environment, then stops the server", async () => {
    const io = new FakeClaudeIo({ env: { PATH: "/usr/bin", CLAUDE_CODE_MAX_CONTEXT_TOKENS: "1000" } });
    const { error } = await runCommand(io, ["--demo", "-p", "Say hello", "--model", "opus"]);
    expect(error).toBeUndefined();
    const [server, claude] = io.children;
    expect(server?.file).toBe("/usr/bin/node");
    expect(server?.args).toEqual(["/opt/pensieve/main.js", "start", "--host", "127.0.0.1", "--port", "0", "--log-level", "warn", "--demo"]);
    expect(server?.settings).toMatchObject({ stdio: "pipe", detached: true });
    expect(server?.signals).toEqual(["SIGTERM"]);
    expect(claude?.file).toBe("/usr/bin/claude");
    // Options after the first of Claude Code's are Claude Code's, even one named like Pensieve's.
    expect(claude?.args).toEqual(["-p", "Say hello", "--model", "opus"]);
    expect(claude?.settings.stdio).toBe("inherit");
    expect(claude?.settings.env).toMatchObject({
      PATH: "/usr/bin",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:5555",
      ANTHROPIC_DEFAULT_OPUS_MODEL: "local-model",
      CLAUDE_CODE_AUTO_COMPACT_WINDOW: "30000",
      CLAUDE_CODE_MAX_CONTEXT_TOKENS: "1000",
    });
    expect(io.exitCode).toBe(0);
    expect(io.stderrText).toContain("Claude Code is using local-model on http://127.0.0.1:5555 (started for this session, pid 4242)");
  });

  it("uses a ready Pensieve on 127.0.0.1:8080 when no model is named, and starts none", async () => {
    const io = new FakeClaudeIo({ running: true });
    await runCommand(io, ["--resume"]);
    expect(io.children.map((child) => child.file)).toEqual(["/usr/bin/claude"]);
    expect(claudeChild(io).settings.env["ANTHROPIC_BASE_URL"]).toBe("http://127.0.0.1:8080");
    expect(io.fetched).toEqual(["http://127.0.0.1:8080/health", "http://127.0.0.1:8080/v1/models"]);
  });

  it("starts its own server for a named model even when one runs, forwarding the model options", async () => {
    const io = new FakeClaudeIo({ running: true });
    await runCommand(io, ["-m", "qwen3-8b", "--ctx-size", "16384", "--config", "/etc/p.json"]);
    expect(io.children[0]?.args.slice(-6)).toEqual(["--model", "qwen3-8b", "--config", "/etc/p.json", "--ctx-size", "16384"]);
  });

  it("uses the server given with --url, and fails clearly when none answers there", async () => {
    const io = new FakeClaudeIo();
    await runCommand(io, ["--url", "http://127.0.0.1:5555/", "-p", "hi"]);
    expect(claudeChild(io).settings.env["ANTHROPIC_BASE_URL"]).toBe("http://127.0.0.1:5555");
    expect(io.children).toHaveLength(1);

    const unanswered = new FakeClaudeIo();
    const { error, stderr } = await runCommand(unanswered, ["--url", "http://127.0.0.1:7777"]);
    expect(error?.exitCode).toBe(1);
    expect(stderr).toContain("no ready Pensieve server answers http://127.0.0.1:7777/health");
    expect(unanswered.children).toHaveLength(0);
  });

  it("passes on claude's exit code, and 128 + the signal's number when a signal ended it", async () => {
    const failing = new FakeClaudeIo({ runClaude: (claude) => claude.end(3) });
    await runCommand(failing, ["--demo", "-p", "hi"]);
    expect(failing.exitCode).toBe(3);
    expect(failing.children[0]?.signals).toEqual(["SIGTERM"]);

    const killed = new FakeClaudeIo({ runClaude: (claude) => claude.end(null, "SIGKILL") });
    await runCommand(killed, ["--demo"]);
    expect(killed.exitCode).toBe(137);
  });

  it("leaves a Ctrl-C to claude, passes SIGTERM on, and stops the server after claude has exited", async () => {
    const io: FakeClaudeIo = new FakeClaudeIo({
      runClaude: () => {
        io.signal("SIGINT");
        io.signal("SIGTERM");
        claudeChild(io).end(null, "SIGTERM");
      },
    });
    await runCommand(io, ["--demo"]);
    expect(claudeChild(io).signals).toEqual(["SIGTERM"]);
    expect(io.children[0]?.signals).toEqual(["SIGTERM"]);
    expect(io.exitCode).toBe(143);
  });

  it("says how to install Claude Code when `claude` is not on PATH, and starts nothing", async () => {
    const io = new FakeClaudeIo({ claudePath: null });
    const { error, stderr } = await runCommand(io, ["--demo", "-p", "hi"]);
    expect(error?.exitCode).toBe(1);
    expect(stderr).toBe(`error: ${claudeMissingMessage("claude")}\n`);
    expect(stderr).toContain("npm install -g @anthropic-ai/claude-code");
    expect(stderr).toContain("not installed");
    expect(io.children).toHaveLength(0);
  });
});
