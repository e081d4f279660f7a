import type { Command } from "commander";

/**
 * Ends a command with one `error: …` line and exit code 1. A failure at run time (a 404, a bad hash) is not
 * a usage mistake, so the usage help that `showHelpAfterError` adds to usage errors is left out.
 */
export function failCommand(command: Command, error: unknown): never {
  command.showHelpAfterError(false);
  return command.error(`error: ${error instanceof Error ? error.message : String(error)}`);
}
