#!/usr/bin/env node
import { Command } from "commander";
import { registerMakeModelCommand } from "./commands/make-model-command.js";
import { registerStartCommand } from "./commands/start-command.js";

const program = new Command()
  .name("pensieve")
  .description("A local LLM server that speaks Anthropic's Messages API.")
  .showHelpAfterError();

registerStartCommand(program);
registerMakeModelCommand(program);

await program.parseAsync(process.argv);
