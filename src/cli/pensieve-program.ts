import { Command } from "commander";
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
    .showHelpAfterError();

  registerStartCommand(program);
  registerMakeModelCommand(program);
  registerPullCommand(program);
  registerModelsCommand(program);
  registerRmCommand(program);

  await program.parseAsync(argv);
}
