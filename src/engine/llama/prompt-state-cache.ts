import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { commonPrefixLength } from "./common-prefix-length.js";

export interface PromptStateCacheOptions {
  /** Folder for this cache; each model and context setting gets its own subfolder inside. */
  readonly folder: string;
  readonly modelPath: string;
  readonly contextSize: number;
  /** Prompts shorter than this are not worth a file. */
  readonly minTokens: number;
  /** Total bytes of state files kept; the least recently used go first. */
  readonly maxBytes: number;
  /** Anything that makes a saved state unusable when it changes (the engine library's version, cache types). */
  readonly compatibilityKey: string;
}

interface Entry {
  readonly name: string;
  readonly tokens: readonly Token[];
  readonly bytes: number;
  lastUsedAt: number;
}

/**
 * KV states of long prompts on disk, so that a restarted server answers a repeated system prompt and tool list
 * without evaluating them again. A state is only ever restored into a context made from the same model file
 * with the same context size and library version: the folder is keyed by all of them, because loading a
 * state from a different model can crash the process.
 */
export class PromptStateCache {
  private readonly entries = new Map<string, Entry>();

  private constructor(
    private readonly folder: string,
    private readonly options: PromptStateCacheOptions,
  ) {}

  static async open(options: PromptStateCacheOptions): Promise<PromptStateCache> {
    const fingerprint = await modelFingerprint(options.modelPath);
    const key = createHash("sha256").update(`${fingerprint}|${options.contextSize}|${options.compatibilityKey}`).digest("hex").slice(0, 24);
    const folder = path.join(options.folder, key);
    await mkdir(folder, { recursive: true });
    const cache = new PromptStateCache(folder, options);
    await cache.loadIndex();
    return cache;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of state files kept now, and the most that are kept. */
  get diskUse(): { readonly bytes: number; readonly limitBytes: number } {
    return { bytes: [...this.entries.values()].reduce((sum, entry) => sum + entry.bytes, 0), limitBytes: this.options.maxBytes };
  }

  /**
   * The saved state sharing the longest prefix with `tokens`, if it shares at least `minTokens`. With
   * `wholeWithin`, only a state whose tokens all begin the prompt, within its first `wholeWithin` tokens: what a
   * state that cannot be trimmed (a hybrid or sliding-window model's) must be to be of use.
   */
  bestMatch(tokens: readonly Token[], wholeWithin?: number): { readonly entry: Entry; readonly sharedTokens: number } | null {
    let best: { entry: Entry; sharedTokens: number } | null = null;
    for (const entry of this.entries.values()) {
      const sharedTokens = commonPrefixLength(entry.tokens, tokens);
      if (wholeWithin !== undefined && (sharedTokens < entry.tokens.length || sharedTokens > wholeWithin)) continue;
      if (sharedTokens >= this.options.minTokens && (best === null || sharedTokens > best.sharedTokens)) best = { entry, sharedTokens };
    }
    return best;
  }

  /** Loads a saved state into the sequence, replacing what it held. */
  async restore(sequence: LlamaContextSequence, entry: Entry): Promise<void> {
    await sequence.loadStateFromFile(this.statePath(entry.name), { acceptRisk: true });
    entry.lastUsedAt = Date.now();
    await this.writeMetadata(entry);
  }

  /**
   * Saves the sequence's state when its prompt is long and not already on disk (most of it shared with a
   * saved state), then evicts the least recently used files past the size budget.
   */
  async saveIfNew(sequence: LlamaContextSequence, promptTokens: readonly Token[], wholeWithin?: number): Promise<boolean> {
    const existing = this.bestMatch(promptTokens, wholeWithin);
    if (!this.wouldSave(promptTokens, wholeWithin)) {
      if (existing !== null) existing.entry.lastUsedAt = Date.now();
      return false;
    }
    const tokens = sequence.contextTokens;
    const name = createHash("sha256").update(Uint32Array.from(tokens)).digest("hex").slice(0, 32);
    const partial = `${this.statePath(name)}.partial`;
    const { fileSize } = await sequence.saveStateToFile(partial);
    await rename(partial, this.statePath(name));
    const entry: Entry = { name, tokens, bytes: fileSize, lastUsedAt: Date.now() };
    this.entries.set(name, entry);
    await this.writeMetadata(entry);
    await this.evict();
    return true;
  }

  /**
   * Whether `saveIfNew` would save a state for this prompt: it is long, and not mostly on disk already (in states
   * it continues whole, with `wholeWithin`: see `bestMatch`).
   */
  wouldSave(promptTokens: readonly Token[], wholeWithin?: number): boolean {
    if (promptTokens.length < this.options.minTokens) return false;
    const existing = this.bestMatch(promptTokens, wholeWithin);
    return existing === null || existing.sharedTokens < promptTokens.length * 0.9;
  }

  private async evict(): Promise<void> {
    let total = [...this.entries.values()].reduce((sum, entry) => sum + entry.bytes, 0);
    const oldestFirst = [...this.entries.values()].sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    for (const entry of oldestFirst) {
      if (total <= this.options.maxBytes) return;
      this.entries.delete(entry.name);
      total -= entry.bytes;
      await rm(this.statePath(entry.name), { force: true });
      await rm(this.metadataPath(entry.name), { force: true });
    }
  }

  private async loadIndex(): Promise<void> {
    for (const file of await readdir(this.folder)) {
      if (file.endsWith(".partial")) {
        await rm(path.join(this.folder, file), { force: true }); // left by a crash mid-save
        continue;
      }
      if (!file.endsWith(".json")) continue;
      const name = file.slice(0, -".json".length);
      try {
        const metadata = JSON.parse(await readFile(this.metadataPath(name), "utf8")) as { tokens: Token[]; lastUsedAt: number };
        const { size } = await stat(this.statePath(name));
        this.entries.set(name, { name, tokens: metadata.tokens, bytes: size, lastUsedAt: metadata.lastUsedAt });
      } catch {
        await rm(this.metadataPath(name), { force: true });
        await rm(this.statePath(name), { force: true });
      }
    }
  }

  private async writeMetadata(entry: Entry): Promise<void> {
    const target = this.metadataPath(entry.name);
    await writeFile(`${target}.partial`, JSON.stringify({ tokens: entry.tokens, lastUsedAt: entry.lastUsedAt }));
    await rename(`${target}.partial`, target);
  }

  private statePath(name: string): string {
    return path.join(this.folder, `${name}.state`);
  }

  private metadataPath(name: string): string {
    return path.join(this.folder, `${name}.json`);
  }
}

/** Size plus the first and last MiB of the file: cheap, and a different model never matches. */
async function modelFingerprint(modelPath: string): Promise<string> {
  const handle = await open(modelPath, "r");
  try {
    const { size } = await handle.stat();
    const window = Math.min(size, 1024 * 1024);
    const head = Buffer.alloc(window);
    const tail = Buffer.alloc(window);
    await handle.read(head, 0, window, 0);
    await handle.read(tail, 0, window, size - window);
    return createHash("sha256").update(String(size)).update(head).update(tail).digest("hex");
  } finally {
    await handle.close();
  }
}
