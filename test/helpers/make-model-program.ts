import { Command } from "commander";
import { registerMakeModelCommand } from "../../src/cli/commands/make-model-command.js";

/** What a test program's commander would have printed, to stdout (`out`) and stderr (`err`). */
export interface ProgramOutput {
  out: string;
  err: string;
}

/** `pensieve make-model` on a program that throws instead of exiting and keeps what it would print. */
export function makeModelProgram(): { root: Command; output: ProgramOutput } {
  const output: ProgramOutput = { out: "", err: "" };
  const root = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (text) => (output.out += text), writeErr: (text) => (output.err += text) });
  registerMakeModelCommand(root);
  return { root, output };
}
