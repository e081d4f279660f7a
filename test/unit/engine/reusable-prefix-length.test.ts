import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { reusablePrefixLength } from "../../../src/engine/llama/reusable-prefix-length.js";

/** A sequence holding `held` tokens, with checkpoints (last positions) when it cannot trim its state. */
function sequence(held: number[], checkpoints: number[] | null): LlamaContextSequence {
  return {
    nextTokenIndex: held.length,
    compareContextTokens: (tokens: Token[]) => {
      let index = 0;
      while (index < held.length && index < tokens.length && held[index] === tokens[index]) index++;
      return { firstDifferentIndex: index };
    },
    getRestoreToPrefixIndexEvaluationSize: (tokenIndex: number) => {
      if (checkpoints === null) return 0;
      const before = checkpoints.filter((position) => position <= tokenIndex);
      return before.length === 0 ? tokenIndex : tokenIndex - Math.max(...before);
    },
  } as unknown as LlamaContextSequence;
}

const tokens = (...values: number[]) => values as Token[];

describe("reusablePrefixLength", () => {
  it("keeps the whole shared prefix of a KV cache that can be cut anywhere", () => {
    expect(reusablePrefixLength(sequence([1, 2, 3, 4, 5], null), tokens(1, 2, 3, 9))).toBe(3);
  });

  it("keeps everything when the prompt continues all the sequence holds, checkpoints or not", () => {
    expect(reusablePrefixLength(sequence([1, 2, 3], []), tokens(1, 2, 3, 4))).toBe(3);
  });

  it("stops at `limit`: the last prompt token is evaluated again", () => {
    expect(reusablePrefixLength(sequence([1, 2, 3], null), tokens(1, 2, 3), 2)).toBe(2);
  });

  it("keeps only up to the last checkpoint before the cut when the state cannot be trimmed", () => {
    // Shared: 4 tokens (indexes 0-3); checkpoints after index 1 and index 5: only the first is at or before 3.
    expect(reusablePrefixLength(sequence([1, 2, 3, 4, 5, 6, 7], [1, 5]), tokens(1, 2, 3, 4, 9))).toBe(2);
  });

  it("keeps nothing without a checkpoint before the cut: node-llama-cpp starts over", () => {
    expect(reusablePrefixLength(sequence([1, 2, 3, 4, 5], []), tokens(1, 2, 3, 9))).toBe(0);
  });

  it("keeps the cut itself when a checkpoint is right there", () => {
    expect(reusablePrefixLength(sequence([1, 2, 3, 4, 5], [2]), tokens(1, 2, 3, 9))).toBe(3);
  });
});
