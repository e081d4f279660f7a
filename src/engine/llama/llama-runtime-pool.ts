import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";

type Log = (level: "info" | "warn" | "error", message: string) => void;

interface SharedRuntime {
  readonly llama: Promise<Llama>;
  readonly logs: Log[];
  users: number;
}

export interface RuntimeLease {
  readonly llama: Llama;
  /** Gives the runtime back; the last user's release disposes it. */
  release(): Promise<void>;
}

/**
 * llama.cpp runtimes, one per GPU setting, shared by every engine given the same pool: with several models
 * served (aliases), node-llama-cpp's thread splitter then shares the cores among their contexts instead of each
 * model running its own full set of threads. A runtime's log lines go to its longest-serving engine's log.
 * The composition root makes one pool for the process; an engine given none gets a pool of its own.
 */
export class LlamaRuntimePool {
  private readonly runtimes = new Map<string, SharedRuntime>();

  async acquire(gpu: false | "auto", log: Log | undefined): Promise<RuntimeLease> {
    const key = String(gpu);
    const shared = this.runtimes.get(key) ?? this.create(key, gpu);
    shared.users += 1;
    if (log !== undefined) shared.logs.push(log);
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      shared.users -= 1;
      if (log !== undefined) shared.logs.splice(shared.logs.indexOf(log), 1);
      if (shared.users > 0) return;
      if (this.runtimes.get(key) === shared) this.runtimes.delete(key);
      await (await shared.llama).dispose();
    };
    try {
      return { llama: await shared.llama, release };
    } catch (error) {
      await release().catch(() => undefined);
      throw error;
    }
  }

  private create(key: string, gpu: false | "auto"): SharedRuntime {
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
    const runtime: SharedRuntime = { llama, logs, users: 0 };
    this.runtimes.set(key, runtime);
    // A runtime that failed to start is not kept for the next engine to fail on.
    llama.catch(() => this.runtimes.delete(key));
    return runtime;
  }
}
