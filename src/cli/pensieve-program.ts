import { Command } from "commander";
import { registerClaudeCommand } from "./commands/claude-command.js";
import { registerMakeModelCommand } from "./commands/make-model-command.js";
import { registerModelsCommand } from "./commands/models-command.js";
import { registerPullCommand } from "./commands/pull-command.js";
import { registerRmCommand } from "./commands/rm-command.js";
import { registerStartCommand } from "./commands/start-command.js";

/** Parses `argv` and runs the command it names. */
export async function runPensieve(argv: readonly string[]): Promise<void> {
  const program = new Command()
    .name("pensieve")
    .description("A local LLM server that speaks Anthropic's Messages API.")
    .showHelpAfterError()
    // Options after a command's name are that command's: \`pensieve claude\` passes the rest on to Claude Code.
    .enablePositionalOptions();

  registerStartCommand(program);
  registerMakeModelCommand(program);
  registerPullCommand(program);
  registerModelsCommand(program);
  registerRmCommand(program);
  registerClaudeCommand(program);

  await program.parseAsync(argv);
}
