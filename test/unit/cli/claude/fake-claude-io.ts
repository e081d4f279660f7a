import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import type { ChildHandle, ClaudeIo, SpawnSettings } from "../../../../src/cli/commands/claude/claude-io.js";

/** One process the command started, with what it was started with; the test ends it. */
export class FakeChild extends EventEmitter implements ChildHandle {
  readonly pid = 4242;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: NodeJS.Signals[] = [];

  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly settings: SpawnSettings,
    private readonly onKill: (child: FakeChild, signal: NodeJS.Signals) => void,
  ) {
    super();
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    this.signals.push(signal);
    this.onKill(this, signal);
    return true;
  }

  /** Ends it as a process does: `exit` with a code, or with a signal. */
  end(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit("exit", code, signal);
  }
}

export interface FakeClaudeIoOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** What `findExecutable` finds; none: `claude` is not installed. Defaults to `/usr/bin/claude`. */
  readonly claudePath?: string | null;
  /** Whether a ready Pensieve answers on 127.0.0.1:8080. Defaults to `false`. */
  readonly running?: boolean;
  /** What Claude Code does once started. Defaults to exiting 0. */
  readonly runClaude?: (child: FakeChild) => void;
}

/**
 * A process for `pensieve claude` in which every server (the running one, or a started child whose banner names
 * `http://127.0.0.1:5555`) serves `local-model` with a 30000-token window.
 */
export class FakeClaudeIo implements ClaudeIo {
  readonly env: NodeJS.ProcessEnv;
  readonly children: FakeChild[] = [];
  readonly fetched: string[] = [];
  stderrText = "";
  exitCode: number | undefined;
  readonly pensieve = ["/usr/bin/node", "/opt/pensieve/main.js"] as const;
  readonly stderr = { write: (text: string) => (this.stderrText += text) };
  private readonly signalListeners = new Set<(signal: NodeJS.Signals) => void>();

  constructor(private readonly options: FakeClaudeIoOptions = {}) {
    this.env = options.env ?? { PATH: "/usr/bin" };
  }

  readonly fetch = (async (input: string | URL | Request) => {
    const url = String(input);
    this.fetched.push(url);
    const up = url.startsWith("http://127.0.0.1:5555") || (this.options.running === true && url.startsWith("http://127.0.0.1:8080"));
    if (!up) throw new TypeError("fetch failed");
    if (url.endsWith("/health")) return Response.json({ status: "ready", model: "local-model" });
    return Response.json({ data: [{ type: "model", id: "local-model", max_input_tokens: 30000 }] });
  }) as typeof fetch;

  spawn(file: string, args: readonly string[], settings: SpawnSettings): FakeChild {
    const isServer = file === this.pensieve[0];
    const child = new FakeChild(file, args, settings, (target, signal) => {
      if (isServer) queueMicrotask(() => target.end(null, signal));
    });
    this.children.push(child);
    queueMicrotask(() => {
      if (isServer) child.stdout.write("Pensieve is serving local-model on http://127.0.0.1:5555\n");
      else (this.options.runClaude ?? ((claude) => claude.end(0)))(child);
    });
    return child;
  }

  findExecutable(name: string): Promise<string | undefined> {
    const found = this.options.claudePath === undefined ? "/usr/bin/claude" : this.options.claudePath;
    return Promise.resolve(found === null ? undefined : name === "claude" ? found : name);
  }

  onSignal(listener: (signal: NodeJS.Signals) => void): () => void {
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }

  /** Delivers a signal to the command, as the terminal or a supervisor would. */
  signal(signal: NodeJS.Signals): void {
    for (const listener of this.signalListeners) listener(signal);
  }

  setExitCode(code: number): void {
    this.exitCode = code;
  }
}
