import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { ensureLlamaServer, libraryPath } from "../../bench/anchor/build-llama-server.js";
import { makeReplyModel } from "../../src/models/generator/make-reply-model.js";
import { parseReplyBlocks } from "../../src/models/generator/reply-blocks.js";

export interface LlamaServerReplica {
  readonly name: string;
  readonly url: string;
  /** Whether the process is still running (not killed by `kill`). */
  readonly running: boolean;
  /** SIGKILLs the replica: a machine lost, no goodbye. */
  kill(): Promise<void>;
}

/** The model name every replica serves (`--alias`), as a pool names it. */
export const replicaModel = "fleet-model";

/**
 * Real llama-server processes on loopback ports, each serving a tiny generated model scripted to answer
 * "I am replica <name>." to any prompt, so a reply says which replica served it. The binary is the one
 * `ensureLlamaServer` builds from node-llama-cpp's own llama.cpp (built on first use, then cached).
 */
export async function startLlamaServerReplicas(names: readonly string[], folder: string, contextPerSlot = 65_536): Promise<LlamaServerReplica[]> {
  const build = await ensureLlamaServer({ log: (line) => console.log(`[llama-server build] ${line}`) });
  await mkdir(folder, { recursive: true });
  return Promise.all(
    names.map(async (name) => {
      const modelPath = path.join(folder, `${name}.gguf`);
      await makeReplyModel({ outputPath: modelPath, reply: parseReplyBlocks([{ type: "text", text: `I am replica ${name}.` }]) });
      const port = await freePort();
      const child = spawn(
        build.binaryPath,
        ["-m", modelPath, "--host", "127.0.0.1", "--port", String(port), "-c", String(contextPerSlot * 2), "-np", "2", "--jinja", "-t", "1", "--alias", replicaModel],
        // Its shared libraries beside it, first, as the bench runs it.
        { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LD_LIBRARY_PATH: libraryPath(build.binaryPath) } },
      );
      let log = "";
      child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-4000)));
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url, child, () => log);
      return replica(name, url, child);
    }),
  );
}

function replica(name: string, url: string, child: ChildProcess): LlamaServerReplica {
  let running = true;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => (running = false));
  return {
    name,
    url,
    get running() {
      return running;
    },
    kill: async () => {
      if (!running) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}: ${log()}`);
    const ok = await fetch(`${url}/health`).then((response) => response.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill("SIGKILL");
  throw new Error(`llama-server at ${url} did not become healthy: ${log()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}
