import { setImmediate as nextTurn } from "node:timers/promises";
import type { LlamaModel } from "node-llama-cpp";
import { PromptTooLongError } from "../engine-errors.js";
import type { PromptRequest } from "../generation-request.js";

/**
 * Characters tokenized in one native call while a long prompt is measured. The tokenizer is synchronous and
 * blocks every client while it runs: 8 Ki characters take a few milliseconds on one slow core.
 */
const chunkCharacters = 8192;
/** Prompts with fewer characters than this are rendered and tokenized at once, as they always were. */
const measuredFromCharacters = 4 * chunkCharacters;
/**
 * Nor is a prompt with fewer characters than this many per token the context allows. The renderer tokenizes a prompt
 * that fits whole anyway, and LlamaChat once more: counted first, it was tokenized three times (a cached 11k-token
 * prompt in a 32k context: 65-70 ms of the JavaScript thread a request, 47-57 ms without the count; most of it is
 * tokenizing). Two UTF-16 units a token are at most six bytes, about one and a half times the text of a prompt that
 * fills the context (four bytes a token, in English or code), so such a prompt, refused or not, blocks no longer
 * than a long one that fits.
 */
const countedFromCharactersPerToken = 2;
/** A cut between two chunks may split a token into a few: that many tokens per chunk are not counted. */
const cutAllowance = 2;

/**
 * Refuses a prompt that cannot fit the context before it is rendered and tokenized whole, so a prompt of tens
 * of megabytes (within the body limit) costs neither a long stall of the event loop nor gigabytes of tokens:
 * first by characters (no token covers more characters than the vocabulary's longest piece has bytes), then, for a
 * prompt with more than two characters a token of the context, by tokenizing the free text chunk by chunk, yielding
 * to other clients between chunks, until the count is past the limit. A prompt that fits is then tokenized once
 * more, whole, by the renderer; a shorter one only there, where `LoadedModel` refuses it by its exact count.
 */
export class PromptSizeGuard {
  /** `undefined` when the file lists no pieces: then only the chunked count applies. */
  private readonly longestPieceBytes: number | undefined;
  /** Prompts with fewer characters are left to the renderer (see `countedFromCharactersPerToken`). */
  private readonly countedFromCharacters: number;

  constructor(
    private readonly model: LlamaModel,
    private readonly maxInputTokens: number,
  ) {
    this.longestPieceBytes = longestPieceBytes(model);
    this.countedFromCharacters = Math.max(measuredFromCharacters, countedFromCharactersPerToken * maxInputTokens);
  }

  /** Throws `PromptTooLongError` once the prompt is known to exceed `limit` tokens (the context's maximum by default). */
  async check(request: PromptRequest, limit = this.maxInputTokens): Promise<void> {
    const texts = freeTexts(request);
    const characters = texts.reduce((sum, text) => sum + text.length, 0);
    // A UTF-16 unit is at least one UTF-8 byte, so a token never covers more units than its piece has bytes.
    const fewestTokens = this.longestPieceBytes === undefined ? 0 : Math.ceil(characters / this.longestPieceBytes);
    if (fewestTokens > limit) throw new PromptTooLongError(fewestTokens, this.maxInputTokens);
    if (characters < this.countedFromCharacters) return;
    let tokens = 0;
    let chunks = 0;
    for (const text of texts) {
      for (let start = 0; start < text.length; ) {
        const end = chunkEnd(text, start);
        await nextTurn();
        tokens += this.model.tokenize(text.slice(start, end)).length;
        chunks += 1;
        if (tokens - cutAllowance * chunks > limit) throw new PromptTooLongError(tokens, this.maxInputTokens);
        start = end;
      }
    }
  }
}

/** The texts a prompt renders verbatim, whatever the chat format: what the client controls in bulk. */
function freeTexts(request: PromptRequest): string[] {
  const texts = [request.system];
  for (const tool of request.tools) texts.push(tool.description);
  for (const turn of request.turns) {
    if (turn.role === "system") {
      texts.push(turn.text);
      continue;
    }
    for (const part of turn.parts) {
      if (part.type === "text" || part.type === "thinking") texts.push(part.text);
      else if (part.type === "tool-result") texts.push(part.content);
    }
  }
  return texts.filter((text) => text !== "");
}

/** Where a chunk starting at `start` ends: never between the two halves of a surrogate pair. */
function chunkEnd(text: string, start: number): number {
  const end = Math.min(text.length, start + chunkCharacters);
  const last = text.charCodeAt(end - 1);
  return end < text.length && last >= 0xd800 && last <= 0xdbff ? end + 1 : end;
}

function longestPieceBytes(model: LlamaModel): number | undefined {
  const pieces = (model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: unknown } } }).tokenizer?.ggml?.tokens;
  if (!Array.isArray(pieces) || pieces.length === 0) return undefined;
  let longest = 1;
  for (const piece of pieces) if (typeof piece === "string") longest = Math.max(longest, Buffer.byteLength(piece));
  return longest;
}
