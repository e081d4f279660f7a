import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { planNextTurn, type NextTurnRenderings } from "../../../src/engine/llama/plan-next-turn.js";

const tokens = (...values: number[]) => values as Token[];
const range = (from: number, to: number) => tokens(...Array.from({ length: to - from }, (_, index) => from + index));

// A prompt of 20 tokens, a reply of 3, then the turn's end and the two answers.
const prompt = range(0, 20);
const next = (answer: number) => tokens(...prompt, 100, 101, 102, 7, 8, answer);
const plan = (more: Partial<NextTurnRenderings> = {}) =>
  planNextTurn({ promptTokens: prompt, withAnswers: [next(1), next(2)], kept: () => 20, maxInputTokens: 100, ...more });

describe("planNextTurn", () => {
  it("evaluates what both answers' next turns share, past what the sequence keeps of it", () => {
    const asked: (readonly Token[])[] = [];
    expect(plan({ kept: (shared) => (asked.push(shared), 21) })).toEqual({ tokens: next(1).slice(0, 25), kept: 21 });
    expect(asked).toEqual([next(1).slice(0, 25)]);
  });

  it("has nothing to do when the sequence keeps all of it", () => {
    expect(plan({ kept: () => 25 })).toBeNull();
    expect(plan({ kept: () => 24 })).toEqual({ tokens: next(1).slice(0, 25), kept: 24 });
  });

  it("prepares a next turn of up to the most tokens a prompt may have, and none longer", () => {
    expect(plan({ maxInputTokens: 25 })).toEqual({ tokens: next(1).slice(0, 25), kept: 20 });
    expect(plan({ maxInputTokens: 24 })).toBeNull();
  });

  it("prepares only a next turn that renders the prompt the same, but for up to 16 tokens at its end", () => {
    const differingFrom = (index: number) => (answer: number) => tokens(...prompt.slice(0, index), 90, ...prompt.slice(index + 1), 100, 7, answer);
    const at4 = differingFrom(4);
    expect(plan({ withAnswers: [at4(1), at4(2)] })).toEqual({ tokens: at4(1).slice(0, 22), kept: 20 });
    const at3 = differingFrom(3);
    expect(plan({ withAnswers: [at3(1), at3(2)] })).toBeNull();
  });
});
