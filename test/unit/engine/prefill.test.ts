import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { prefillInBatches, prefillWithCheckpoints, type HeldAfterBatch, type PrefillOptions } from "../../../src/engine/llama/prefill.js";

const prompt = (length: number): Token[] => Array.from({ length }, (_, index) => (100 + index) as Token);

/**
 * A sequence of batch size 4 holding `held`, logging each call the prefill makes, with what the model's record of
 * sequences mid-prompt said while each batch was evaluated. The real engine runs these paths in the integration
 * tier; here each branch is pinned down without a model.
 */
function fakeSequence(options: { held?: Token[]; needsCheckpoints?: boolean; failAtBatch?: number } = {}) {
  const held = [...(options.held ?? [])];
  const log: string[] = [];
  const heldAfterBatch = new Map<LlamaContextSequence, HeldAfterBatch>();
  let batches = 0;
  const sequence = {
    context: { batchSize: 4 },
    needsCheckpoints: options.needsCheckpoints ?? false,
    get nextTokenIndex() {
      return held.length;
    },
    eraseContextTokenRanges: async (ranges: { start: number; end: number }[]) => {
      log.push(`erase ${ranges.map((range) => `${range.start}-${range.end}`).join(",")}`);
      for (const range of ranges) held.splice(range.start, range.end - range.start);
    },
    evaluateWithoutGeneratingNewTokens: async (tokens: Token[]) => {
      const record = heldAfterBatch.get(sequence as unknown as LlamaContextSequence);
      log.push(`evaluate ${held.length}-${held.length + tokens.length} (mid-prompt: ${record === undefined ? "none" : `${record.length} of ${record.tokens.length}`})`);
      batches += 1;
      if (batches === options.failAtBatch) throw new Error("decode failed");
      held.push(...tokens);
    },
    takeCheckpoint: async () => {
      log.push(`checkpoint at ${held.length}`);
    },
  };
  const evaluated: number[] = [];
  const base = (tokens: Token[], sharedTokens: number, stop = new AbortController().signal): PrefillOptions => ({
    sequence: sequence as unknown as LlamaContextSequence,
    tokens,
    sharedTokens,
    stop,
    heldAfterBatch,
    onEvaluated: (count) => evaluated.push(count),
  });
  return { held, log, heldAfterBatch, evaluated, base };
}

describe("prefillInBatches", () => {
  it("evaluates whole batches while more than one batch is left, and leaves the rest to LlamaChat", async () => {
    const fake = fakeSequence();
    await prefillInBatches(fake.base(prompt(10), 0));
    expect(fake.log).toEqual(["evaluate 0-4 (mid-prompt: 4 of 10)", "evaluate 4-8 (mid-prompt: 8 of 10)"]);
    expect(fake.evaluated).toEqual([4, 4]);
    expect(fake.held).toEqual(prompt(8));
    expect(fake.heldAfterBatch.size).toBe(0);
  });

  it("leaves exactly one batch's worth to LlamaChat, and a prompt that fits one batch untouched", async () => {
    const exact = fakeSequence();
    await prefillInBatches(exact.base(prompt(8), 0));
    expect(exact.log).toEqual(["evaluate 0-4 (mid-prompt: 4 of 8)"]);
    const short = fakeSequence();
    await prefillInBatches(short.base(prompt(4), 0));
    expect(short.log).toEqual([]);
    expect(short.evaluated).toEqual([]);
  });

  it("starts after the tokens the sequence shares with the prompt, erasing what it holds past them", async () => {
    const fake = fakeSequence({ held: [...prompt(3), 7 as Token, 8 as Token, 9 as Token] });
    await prefillInBatches(fake.base(prompt(11), 3));
    expect(fake.log).toEqual(["erase 3-6", "evaluate 3-7 (mid-prompt: 7 of 11)"]);
    expect(fake.evaluated).toEqual([4]);
    expect(fake.held).toEqual(prompt(7));
  });

  it("erases nothing when the sequence holds exactly the shared tokens", async () => {
    const fake = fakeSequence({ held: prompt(3) });
    await prefillInBatches(fake.base(prompt(5), 3));
    expect(fake.log).toEqual([]);
  });

  it("evaluates every token, the last short batch too, when the request only fills the cache", async () => {
    const fake = fakeSequence();
    await prefillInBatches({ ...fake.base(prompt(10), 0), whole: true });
    expect(fake.log).toEqual(["evaluate 0-4 (mid-prompt: 4 of 10)", "evaluate 4-8 (mid-prompt: 8 of 10)", "evaluate 8-10 (mid-prompt: 10 of 10)"]);
    expect(fake.evaluated).toEqual([4, 4, 2]);
    expect(fake.held).toEqual(prompt(10));
  });

  it("stops between batches once the request is aborted", async () => {
    const fake = fakeSequence();
    const stop = new AbortController();
    await prefillInBatches({ ...fake.base(prompt(20), 0, stop.signal), onEvaluated: () => stop.abort() });
    expect(fake.log).toEqual(["evaluate 0-4 (mid-prompt: 4 of 20)"]);
    const aborted = fakeSequence();
    await prefillInBatches(aborted.base(prompt(20), 0, AbortSignal.abort()));
    expect(aborted.log).toEqual([]);
  });

  it("clears the sequence's mid-prompt record when a batch fails", async () => {
    const fake = fakeSequence({ failAtBatch: 2 });
    await expect(prefillInBatches(fake.base(prompt(20), 0))).rejects.toThrow("decode failed");
    expect(fake.evaluated).toEqual([4]);
    expect(fake.heldAfterBatch.size).toBe(0);
  });

  it("keeps other sequences' mid-prompt records", async () => {
    const fake = fakeSequence();
    const other = {} as LlamaContextSequence;
    fake.heldAfterBatch.set(other, { tokens: prompt(3), length: 2 });
    await prefillInBatches(fake.base(prompt(10), 0));
    expect([...fake.heldAfterBatch.keys()]).toEqual([other]);
  });
});

