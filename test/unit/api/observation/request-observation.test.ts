import { describe, expect, it } from "vitest";
import { RequestObservation, type RequestObservationOptions } from "../../../../src/api/observation/request-observation.js";
import type { GenerationEvent } from "../../../../src/engine/generation-event.js";

const start: GenerationEvent = { type: "start", usage: { inputTokens: 5, cachedInputTokens: 0 } };
const text = (value: string): GenerationEvent => ({ type: "text-delta", text: value });
const finish: GenerationEvent = {
  type: "finish",
  stopReason: "max-tokens",
  stopSequence: null,
  usage: { inputTokens: 5, cachedInputTokens: 2, outputTokens: 7 },
};

/** An observation on a clock the test moves by hand, starting at 1000 ms, with the first tokens it reported. */
function observed(options: Omit<RequestObservationOptions, "now" | "onFirstToken"> = {}) {
  let nowMs = 1_000;
  const reported: number[] = [];
  const observation = new RequestObservation({ ...options, now: () => nowMs, onFirstToken: (milliseconds) => reported.push(milliseconds) });
  return {
    observation,
    reported,
    advance: (milliseconds: number) => {
      nowMs += milliseconds;
    },
  };
}

describe("RequestObservation", () => {
  it("times the first token from the request's arrival, queueing and prefill included, once", () => {
    const { observation, reported, advance } = observed();
    advance(400); // queueing and prefill
    observation.observe(start);
    advance(350);
    expect(observation.firstTokenMs).toBeNull();
    observation.observe(text("Hi"));
    advance(100);
    observation.observe(text(" there"));
    expect(observation.firstTokenMs).toBe(750);
    expect(reported).toEqual([750]);
  });

  it("counts a thinking delta or a tool call as the first token too", () => {
    const thinking = observed();
    thinking.advance(200);
    thinking.observation.observe({ type: "thinking-delta", text: "hmm" });
    const tool = observed();
    tool.advance(300);
    tool.observation.observe({ type: "tool-call", index: 0, name: "f", input: {} });
    expect([thinking.observation.firstTokenMs, tool.observation.firstTokenMs]).toEqual([200, 300]);
    expect([...thinking.reported, ...tool.reported]).toEqual([200, 300]);
  });

  it("counts the start of a tool call, as its name is generated, as the first token, not its completion", () => {
    const { observation, reported, advance } = observed();
    observation.observe(start);
    advance(120);
    observation.observe({ type: "tool-call-start", index: 0, name: "Write" });
    advance(900);
    observation.observe({ type: "tool-input-delta", index: 0, text: "{}" });
    observation.observe({ type: "tool-call", index: 0, name: "Write", input: {} });
    expect(observation.firstTokenMs).toBe(120);
    expect(reported).toEqual([120]);
    const delta = observed();
    delta.advance(80);
    delta.observation.observe({ type: "tool-input-delta", index: 0, text: "{" });
    expect(delta.observation.firstTokenMs).toBe(80);
  });

  it("has no first token, and reports none, for a generation that produced no token", () => {
    const { observation, reported, advance } = observed();
    observation.observe(start);
    advance(50);
    observation.observe({ ...finish, usage: { ...finish.usage, outputTokens: 0 } });
    expect(observation.firstTokenMs).toBeNull();
    expect(reported).toEqual([]);
    expect(observation.usage?.outputTokens).toBe(0);
  });

  it("keeps the finished generation's token counts and stop reason", () => {
    const { observation } = observed();
    expect([observation.usage, observation.stopReason]).toEqual([null, null]);
    observation.observe(start);
    observation.observe(text("Hi"));
    observation.observe(finish);
    expect(observation.usage).toEqual({ inputTokens: 5, cachedInputTokens: 2, outputTokens: 7 });
    expect(observation.stopReason).toBe("max-tokens");
  });

  it("runs its duration until it ends, and keeps the first end", () => {
    const { observation, advance } = observed();
    advance(30);
    expect(observation.durationMs).toBe(30);
    advance(20);
    observation.end();
    advance(500);
    observation.end();
    expect(observation.durationMs).toBe(50);
  });

  it("keeps the reply, tool calls as JSON, only when asked to and only once a generation ran", () => {
    const kept = observed({ keepReply: true });
    expect(kept.observation.reply).toBeNull();
    kept.observation.observe(start);
    expect(kept.observation.reply).toBe("");
    kept.observation.observe({ type: "thinking-delta", text: "Let me see. " });
    kept.observation.observe(text("Reading it."));
    kept.observation.observe({ type: "tool-call", index: 0, name: "read", input: { path: "a.txt" } });
    expect(kept.observation.reply).toBe('Let me see. Reading it.{"tool_use":"read","input":{"path":"a.txt"}}');

    const notKept = observed();
    notKept.observation.observe(start);
    notKept.observation.observe(text("secret"));
    expect(notKept.observation.reply).toBeNull();
  });

  it("is not abandoned unless ended as abandoned, and reports whether an end was the first", () => {
    const completed = observed().observation;
    expect(completed.abandoned).toBe(false);
    expect(completed.end()).toBe(true);
    expect(completed.abandoned).toBe(false);
    const left = observed().observation;
    expect(left.end(true)).toBe(true);
    expect(left.end(false)).toBe(false);
    expect(left.abandoned).toBe(true);
  });

  it("names the upstream from the start event only, and tells it with the first token", () => {
    const reported: [number, string | null][] = [];
    let nowMs = 0;
    const observation = new RequestObservation({ now: () => nowMs, onFirstToken: (milliseconds, upstream) => reported.push([milliseconds, upstream]) });
    expect(observation.upstream).toBeNull();
    observation.observe({ ...start, upstream: "http://10.0.0.7:8000" });
    nowMs = 40;
    observation.observe(text("Hi"));
    expect(observation.upstream).toBe("http://10.0.0.7:8000");
    expect(reported).toEqual([[40, "http://10.0.0.7:8000"]]);
    const local = observed().observation;
    local.observe(start);
    expect(local.upstream).toBeNull();
  });

  it("needs no first-token listener", () => {
    const observation = new RequestObservation({ now: () => 7 });
    observation.observe(start);
    observation.observe(text("Hi"));
    expect(observation.firstTokenMs).toBe(0);
  });

  it("has no counts or stop reason before the finish event", () => {
    const { observation } = observed();
    observation.observe(start); // which has prompt counts, but is not the finish
    expect(observation.usage).toBeNull();
    expect(observation.stopReason).toBeNull();
    observation.observe(text("Hi"));
    expect(observation.usage).toBeNull();
  });

  it("keeps a tool call once, as the finished call, not also its streamed pieces", () => {
    const { observation } = observed({ keepReply: true });
    observation.observe(start);
    observation.observe({ type: "tool-call-start", index: 0, name: "read" });
    observation.observe({ type: "tool-input-delta", index: 0, text: '{"path":' });
    observation.observe({ type: "tool-input-delta", index: 0, text: '"a.txt"}' });
    observation.observe({ type: "tool-call", index: 0, name: "read", input: { path: "a.txt" } });
    expect(observation.reply).toBe('{"tool_use":"read","input":{"path":"a.txt"}}');
  });
});
