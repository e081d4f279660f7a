import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";

type Log = (level: "info" | "warn" | "error", message: string) => void;

interface SharedRuntime {
  readonly llama: Promise<Llama>;
  readonly logs: Log[];
  users: number;
}

const runtimes = new Map<string, SharedRuntime>();

export interface RuntimeLease {
  readonly llama: Llama;
  /** Gives the runtime back; the last user's release disposes it. */
  release(): Promise<void>;
}

/**
 * The llama.cpp runtime for a GPU setting, shared by every engine in the process: with several models served
 * (aliases), node-llama-cpp's thread splitter then shares the cores among their contexts instead of each
 * model running its own full set of threads. Its log lines go to the longest-serving engine's log.
 */
export async function acquireLlama(gpu: false | "auto", log: Log | undefined): Promise<RuntimeLease> {
  const key = String(gpu);
  let runtime = runtimes.get(key);
  if (runtime === undefined) {
    const logs: Log[] = [];
    const llama = getLlama({
      gpu,
      build: "never",
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (text === "") return;
        logs[0]?.(level === LlamaLogLevel.error || level === LlamaLogLevel.fatal ? "error" : "warn", text);
      },
    });
    runtime = { llama, logs, users: 0 };
    runtimes.set(key, runtime);
    // A runtime that failed to start is not kept for the next engine to fail on.
    llama.catch(() => runtimes.delete(key));
  }
  const shared = runtime;
  shared.users += 1;
  if (log !== undefined) shared.logs.push(log);
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    shared.users -= 1;
    if (log !== undefined) shared.logs.splice(shared.logs.indexOf(log), 1);
    if (shared.users > 0) return;
    if (runtimes.get(key) === shared) runtimes.delete(key);
    await (await shared.llama).dispose();
  };
  try {
    return { llama: await shared.llama, release };
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
}
