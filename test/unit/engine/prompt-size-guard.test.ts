import type { LlamaModel } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { PromptTooLongError } from "../../../src/engine/engine-errors.js";
import { PromptSizeGuard } from "../../../src/engine/llama/prompt-size-guard.js";
import { textRequest } from "../../helpers/generation-requests.js";

/**
 * A model whose tokenizer makes one token of every four characters and logs the length of each text it is given,
 * with a vocabulary whose longest piece is 16 bytes. The real tokenizer runs in the integration tier (the event
 * loop guard sends long prompts to a real server); here each branch is pinned down by what it tokenizes.
 */
function fakeModel() {
  const tokenized: number[] = [];
  const model = {
    fileInfo: { metadata: { tokenizer: { ggml: { tokens: ["a", "b".repeat(16)] } } } },
    tokenize: (text: string) => {
      tokenized.push(text.length);
      return Array.from({ length: Math.ceil(text.length / 4) }, () => 0);
    },
  };
  return { model: model as unknown as LlamaModel, tokenized };
}

const words = (characters: number): string => "word ".repeat(Math.ceil(characters / 5)).slice(0, characters);

describe("PromptSizeGuard", () => {
  it("leaves a prompt of fewer than two characters a token of the context to the renderer, which tokenizes it anyway", async () => {
    const { model, tokenized } = fakeModel();
    await new PromptSizeGuard(model, 40_000).check(textRequest(words(79_999), 1));
    expect(tokenized).toEqual([]);
  });

  it("counts a prompt of two characters a token or more in chunks of 8 Ki characters before it is rendered", async () => {
    const { model, tokenized } = fakeModel();
    await new PromptSizeGuard(model, 40_000).check(textRequest(words(80_000), 1));
    expect(tokenized).toEqual([...Array<number>(9).fill(8192), 80_000 - 9 * 8192]);
  });

  it("stops counting at the first chunk past the limit, and refuses the prompt", async () => {
    const { model, tokenized } = fakeModel();
    const guard = new PromptSizeGuard(model, 10_000);
    await expect(guard.check(textRequest(words(100_000), 1))).rejects.toBeInstanceOf(PromptTooLongError);
    // 2048 tokens a chunk, 2 of them not counted for the cuts: past 10,000 at the fifth chunk.
    expect(tokenized).toEqual(Array<number>(5).fill(8192));
  });

  it("counts a prompt of 32 Ki characters or more in a context small enough that two characters a token are fewer", async () => {
    const { model, tokenized } = fakeModel();
    await new PromptSizeGuard(model, 9_000).check(textRequest(words(32_768), 1));
    expect(tokenized).toEqual(Array<number>(4).fill(8192));
  });

  it("refuses by length alone a prompt longer than the longest piece times the limit, tokenizing nothing", async () => {
    const { model, tokenized } = fakeModel();
    await expect(new PromptSizeGuard(model, 1_000).check(textRequest(words(16_001), 1))).rejects.toBeInstanceOf(PromptTooLongError);
    expect(tokenized).toEqual([]);
  });

  it("refuses past the limit it is given, for counting a prompt that may not fit, but chunks by the context's", async () => {
    const { model, tokenized } = fakeModel();
    const guard = new PromptSizeGuard(model, 10_000);
    await expect(guard.check(textRequest(words(50_000), 1), 40_000)).resolves.toBeUndefined();
    expect(tokenized).toEqual([...Array<number>(6).fill(8192), 50_000 - 6 * 8192]);
    await expect(guard.check(textRequest(words(50_000), 1))).rejects.toBeInstanceOf(PromptTooLongError);
  });
});