describe("prefillWithCheckpoints", () => {
  it("batches as prefillInBatches does on a sequence that can trim its state", async () => {
    const fake = fakeSequence();
    await prefillWithCheckpoints({ ...fake.base(prompt(10), 0), boundaries: [3] });
    expect(fake.log).toEqual(["evaluate 0-4 (mid-prompt: 4 of 10)", "evaluate 4-8 (mid-prompt: 8 of 10)"]);
  });

  it("checkpoints each boundary inside the prompt and all but its last token, in order, once each", async () => {
    const fake = fakeSequence({ needsCheckpoints: true });
    await prefillWithCheckpoints({ ...fake.base(prompt(10), 0), boundaries: [5, 0, 10, 12, 2, 5] });
    expect(fake.log).toEqual([
      "evaluate 0-2 (mid-prompt: 2 of 2)",
      "checkpoint at 2",
      "evaluate 2-5 (mid-prompt: 5 of 5)",
      "checkpoint at 5",
      "evaluate 5-9 (mid-prompt: 9 of 9)",
      "checkpoint at 9",
      // The closing call: a no-op for llama.cpp when the checkpoint at 9 exists, needed when it was restored.
      "checkpoint at 9",
    ]);
    expect(fake.evaluated).toEqual([2, 3, 4]);
    expect(fake.held).toEqual(prompt(9));
  });

  it("skips the boundaries the sequence already holds", async () => {
    const fake = fakeSequence({ needsCheckpoints: true, held: prompt(6) });
    await prefillWithCheckpoints({ ...fake.base(prompt(10), 6), boundaries: [3, 6] });
    expect(fake.log).toEqual(["evaluate 6-9 (mid-prompt: 9 of 9)", "checkpoint at 9", "checkpoint at 9"]);
  });

  it("drops what the sequence holds past the prompt's last checkpoint, and checkpoints what it restored", async () => {
    const fake = fakeSequence({ needsCheckpoints: true, held: [...prompt(10), 1 as Token] });
    await prefillWithCheckpoints(fake.base(prompt(10), 9));
    expect(fake.log).toEqual(["erase 9-11", "checkpoint at 9"]);
    expect(fake.held).toEqual(prompt(9));
  });

  it("checkpoints a one-token prompt where it starts, and leaves a sequence holding the whole prompt alone", async () => {
    const one = fakeSequence({ needsCheckpoints: true, held: prompt(2) });
    await prefillWithCheckpoints(one.base(prompt(1), 0));
    expect(one.log).toEqual(["erase 0-2", "checkpoint at 0"]);
    const whole = fakeSequence({ needsCheckpoints: true, held: prompt(10) });
    await prefillWithCheckpoints(whole.base(prompt(10), 10));
    expect(whole.log).toEqual([]);
    const aborted = fakeSequence({ needsCheckpoints: true });
    await prefillWithCheckpoints(aborted.base(prompt(3), 0, AbortSignal.abort()));
    expect(aborted.log).toEqual([]);
  });

  it("evaluates the last token too when the request only fills the cache", async () => {
    const fake = fakeSequence({ needsCheckpoints: true });
    await prefillWithCheckpoints({ ...fake.base(prompt(6), 0), whole: true });
    expect(fake.log).toEqual(["evaluate 0-4 (mid-prompt: 4 of 5)", "evaluate 4-5 (mid-prompt: 5 of 5)", "checkpoint at 5", "checkpoint at 5", "evaluate 5-6 (mid-prompt: 6 of 6)"]);
    expect(fake.held).toEqual(prompt(6));
  });

  it("stops without a checkpoint once the request is aborted mid-prompt", async () => {
    const fake = fakeSequence({ needsCheckpoints: true });
    const stop = new AbortController();
    await prefillWithCheckpoints({ ...fake.base(prompt(10), 0, stop.signal), boundaries: [6], onEvaluated: () => stop.abort() });
    expect(fake.log).toEqual(["evaluate 0-4 (mid-prompt: 4 of 6)"]);
  });
});
