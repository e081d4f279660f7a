import type { Command } from "commander";
import { ConfigError } from "../pensieve-config.js";
import { watchLauncher } from "../watch-launcher.js";
import { failCommand } from "./fail-command.js";
import { ListenError } from "./start/listen-error.js";
import { runServer } from "./start/run-server.js";
import { toServerConfig, type ServerConfig } from "./start/server-config.js";
import { processStartIo, type StartIo } from "./start/server-io.js";
import { addStartOptions, type StartFlags } from "./start/start-options.js";

/**
 * `pensieve start`, the default command. `io` is the real process unless given: its environment, streams,
 * signals and exit. The server runs until a signal stops it (`stopOnSignals`).
 */
export function registerStartCommand(program: Command, io?: StartIo): void {
  addStartOptions(program.command("start", { isDefault: true }).description("Load a model and serve Anthropic's Messages API.")).action(
    async (flags: StartFlags, command: Command) => {
      const startIo = io ?? processStartIo();
      let config: ServerConfig;
      try {
        config = toServerConfig(flags, startIo.env);
      } catch (error) {
        return failCommand(command, error);
      }
      watchLauncher();
      try {
        await runServer(config, startIo);
      } catch (error) {
        // A config file it cannot use, or an address it cannot listen on, is the user's to fix: one error line.
        // Anything else is a crash, with its stack.
        if (error instanceof ConfigError || error instanceof ListenError) failCommand(command, error);
        throw error;
      }
    },
  );
}
