import type { ChildHandle, ClaudeIo } from "./claude-io.js";

/** How long a stopping server may take before it is killed: it has no running request left to finish. */
const stopTimeoutMs = 30_000;

/** A `pensieve start` this command started for one Claude Code session. */
export interface ServerChild {
  readonly baseUrl: string;
  /** The launched process's pid (the memory relaunch may serve from a child of it, which it stops with it). */
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL if it is still there after half a minute; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `pensieve start` on a free loopback port, as its own process group (a Ctrl-C meant for Claude Code must
 * not stop it), and waits for its banner. Until then its stderr (a model download's progress, an error) is shown;
 * afterwards it is read and dropped, so its log never draws over Claude Code's screen.
 */
export async function startServerChild(io: ClaudeIo, startFlags: readonly string[]): Promise<ServerChild> {
  const [node, ...prefix] = io.pensieve;
  const args = [...prefix, "start", "--host", "127.0.0.1", "--port", "0", "--log-level", "warn", ...startFlags];
  const child = io.spawn(node, args, { env: io.env, stdio: "pipe", detached: true });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let showErrors = true;
  let banner = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (showErrors) io.stderr.write(chunk.toString("utf8"));
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`cannot start the server: ${error.message}`)));
    child.once("exit", (code) => reject(new Error(`the server exited (code ${code ?? "by signal"}) before it was ready`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      banner += chunk.toString("utf8");
      const serving = /Pensieve is serving .+ on (http:\/\/\S+)/.exec(banner);
      if (serving?.[1] !== undefined) resolve(serving[1]);
      else if (/the model did not load/.test(banner) && banner.includes("restart with")) reject(new Error(`the server could not load the model:\n${banner.trim()}`));
    });
  }).catch(async (error: unknown) => {
    await stop(child, exited);
    throw error;
  });
  showErrors = false;
  return { baseUrl, pid: child.pid, stop: () => stop(child, exited) };
}

async function stop(child: ChildHandle, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // False when there is no process to signal (it never started).
  if (!child.kill("SIGTERM")) return;
  const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}
