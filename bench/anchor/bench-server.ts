import { readFile } from "node:fs/promises";
import Anthropic from "@anthropic-ai/sdk";
import { parseProcFieldBytes } from "../../src/util/read-process-usage.js";

export type ServerName = "pensieve" | "llama-server";

/** One server under test: its own process, driven over loopback by the official SDK. */
export interface BenchServer {
  readonly name: ServerName;
  readonly client: Anthropic;
  /** The command line it was started with, for the results. */
  readonly commandLine: readonly string[];
  /**
   * Peak resident memory since it was ready (sampled every 100 ms), in bytes: the serving process's, plus what only
   * Pensieve's launcher holds where one stays beside it (Node before 22.15: see `relaunchWithMemorySettings`).
   */
  peakRssBytes(): number;
  /** The serving process (Pensieve's relaunched child, where it relaunched itself). */
  pid(): Promise<number>;
  stop(): Promise<void>;
}

/** The same SDK client settings for both servers: no retries, room for the longest prompt. */
export function benchClient(baseUrl: string): Anthropic {
  return new Anthropic({ baseURL: baseUrl, apiKey: "bench", maxRetries: 0, timeout: 60 * 60_000 });
}

/** The resident pages no other process shares (`Private_Clean` + `Private_Dirty` of /proc/<pid>/smaps_rollup). */
export async function privateBytes(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8");
  return (parseProcFieldBytes(rollup, "Private_Clean") ?? 0) + (parseProcFieldBytes(rollup, "Private_Dirty") ?? 0);
}

/** Samples a server's resident memory (`measure`) every 100 ms until stopped; keeps the peak. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  private sampling = false;

  constructor(private readonly measure: () => Promise<number>) {
    this.timer = setInterval(() => void this.sample(), 100);
    void this.sample();
  }

  get peakBytes(): number {
    return this.peak;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      this.peak = Math.max(this.peak, await this.measure());
    } catch {
      // The process is exiting: the peak so far stands.
    } finally {
      this.sampling = false;
    }
  }
}

/** What both servers are started with, each in its own flags. */
export interface ServerSettings {
  readonly modelPath: string;
  /** Threads for prompt batches and batches of several sequences (llama.cpp's `n_threads_batch`). */
  readonly threads: number;
  /** llama-server's threads for one sequence's token-by-token decoding (`-t`); Pensieve uses `threads` for every batch. */
  readonly decodeThreads: number;
  readonly contextPerSequence: number;
  readonly parallel: number;
}

/**
 * The batch size Pensieve's context gets: node-llama-cpp's default, `min(context × sequences, 512)` and at least
 * one slot per sequence, with its physical batch (`n_ubatch`) the same.
 */
export function pensieveBatchSize(settings: Pick<ServerSettings, "contextPerSequence" | "parallel">): number {
  return Math.max(Math.min(settings.contextPerSequence * settings.parallel, 512), settings.parallel);
}
