import type { ModelMemoryShape } from "./model-memory-shape.js";

/** A named, known-good model: `pensieve pull qwen3.5-4b`, `pensieve start --model qwen3.5-4b`. */
export interface ModelPreset {
  readonly name: string;
  readonly title: string;
  /** The Hugging Face repository and the GGUF file in it. */
  readonly owner: string;
  readonly repository: string;
  readonly file: string;
  /** The training context length, in tokens. */
  readonly contextLength: number;
  readonly description: string;
  /** Pinned size; absent: the hub's metadata is used at pull time. */
  readonly sizeBytes?: number;
  /** Pinned sha256 (lower-case hex); absent: the hub's metadata is used at pull time. */
  readonly sha256?: string;
  /** The model's dimensions as its card states them: what the memory estimate needs before the file is here. */
  readonly memoryShape: ModelMemoryShape;
  /** What could not be checked against the model card or the hub's listing; absent: all of it was. */
  readonly unchecked?: string;
}
