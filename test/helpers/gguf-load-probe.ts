import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** What happened when a child process loaded a GGUF the way the server would. */
export type GgufLoadOutcome =
  | { readonly outcome: "loaded" }
  /** node-llama-cpp or llama.cpp refused the file with an error: the process lived. */
  | { readonly outcome: "failed"; readonly message: string }
  /** The process died (llama.cpp aborted, or worse): the server would have died with it. */
  | { readonly outcome: "crashed"; readonly phase: string; readonly exitCode: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string }
  /** No answer in time: the server would have hung. */
  | { readonly outcome: "stalled"; readonly phase: string; readonly stderr: string };

interface Pending {
  readonly id: number;
  readonly resolve: (outcome: GgufLoadOutcome) => void;
}

const childScript = fileURLToPath(new URL("./gguf-load-probe-child.ts", import.meta.url));
const stderrTailBytes = 2000;

/**
 * Loads GGUF files in a child process, one at a time, so that a file which makes llama.cpp abort kills the
 * child instead of the test: the outcome says `crashed`, and the next probe starts a fresh child. One child
 * serves every probe until then, so the cost of starting node-llama-cpp is paid once.
 */
export class GgufLoadProbe {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private pending: Pending | undefined;
  private stderr = "";
  private phase = "start";
  private nextId = 0;
  /** Children started so far: one, plus one after each crash or stall. */
  startedChildren = 0;

  async probe(modelPath: string, timeoutMs = 30_000): Promise<GgufLoadOutcome> {
    if (this.pending !== undefined) throw new Error("one probe at a time");
    const child = await this.start();
    this.stderr = "";
    this.phase = "start";
    const id = ++this.nextId;
    const answer = new Promise<GgufLoadOutcome>((resolve) => {
      this.pending = { id, resolve };
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<GgufLoadOutcome>((resolve) => {
      timer = setTimeout(() => {
        this.pending = undefined;
        const stderr = this.stderr;
        this.stop();
        resolve({ outcome: "stalled", phase: this.phase, stderr });
      }, timeoutMs);
    });
    child.send({ id, modelPath });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
      this.pending = undefined;
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    this.stop();
    if (child !== undefined && child.exitCode === null && child.signalCode === null) await once(child, "exit");
  }

  private start(): Promise<ChildProcess> {
    if (this.child !== undefined && this.ready !== undefined) {
      const child = this.child;
      return this.ready.then(() => child);
    }
    this.startedChildren += 1;
    // No core file from an abort: the shell lowers the limit, then becomes node.
    const child = spawn("sh", ["-c", 'ulimit -c 0; exec "$0" "$@"', process.execPath, "--import", "tsx", childScript], {
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.child = child;
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-stderrTailBytes);
    });
    child.on("message", (message: { id?: number; phase?: string; outcome?: string; message?: string }) => {
      if (message.id === undefined || this.pending?.id !== message.id) return;
      if (message.phase !== undefined) {
        this.phase = message.phase;
        return;
      }
      const { resolve } = this.pending;
      this.pending = undefined;
      resolve(message.outcome === "loaded" ? { outcome: "loaded" } : { outcome: "failed", message: message.message ?? "" });
    });
    child.on("exit", (exitCode, signal) => {
      if (this.child === child) {
        this.child = undefined;
        this.ready = undefined;
      }
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve({ outcome: "crashed", phase: this.phase, exitCode, signal, stderr: this.stderr });
    });
    this.ready = new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (exitCode, signal) => reject(new Error(`the load probe's child exited while starting (${exitCode ?? signal}): ${this.stderr}`)));
    });
    return this.ready.then(() => child);
  }

  private stop(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
