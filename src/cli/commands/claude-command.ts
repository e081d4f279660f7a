import os from "node:os";
import { Option, type Command } from "commander";
import { claudeEnvironment, clientKey, type ServedModel } from "./claude/claude-environment.js";
import { processClaudeIo, type ClaudeIo } from "./claude/claude-io.js";
import { isReadyPensieve, servedModel } from "./claude/served-model.js";
import { startServerChild, type ServerChild } from "./claude/server-child.js";
import { failCommand } from "./fail-command.js";

interface ClaudeFlags {
  url?: string;
  claude: string;
  model?: string;
  demo?: boolean;
  config?: string;
  ctxSize?: string;
}

/** Says how to get Claude Code: the one thing a user without it needs. */
export function claudeMissingMessage(name: string): string {
  return (
    `Claude Code is not installed: no \`${name}\` command was found${name.includes("/") ? "" : " on your PATH"}. ` +
    "Install it with `npm install -g @anthropic-ai/claude-code` (Node 18 or newer), then run `pensieve claude` again; " +
    "or name an installed one with `pensieve claude --claude /path/to/claude`."
  );
}

/**
 * `pensieve claude [claude args…]`: Claude Code against a local model. It uses the server given with `--url`;
 * else, when no model option is given, a ready Pensieve on 127.0.0.1:8080 (`$PENSIEVE_PORT`), found by
 * `GET /health`; else it starts `pensieve start` (this same CLI, as a child, on a free loopback port) and stops it
 * when Claude Code exits. Options before the first Claude Code argument are Pensieve's; the rest go to `claude`,
 * whose exit code becomes this command's.
 */
export function registerClaudeCommand(program: Command, io?: ClaudeIo): void {
  program
    .command("claude")
    .description("Run Claude Code against a local model (starts a server unless one is running).")
    .argument("[args...]", "Claude Code's own arguments, such as -p \"…\" or --resume")
    .option("--url <base>", "use the Pensieve server at this URL (default: 127.0.0.1:8080 when one answers, else start one)")
    .option("--claude <path>", "the Claude Code executable to run", "claude")
    .addOption(new Option("-m, --model <spec>", "start a server for this model: a GGUF path, a preset, hf:owner/repo:quant or an https URL"))
    .option("--demo", "start a server for the small generated demo model")
    .option("--config <file>", "the config file the started server reads")
    .option("-c, --ctx-size <tokens>", "context size of the started server")
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .action(async (args: string[], flags: ClaudeFlags, command: Command) => {
      const claudeIo = io ?? processClaudeIo();
      const claude = await claudeIo.findExecutable(flags.claude);
      if (claude === undefined) return failCommand(command, new Error(claudeMissingMessage(flags.claude)));
      // Failures are reported only after the server this command started is stopped: reporting exits.
      let server: ServerChild | undefined;
      let failure: unknown;
      try {
        let served: ServedModel;
        ({ served, server } = await findServer(claudeIo, flags));
        const started = server === undefined ? "" : ` (started for this session, pid ${server.pid ?? "?"})`;
        claudeIo.stderr.write(`pensieve: Claude Code is using ${served.id} on ${served.baseUrl}${started}\n`);
        claudeIo.setExitCode(await runClaude(claudeIo, claude, args, claudeEnvironment(claudeIo.env, served)));
      } catch (error) {
        failure = error;
      } finally {
        await server?.stop();
      }
      if (failure !== undefined) failCommand(command, failure);
    });
}

/** The server to use, and the child this command started for it, if it did. */
async function findServer(io: ClaudeIo, flags: ClaudeFlags): Promise<{ served: ServedModel; server?: ServerChild }> {
  const key = clientKey(io.env);
  if (flags.url !== undefined) {
    const baseUrl = flags.url.replace(/\/+$/, "");
    if (!(await isReadyPensieve(io.fetch, baseUrl))) throw new Error(`no ready Pensieve server answers ${baseUrl}/health`);
    return { served: await servedModel(io.fetch, baseUrl, key) };
  }
  const startFlags = [
    ...(flags.model !== undefined ? ["--model", flags.model] : []),
    ...(flags.demo === true ? ["--demo"] : []),
    ...(flags.config !== undefined ? ["--config", flags.config] : []),
    ...(flags.ctxSize !== undefined ? ["--ctx-size", flags.ctxSize] : []),
  ];
  // A model named here is served by a server of its own: the running one may serve another.
  if (startFlags.length === 0) {
    const running = `http://127.0.0.1:${io.env["PENSIEVE_PORT"] ?? "8080"}`;
    if (await isReadyPensieve(io.fetch, running)) return { served: await servedModel(io.fetch, running, key) };
  }
  const server = await startServerChild(io, startFlags);
  try {
    return { served: await servedModel(io.fetch, server.baseUrl, key), server };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Runs Claude Code on this terminal and resolves with its exit code (128 + the signal's number when a signal
 * ended it, as a shell reports it). A Ctrl-C reaches it directly (same process group), so this process ignores
 * SIGINT meanwhile; SIGTERM and SIGHUP are passed on.
 */
async function runClaude(io: ClaudeIo, claude: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = io.spawn(claude, args, { env, stdio: "inherit" });
  const removeHandler = io.onSignal((signal) => {
    if (signal !== "SIGINT") child.kill(signal);
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once("error", (error) => reject(new Error(`cannot run ${claude}: ${error.message}`)));
      child.once("exit", (code, signal) => resolve(signal === null ? (code ?? 1) : 128 + (os.constants.signals[signal] ?? 0)));
    });
  } finally {
    removeHandler();
  }
}
