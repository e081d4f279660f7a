import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import type { CommandOutput } from "../command-io.js";

/** A started process, as `node:child_process` gives it: what `pensieve claude` needs of one. */
export interface ChildHandle {
  readonly pid?: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: "error", listener: (error: Error) => void): this;
}

export interface SpawnSettings {
  readonly env: NodeJS.ProcessEnv;
  /** `inherit` for Claude Code (it owns the terminal); `pipe` for the server, whose banner is read. */
  readonly stdio: "inherit" | "pipe";
  /** Its own process group, so a Ctrl-C in the terminal reaches Claude Code but not the server. */
  readonly detached?: boolean;
}

/** What `pensieve claude` takes from its process: passed in, so tests run it in process with fakes. */
export interface ClaudeIo {
  readonly env: NodeJS.ProcessEnv;
  /** Where notices go (which server, a missing `claude`). */
  readonly stderr: CommandOutput;
  readonly fetch: typeof fetch;
  spawn(file: string, args: readonly string[], settings: SpawnSettings): ChildHandle;
  /** The executable `name` resolves to: a path with a slash as given, else the first match on `PATH`. */
  findExecutable(name: string): Promise<string | undefined>;
  /** How to run this same CLI again: node, its flags (tsx's loader when run from source), the entry script. */
  readonly pensieve: readonly [string, ...string[]];
  /** Calls `listener` on SIGINT, SIGTERM and SIGHUP until the returned function is called. */
  onSignal(listener: (signal: NodeJS.Signals) => void): () => void;
  /** Sets the exit code the process ends with once nothing is left to do. */
  setExitCode(code: number): void;
}

const handledSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** The real process. */
export function processClaudeIo(): ClaudeIo {
  return {
    env: process.env,
    stderr: process.stderr,
    fetch: (input, init) => fetch(input, init),
    spawn: (file, args, settings) => spawn(file, args, { env: settings.env, stdio: settings.stdio, detached: settings.detached === true }),
    findExecutable: (name) => findExecutable(name, process.env),
    pensieve: [process.execPath, ...process.execArgv, process.argv[1] ?? "pensieve"],
    onSignal: (listener) => {
      for (const signal of handledSignals) process.on(signal, listener);
      return () => {
        for (const signal of handledSignals) process.off(signal, listener);
      };
    },
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

/** `which`: a name with a path separator is checked as is; a bare name is looked up in `env.PATH`. */
export async function findExecutable(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const candidates = name.includes(path.sep) || name.includes("/") ? [path.resolve(name)] : (env["PATH"] ?? "").split(path.delimiter).filter((folder) => folder !== "").map((folder) => path.join(folder, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not there or not executable: the next folder.
    }
  }
  return undefined;
}
