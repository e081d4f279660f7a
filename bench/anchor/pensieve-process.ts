import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { processMemory, spawnServer } from "../../test/helpers/servers/index.js";
import { benchClient, privateBytes, RssSampler, type BenchServer, type ServerSettings } from "./bench-server.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Pensieve's flags for the settings; `spawnServer` adds `--port 0 --no-prompt-cache --log-level warn --seed 1`.
 * `--chat-format jinja` renders the model's own template (the Qwen2.5 one the bench embeds), the one llama-server
 * is given; `--gpu cpu` because the llama-server built here is CPU only; `--memory-limit off` so the explicit
 * context is never shrunk.
 */
export function pensieveFlags(settings: ServerSettings, chatFormat: string): string[] {
  return [
    "--threads", String(settings.threads),
    "--ctx-size", String(settings.contextPerSequence),
    "--parallel", String(settings.parallel),
    "--max-queue", "64",
    "--chat-format", chatFormat,
    "--memory-limit", "off",
    "--gpu", "cpu",
  ];
}

/** The built CLI (`npm run build`) in its own process, as users run it. */
export async function startPensieve(settings: ServerSettings, chatFormat: string): Promise<BenchServer> {
  const cli = path.join(repoRoot, "dist", "cli", "main.js");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm run bench does)`);
  // PENSIEVE_BENCH_EXTRA_FLAGS tries a variant (say, `--no-prompt-lookup`) against the same llama-server runs.
  const extraFlags = process.env["PENSIEVE_BENCH_EXTRA_FLAGS"]?.split(" ").filter((flag) => flag !== "") ?? [];
  const flags = [...pensieveFlags(settings, chatFormat), ...extraFlags];
  const server = await spawnServer(settings.modelPath, flags, process.env, cli);
  const health = await fetch(`${server.baseUrl}/health`);
  if (health.status !== 200) {
    await server.stop();
    throw new Error(`Pensieve did not load the model: ${await health.text()}`);
  }
  const sampler = new RssSampler(async () => {
    const serving = await server.servingPid();
    const launcher = server.process.pid ?? serving;
    // The launcher's own pages: its shared ones (node's binary) are the server's too, and counted there.
    return (await processMemory(serving)).rssBytes + (launcher === serving ? 0 : await privateBytes(launcher));
  });
  return {
    name: "pensieve",
    client: benchClient(server.baseUrl),
    commandLine: [process.execPath, cli, "start", "--model", settings.modelPath, "--port", "0", "--no-prompt-cache", "--log-level", "warn", "--seed", "1", ...flags],
    peakRssBytes: () => sampler.peakBytes,
    pid: () => server.servingPid(),
    stop: async () => {
      sampler.stop();
      await server.stop();
    },
  };
}
