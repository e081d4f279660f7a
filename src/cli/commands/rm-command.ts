import type { Command } from "commander";
import { removeCachedModel } from "../../models/cache/remove-cached-model.js";
import { pensieveHome } from "../pensieve-home.js";
import { processIo, type CommandIo } from "./command-io.js";
import { failCommand } from "./fail-command.js";
import { formatSize } from "./format-size.js";

export function registerRmCommand(program: Command, io: CommandIo = processIo): void {
  program
    .command("rm")
    .description("Remove a downloaded model: a name from `pensieve models`, its file name, or the spec it was pulled with.")
    .argument("<name>", "the model to remove")
    .action(async (name: string, _flags: unknown, command: Command) => {
      const removed = await removeCachedModel(pensieveHome(io.env), name).catch((error: unknown) => failCommand(command, error));
      io.stdout.write(`removed ${removed.name} (${formatSize(removed.sizeBytes)})\n`);
    });
}
