import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EngineOverloadedError, PromptTooLongError } from "../../src/engine/engine-errors.js";
import type { GenerationEvent } from "../../src/engine/generation-event.js";
import type { GenerationRequest, ToolDefinition } from "../../src/engine/generation-request.js";
import { describeBinaries } from "../../src/engine/llama/describe-binaries.js";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import type { LlamaEngineOptions } from "../../src/engine/llama/llama-engine-options.js";
import { LlamaRuntimePool } from "../../src/engine/llama/llama-runtime-pool.js";
import { collectEvents, textRequest } from "../helpers/generation-requests.js";
import { familyReplyModelPath } from "../helpers/family-test-models.js";
import { withEngine } from "../helpers/servers/index.js";
import { useTemporaryFolder } from "../helpers/temporary-folder.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * One generation through the real engine on the tiny model, no HTTP: what `Generation`, `LoadedModel` and
 * `loadModel` decide (usage, stop reasons, sampling settings, the context's room, cache warming, tools, thinking,
 * the sequence a request gets), each pinned down by a request that takes milliseconds. Fast enough to be the set
 * Stryker runs for those files (`npm run test:mutation:engine`).
 */

const contextSize = 256;
const options = (more: Partial<LlamaEngineOptions> = {}): LlamaEngineOptions => ({
  modelPath: "",
  threads: 1,
  gpu: false,
  contextSize,
  seed: 7,
  ...more,
});

const greedy = (text: string, maxTokens: number): GenerationRequest => textRequest(text, maxTokens, 0);
const sampled = (text: string, maxTokens: number, sampling: GenerationRequest["sampling"]): GenerationRequest => ({ ...textRequest(text, maxTokens), sampling });

function textOf(events: readonly GenerationEvent[]): string {
  return events.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
}

function finishOf(events: readonly GenerationEvent[]) {
  const finish = events.at(-1);
  if (finish?.type !== "finish") throw new Error(`the last event is ${finish?.type ?? "missing"}, not finish`);
  return finish;
}

function startOf(events: readonly GenerationEvent[]) {
  const start = events[0];
  if (start?.type !== "start") throw new Error(`the first event is ${start?.type ?? "missing"}, not start`);
  return start;
}

const bash: ToolDefinition = {
  name: "Bash",
  description: "Runs a shell command",
  inputSchema: { type: "object", properties: { command: { type: "string", enum: ["ls", "pwd"] } }, required: ["command"] },
};

describe("a generation on one sequence (ChatML)", () => {
  let engine: LlamaEngine;
  const logged: string[] = [];
  /** How long loading took as this test saw it, which the log's own figure cannot exceed. */
  let loadMs = 0;
  const generate = (request: GenerationRequest, signal = new AbortController().signal) => collectEvents(engine.generate(request, signal));

  beforeAll(async () => {
    const modelPath = await testModelPath("tiny");
    const started = performance.now();
    engine = LlamaEngine.start(options({ modelPath, log: (level, line) => logged.push(`${level}: ${line}`) }));
    await engine.whenSettled();
    loadMs = performance.now() - started;
  });
  afterAll(async () => engine?.dispose());

  it("describes the model from its file and context, and logs what it loaded", async () => {
    const runtime = await new LlamaRuntimePool().acquire(false, undefined);
    const binaries = describeBinaries(runtime.llama);
    await runtime.release();
    const model = engine.modelFor();
    expect(model).toMatchObject({ contextSize, maxInputTokens: contextSize - 2, chatWrapper: "ChatML" });
    expect(model?.id).toMatch(/^tiny-q8_0-seed1-vocab-builtin-g\d+$/);
    expect(model?.displayName).toBe(`${model?.id}.gguf (local)`);
    expect(model?.createdAt).toBeInstanceOf(Date);
    // Read into memory on the CPU, not mapped: llama.cpp repacks the weights, and a mapping would hold them twice.
    expect(readFileSync("/proc/self/maps", "utf8")).not.toContain(`${model?.id}.gguf`);
    const ready = logged.find((line) => line.includes(" ready in ")) ?? "";
    expect(ready.replace(/ready in \d+ ms/, "ready in N ms")).toBe(`info: model ${model?.id} ready in N ms: context 256 × 1 sequence(s), 1 threads, chat format ChatML, llama.cpp ${binaries}`);
    expect(Number(/ready in (\d+) ms/.exec(ready)?.[1])).toBeLessThanOrEqual(Math.ceil(loadMs));
  });

  it("starts with the prompt's usage and ends with one finish that adds the exact output", async () => {
    const request = greedy("Count the ships in the harbour", 8);
    const promptTokens = await engine.countTokens(request);
    const before = engine.stats();
    const events = await generate(request);
    const start = startOf(events);
    expect(start.usage.inputTokens + start.usage.cachedInputTokens).toBe(promptTokens);
    expect(start.usage.inputTokens).toBeGreaterThan(1);
    expect(finishOf(events)).toEqual({ type: "finish", stopReason: "max-tokens", stopSequence: null, usage: { ...start.usage, outputTokens: 8 } });
    expect(events.filter((event) => event.type === "finish")).toHaveLength(1);
    expect(textOf(events).length).toBeGreaterThan(0);
    // Streamed token by token: only a reply under a response schema is held back.
    expect(events.filter((event) => event.type === "text-delta").length).toBeGreaterThan(1);
    const after = engine.stats();
    expect(after.completedGenerations - before.completedGenerations).toBe(1);
    expect(after.abortedGenerations).toBe(before.abortedGenerations);
    expect(after.outputTokens - before.outputTokens).toBe(8);
    expect(after.promptTokensEvaluated - before.promptTokensEvaluated).toBe(start.usage.inputTokens);
    expect(after.promptTokensCached - before.promptTokensCached).toBe(start.usage.cachedInputTokens);
    expect(after).toMatchObject({ sequences: 1, abandonedSequences: 0, queuedRequests: 0, promptTokensPending: 0 });
    // The sequence stays leased while it prepares the conversation's next turn, then is free.
    await vi.waitFor(() => expect(engine.stats().busySequences).toBe(0));
  });

  it("counts only the tokens it kept as output when prompt lookup drafted some", async () => {
    const before = engine.stats();
    const events = await generate(greedy(`Repeat: ${"the ship sails to the harbour and back again ".repeat(8)}`, 64));
    expect(finishOf(events).usage.outputTokens).toBe(64);
    const after = engine.stats();
    const drafted = after.draftTokensAccepted - before.draftTokensAccepted + (after.draftTokensRejected - before.draftTokensRejected);
    expect(drafted).toBeGreaterThan(0);
    expect(after.draftTokensAccepted).toBeGreaterThanOrEqual(0);
    expect(after.draftTokensRejected).toBeGreaterThanOrEqual(0);
    // The same reply without prompt lookup, and no drafts.
    await withEngine(options({ modelPath: await testModelPath("tiny"), promptLookup: false }), async (plain) => {
      const plainEvents = await collectEvents(plain.generate(greedy(`Repeat: ${"the ship sails to the harbour and back again ".repeat(8)}`, 64), new AbortController().signal));
      expect(textOf(plainEvents)).toBe(textOf(events));
      expect(plain.stats()).toMatchObject({ draftTokensAccepted: 0, draftTokensRejected: 0 });
    });
  });

  it("reuses all of a repeated prompt but its last token", async () => {
    const request = greedy("Repeat after me: the tide comes in", 2);
    const promptTokens = await engine.countTokens(request);
    await generate(request);
    const again = startOf(await generate(request));
    expect(again.usage).toEqual({ inputTokens: 1, cachedInputTokens: promptTokens - 1 });
  });

  it("gives a reply the room the context has left, and says the context ended it", async () => {
    const request = greedy("Tell me everything about the sea", 10_000);
    const promptTokens = await engine.countTokens(request);
    const finish = finishOf(await generate(request));
    expect(finish.stopReason).toBe("context-window-exceeded");
    expect(finish.usage.outputTokens).toBe(contextSize - promptTokens - 1);
  });

  it("puts the prompt in the cache without a reply for max_tokens 0", async () => {
    const request = greedy("Warm the cache with this prompt", 0);
    const promptTokens = await engine.countTokens(request);
    const events = await generate(request);
    expect(events.map((event) => event.type)).toEqual(["start", "finish"]);
    expect(finishOf(events)).toMatchObject({ stopReason: "max-tokens", usage: { outputTokens: 0 } });
    // Every prompt token, the last one too: the next request evaluates only that one again.
    expect(engine.sequenceStates()?.[0]?.cachedTokens).toBe(promptTokens);
    expect(startOf(await generate({ ...request, maxTokens: 1 })).usage).toEqual({ inputTokens: 1, cachedInputTokens: promptTokens - 1 });
  });

  it("stops at a stop sequence and names it", async () => {
    const reply = textOf(await generate(greedy("Say something long", 24)));
    const stopSequence = reply.slice(6, 9);
    expect(stopSequence).toHaveLength(3);
    const events = await generate({ ...greedy("Say something long", 24), stopSequences: [stopSequence] });
    expect(finishOf(events)).toMatchObject({ stopReason: "stop-sequence", stopSequence });
    expect(textOf(events)).toBe(reply.slice(0, reply.indexOf(stopSequence)));
  });

  it("samples with the request's seed, else the engine's, and greedily at temperature 0, top-k 1 or a tiny top-p", async () => {
    const prompt = "Pick some words at random";
    const withSeed = async (sampling: GenerationRequest["sampling"]) => textOf(await generate(sampled(prompt, 8, sampling)));
    const seeded = await withSeed({ temperature: 1, seed: 11 });
    expect(await withSeed({ temperature: 1, seed: 11 })).toBe(seeded);
    expect(await withSeed({ temperature: 1, seed: 12 })).not.toBe(seeded);
    // The engine was started with seed 7.
    expect(await withSeed({ temperature: 1 })).toBe(await withSeed({ temperature: 1, seed: 7 }));
    const greedyText = textOf(await generate(greedy(prompt, 8)));
    expect(seeded).not.toBe(greedyText);
    expect(await withSeed({ temperature: 0, seed: 11 })).toBe(greedyText);
    expect(await withSeed({ temperature: 1, topK: 1, seed: 11 })).toBe(greedyText);
    expect(await withSeed({ temperature: 1, topP: 0.000001, seed: 11 })).toBe(greedyText);
  });

  it("ends a reply whose client left, counting it as aborted, and frees the sequence", async () => {
    const client = new AbortController();
    const before = engine.stats();
    const events: GenerationEvent[] = [];
    for await (const event of engine.generate(greedy("Keep talking until I leave", 200), client.signal)) {
      events.push(event);
      if (event.type === "text-delta" && !client.signal.aborted) {
        client.abort();
        // The sequence is marked abandoned at once: a retry may wait for it rather than evaluate its prompt again.
        expect(engine.stats().abandonedSequences).toBe(1);
      }
    }
    const finish = finishOf(events);
    expect(finish.stopReason).toBe("end-turn");
    expect(finish.usage.outputTokens).toBeLessThan(200);
    expect(engine.stats().abortedGenerations - before.abortedGenerations).toBe(1);
    expect(engine.stats().completedGenerations).toBe(before.completedGenerations);
    expect(engine.stats().busySequences).toBe(0);
  });

  it("ends without a reply when the client leaves before its prompt is evaluated", async () => {
    const client = new AbortController();
    const before = engine.stats();
    const generation = engine.generate(greedy("Leave before the prompt", 50), client.signal);
    const start = await generation.next();
    client.abort();
    const rest = await collectEvents({ [Symbol.asyncIterator]: () => generation });
    expect([start.value, ...rest].map((event) => (event as GenerationEvent).type)).toEqual(["start", "finish"]);
    expect(finishOf(rest)).toMatchObject({ stopReason: "end-turn", usage: { outputTokens: 0 } });
    expect(engine.stats().abortedGenerations - before.abortedGenerations).toBe(1);
  });

  it("shows the sequence generating while it generates, then idle with its cache and session", async () => {
    const seen: string[] = [];
    let start: GenerationEvent | undefined;
    for await (const event of engine.generate({ ...greedy("Describe a lighthouse", 6), session: "session-7" }, new AbortController().signal)) {
      start ??= event;
      const activity = engine.sequenceStates()?.[0]?.activity;
      if (event.type === "text-delta" && activity?.state === "generating" && start.type === "start") {
        expect(activity.promptTokens).toBe(start.usage.inputTokens);
        seen.push(`generating ${activity.outputTokens > 0}`);
      }
      if (event.type === "text-delta") expect(engine.stats()).toMatchObject({ busySequences: 1, promptTokensPending: 0, abandonedSequences: 0 });
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(["generating true"]));
    expect(engine.sequenceStates()?.[0]).toMatchObject({ activity: { state: "idle" }, lastSession: "session-7" });
    await generate(greedy("No session this time", 1));
    expect(engine.sequenceStates()?.[0]?.lastSession).toBeNull();
  });

  it("refuses a prompt longer than the context", async () => {
    await expect(generate(greedy("sea ".repeat(400), 4))).rejects.toBeInstanceOf(PromptTooLongError);
  });

  it("takes a prompt of exactly the most tokens a prompt may have, with room for one token, and refuses one more", async () => {
    const maxInputTokens = contextSize - 2;
    let text = "The sea";
    while ((await engine.countTokens(greedy(text, 4))) < maxInputTokens - 8) text += " sea";
    while ((await engine.countTokens(greedy(text, 4))) < maxInputTokens) text += ".";
    expect(await engine.countTokens(greedy(text, 4))).toBe(maxInputTokens);
    const finish = finishOf(await generate(greedy(text, 4)));
    expect(finish).toMatchObject({ stopReason: "context-window-exceeded", usage: { outputTokens: 1 } });
    await expect(generate(greedy(`${text} .`, 4))).rejects.toBeInstanceOf(PromptTooLongError);
  });

  it("prepares the conversation's next turn after a reply, which the next request then reuses up to its new message", async () => {
    const request = greedy("Describe the harbour at night", 6);
    const promptTokens = await engine.countTokens(request);
    const events = await generate(request);
    // The sequence stays leased while it prepares the next turn, then is free.
    await vi.waitFor(() => expect(engine.stats().busySequences).toBe(0));
    const prepared = engine.sequenceStates()?.[0]?.cachedTokens ?? 0;
    // More than the prompt and the reply: the turn's end and the next message's start too.
    expect(prepared).toBeGreaterThan(promptTokens + finishOf(events).usage.outputTokens);
    const next: GenerationRequest = {
      ...request,
      turns: [...request.turns, { role: "assistant", parts: [{ type: "text", text: textOf(events) }] }, { role: "user", parts: [{ type: "text", text: "And at dawn?" }] }],
      maxTokens: 1,
    };
    const start = startOf(await generate(next));
    expect(start.usage).toEqual({ inputTokens: (await engine.countTokens(next)) - prepared, cachedInputTokens: prepared });
  });

  it("writes the reply as JSON of the response schema", async () => {
    const responseSchema = { type: "object", properties: { answer: { type: "string", enum: ["yes", "no"] } }, required: ["answer"] };
    const before = engine.stats();
    const events = await generate({ ...greedy("Answer yes or no", 32), responseSchema });
    expect(["yes", "no"]).toContain((JSON.parse(textOf(events)) as { answer: string }).answer);
    expect(finishOf(events).stopReason).toBe("end-turn");
    // Held back and checked against the schema, then written once, just before the finish.
    expect(events.map((event) => event.type)).toEqual(["start", "text-delta", "finish"]);
    expect(engine.stats().completedGenerations - before.completedGenerations).toBe(1);
    expect(engine.stats().abortedGenerations).toBe(before.abortedGenerations);
  });
});

describe("a prompt longer than a batch", () => {
  let engine: LlamaEngine;
  const logged: string[] = [];

  beforeAll(async () => {
    // A log line per check of the watch (every 2 ms), so the prompt's progress shows in the log too.
    engine = LlamaEngine.start(
      options({ modelPath: await testModelPath("tiny"), contextSize: 2048, progressLogIntervalMs: 0, watchIntervalMs: 2, log: (level, line) => logged.push(`${level}: ${line}`) }),
    );
    await engine.whenSettled();
  });
  afterAll(async () => engine?.dispose());

  it("shows the prompt's progress while a prompt longer than a batch is evaluated", async () => {
    const request = greedy(`Read this first. ${"The harbour master keeps a log of every ship that comes and goes. ".repeat(60)}`, 1);
    const promptTokens = await engine.countTokens(request);
    expect(promptTokens).toBeGreaterThan(1200);
    const seen: { evaluated: number; pending: number; statsPending: number }[] = [];
    const generation = engine.generate(request, new AbortController().signal);
    const start = await generation.next();
    expect(start.value).toMatchObject({ type: "start" });
    const inputTokens = (start.value as { usage: { inputTokens: number } }).usage.inputTokens;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const activity = engine.sequenceStates()?.[0]?.activity;
        if (activity?.state === "prompt") seen.push({ evaluated: activity.evaluatedTokens, pending: activity.promptTokens - activity.evaluatedTokens, statsPending: engine.stats().promptTokensPending });
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    const rest = await collectEvents({ [Symbol.asyncIterator]: () => generation });
    polling = false;
    await poll;
    expect(finishOf(rest).usage.outputTokens).toBe(1);
    const midway = seen.filter((sample) => sample.evaluated > 0 && sample.evaluated < inputTokens);
    expect(midway.length).toBeGreaterThan(0);
    for (const sample of midway) expect(sample.statsPending).toBe(sample.pending);
    expect(engine.stats().promptTokensPending).toBe(0);
    const progress = logged.filter((line) => line.startsWith("info: evaluating the prompt: "));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((line) => /^info: evaluating the prompt: [1-9]\d* of \d+ tokens \(\d+ %\), \d+ tokens\/s$/.test(line))).toBe(true);
  });
});

describe("a forced tool call in a JSON call format (ChatML)", () => {
  let engine: LlamaEngine;
  const generate = (request: GenerationRequest) => collectEvents(engine.generate(request, new AbortController().signal));

  beforeAll(async () => {
    engine = LlamaEngine.start(options({ modelPath: await testModelPath("tiny"), contextSize: 1024 }));
    await engine.whenSettled();
  });
  afterAll(async () => engine?.dispose());

  it("forces a call to a tool, streaming its input, and ends with tool use", async () => {
    const events = await generate({ ...greedy("List the files", 64), tools: [bash], toolChoice: { type: "any", disableParallelToolUse: true } });
    const call = events.find((event) => event.type === "tool-call");
    expect(call).toMatchObject({ type: "tool-call", index: 0, name: "Bash" });
    expect(["ls", "pwd"]).toContain((call as { input: { command: string } }).input.command);
    expect(events.some((event) => event.type === "tool-call-start" && event.name === "Bash")).toBe(true);
    // Streamed as LlamaChat generates it, not written whole at the end.
    expect(events.filter((event) => event.type === "tool-input-delta").length).toBeGreaterThan(1);
    expect(finishOf(events).stopReason).toBe("tool-use");
  });
});

describe("a generation in a format with reasoning and per-argument calls (Qwen 3.5)", () => {
  let engine: LlamaEngine;
  const generate = (request: GenerationRequest) => collectEvents(engine.generate(request, new AbortController().signal));

  beforeAll(async () => {
    engine = LlamaEngine.start(options({ modelPath: await testModelPath("tiny"), chatFormat: "qwen3.5", contextSize: 1024 }));
    await engine.whenSettled();
  });
  afterAll(async () => engine?.dispose());

  it("streams the reasoning as thinking, unless thinking is disabled", async () => {
    const thinking = await generate(greedy("Think first", 12));
    expect(thinking.some((event) => event.type === "thinking-delta" && event.text.length > 0)).toBe(true);
    expect(thinking.filter((event) => "text" in event && event.text === "")).toEqual([]);
    const disabled = await generate({ ...greedy("Think first", 12), thinking: { type: "disabled" } });
    expect(disabled.some((event) => event.type === "thinking-delta")).toBe(false);
    // Disabled is a budget of 0: the format's segment is closed at once, and the reply is the same.
    const noBudget = await generate({ ...greedy("Think first", 12), thinking: { type: "enabled", budgetTokens: 0 } });
    expect(textOf(disabled)).toBe(textOf(noBudget));
    expect(textOf(disabled)).not.toBe(textOf(thinking));
    // No budget unless one is asked for.
    const unbounded = await generate({ ...greedy("Think first", 12), thinking: { type: "enabled", budgetTokens: 1000 } });
    const deltas = (events: readonly GenerationEvent[]) => events.filter((event) => event.type === "thinking-delta" || event.type === "text-delta");
    expect(deltas(unbounded)).toEqual(deltas(thinking));
    const budgeted = await generate({ ...greedy("Think first", 12), thinking: { type: "enabled", budgetTokens: 2 } });
    expect(budgeted.filter((event) => event.type === "thinking-delta").map((event) => (event as { text: string }).text).join("")).not.toBe(
      thinking.filter((event) => event.type === "thinking-delta").map((event) => (event as { text: string }).text).join(""),
    );
  });

  it("generates a forced call one argument at a time", async () => {
    for (const toolChoice of [{ type: "any", disableParallelToolUse: false }, { type: "tool", name: "Bash", disableParallelToolUse: false }] as const) {
      const events = await generate({ ...greedy("List the files", 64), tools: [bash], toolChoice });
      const call = events.find((event) => event.type === "tool-call");
      expect(call).toMatchObject({ type: "tool-call", index: 0, name: "Bash" });
      expect(["ls", "pwd"]).toContain((call as { input: { command: string } }).input.command);
      expect(finishOf(events).stopReason).toBe("tool-use");
      expect(events.filter((event) => event.type === "tool-input-delta").length).toBeGreaterThan(1);
      expect(textOf(events)).toBe("");
    }
  });
});

describe("a model that starts a per-argument call by itself (Qwen 3.5 reply model)", () => {
  let engine: LlamaEngine;
  const generate = (request: GenerationRequest) => collectEvents(engine.generate(request, new AbortController().signal));
  const read: ToolDefinition = {
    name: "Read",
    description: "Reads a file",
    inputSchema: { type: "object", properties: { file_path: { type: "string" } }, required: ["file_path"] },
  };
  const listing = { ...greedy("Read the file", 120), tools: [read] };

  beforeAll(async () => {
    // Reasoning, text, then a call in Qwen's own markup: `<tool_call>` is the tag LlamaChat stops on. Its argument is
    // free text, which a model writes one way only: under LlamaChat's own call grammar (JSON) it would write another.
    const reply = [{ type: "thinking", thinking: "Look." }, { type: "text", text: "Listing now." }, { type: "tool_use", name: "Read", input: { file_path: "notes/a.md" } }];
    engine = LlamaEngine.start(options({ modelPath: await familyReplyModelPath("qwen3.5", reply), contextSize: 2048 }));
    await engine.whenSettled();
  }, 300_000);
  afterAll(async () => engine?.dispose());

  it("stops at the call's tag, drops the whitespace before it, and generates the call one argument at a time", async () => {
    const events = await generate(listing);
    expect(textOf(events)).toBe("Listing now.");
    expect(events.some((event) => event.type === "thinking-delta")).toBe(true);
    expect(events.filter((event) => "text" in event && event.text === "")).toEqual([]);
    expect(events.filter((event) => event.type === "tool-call")).toEqual([{ type: "tool-call", index: 0, name: "Read", input: { file_path: "notes/a.md" } }]);
    expect(finishOf(events)).toMatchObject({ stopReason: "tool-use" });
    // The text is all out before the call starts.
    expect(events.findIndex((event) => event.type === "tool-call-start")).toBeGreaterThan(events.findLastIndex((event) => event.type === "text-delta"));
  });

  it("ends at a client's stop sequence, which is text, not the call's tag", async () => {
    const events = await generate({ ...listing, stopSequences: ["now"] });
    expect(textOf(events)).toBe("Listing ");
    expect(events.some((event) => event.type === "tool-call-start")).toBe(false);
    expect(finishOf(events)).toMatchObject({ stopReason: "stop-sequence", stopSequence: "now" });
  });

  it("writes the markup as text when the request has no tools to call", async () => {
    const events = await generate({ ...listing, tools: [] });
    expect(textOf(events)).toContain("Listing now.");
    expect(textOf(events)).toContain("<tool_call>");
    expect(events.some((event) => event.type === "tool-call-start")).toBe(false);
  });

  it("counts the call's tokens in the output, within max_tokens", async () => {
    const full = await generate(listing);
    const cut = await generate({ ...listing, maxTokens: finishOf(full).usage.outputTokens - 3 });
    expect(finishOf(cut)).toMatchObject({ stopReason: "max-tokens" });
    expect(finishOf(cut).usage.outputTokens).toBe(finishOf(full).usage.outputTokens - 3);
    // Cut before the call: the text so far, and no call.
    const early = await generate({ ...listing, maxTokens: 3 });
    expect(finishOf(early)).toMatchObject({ stopReason: "max-tokens", usage: { outputTokens: 3 } });
    expect(early.some((event) => event.type === "tool-call-start")).toBe(false);
  });
});

describe("the sequence a request gets (two sequences)", () => {
  let engine: LlamaEngine;
  const generate = (request: GenerationRequest, signal = new AbortController().signal) => collectEvents(engine.generate(request, signal));

  beforeAll(async () => {
    engine = LlamaEngine.start(options({ modelPath: await testModelPath("tiny"), parallel: 2, contextSize: 512 }));
    await engine.whenSettled();
  });
  afterAll(async () => engine?.dispose());

  it("keeps a long conversation's prefix from a short unrelated request, and gives the conversation its sequence back", async () => {
    const long = "The harbour master keeps a log of every ship. ".repeat(12);
    const idle = () => vi.waitFor(() => expect(engine.stats().busySequences).toBe(0));
    await generate({ ...greedy(long, 2), session: "conversation" });
    await idle();
    // Both sequences are free: the short request takes the empty one, by score, not the first.
    await generate({ ...greedy("Hi", 2), session: "background" });
    await idle();
    const states = engine.sequenceStates() ?? [];
    expect(states.map((state) => state.lastSession).sort()).toEqual(["background", "conversation"]);
    const next = startOf(await generate({ ...greedy(`${long} And then?`, 2), session: "conversation" }));
    expect(next.usage.cachedInputTokens).toBeGreaterThan(100);
    expect(engine.sequenceStates()?.find((state) => state.lastSession === "conversation")?.cachedTokens).toBeGreaterThan(100);
  });

  it("serves two requests at once, one per sequence, and drafts nothing with two sequences", async () => {
    // Replies that prompt lookup drafts for on one sequence (see "counts only the tokens it kept").
    const repeat = (text: string) => greedy(`Repeat: ${text.repeat(8)}`, 32);
    const [first, second] = await Promise.all([generate(repeat("the ship sails to the harbour and back again ")), generate(repeat("a gull circles the mast and lands "))]);
    expect(finishOf(first ?? []).usage.outputTokens).toBe(32);
    expect(finishOf(second ?? []).usage.outputTokens).toBe(32);
    expect(engine.stats()).toMatchObject({ sequences: 2, abandonedSequences: 0, draftTokensAccepted: 0, draftTokensRejected: 0 });
    await vi.waitFor(() => expect(engine.stats().busySequences).toBe(0));
  });
});

describe("a model file mapped on request", () => {
  it("maps the file when asked to, instead of reading it", async () => {
    const modelPath = await testModelPath("tiny");
    await withEngine(options({ modelPath, useMmap: true }), async () => {
      expect(readFileSync("/proc/self/maps", "utf8")).toContain(modelPath);
    });
  });
});

describe("a hybrid model (Qwen 3.5's layers), whose state cannot be trimmed", () => {
  let engine: LlamaEngine;
  let folder: string;
  const tools: ToolDefinition[] = [bash];
  const system = `You help with files. ${"Answer briefly and use the tools when asked. ".repeat(6)}`;
  const ask = (text: string, maxTokens = 2): GenerationRequest => ({ ...greedy(text, maxTokens), system, tools });
  const generate = (request: GenerationRequest, on = engine) => collectEvents(on.generate(request, new AbortController().signal));
  const idle = () => vi.waitFor(() => expect(engine.stats().busySequences).toBe(0));
  const hybridOptions = async (more: Partial<LlamaEngineOptions> = {}) =>
    options({
      modelPath: await testModelPath("tiny-hybrid"),
      contextSize: 1024,
      ...more,
    });

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-hybrid-cache-"));
    // No prompt cache: what is reused here comes from the checkpoints in memory.
    engine = LlamaEngine.start(await hybridOptions());
    await engine.whenSettled();
  });
  afterAll(async () => {
    await engine?.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it("reuses the tools and system prompt of a new conversation, from the checkpoint at their end", async () => {
    await generate(ask("A first conversation"));
    await idle();
    const request = ask("Something else entirely");
    const promptTokens = await engine.countTokens(request);
    const other = startOf(await generate(request));
    expect(other.usage.cachedInputTokens).toBeGreaterThan(400);
    expect(other.usage.cachedInputTokens).toBeLessThan(promptTokens - 3);
  });

  it("reuses all but the last token of a repeated prompt, from the checkpoint taken there", async () => {
    const request = ask("List the files in this folder");
    const promptTokens = await engine.countTokens(request);
    await generate(request);
    await idle();
    expect(startOf(await generate(request)).usage).toEqual({ inputTokens: 1, cachedInputTokens: promptTokens - 1 });
  });

  it("saves a state a restarted engine continues: all of the prompt but its last token", async () => {
    const request = ask("Read the notes from the last session", 1);
    const promptTokens = await engine.countTokens(request);
    for (const expectedCached of [0, promptTokens - 1]) {
      await withEngine(await hybridOptions({ promptCache: { folder, minTokens: 64 } }), async (withCache) => {
        expect(startOf(await generate(request, withCache)).usage.cachedInputTokens).toBe(expectedCached);
      });
    }
  });
});

describe("an engine's life", () => {
  const folder = useTemporaryFolder("pensieve-model-name-");

  it("gives its runtime back when disposed", async () => {
    const runtimePool = new LlamaRuntimePool();
    const other = await runtimePool.acquire(false, undefined);
    await withEngine(options({ modelPath: await testModelPath("tiny"), runtimePool }), async (engine) => {
      expect(finishOf(await collectEvents(engine.generate(greedy("Hello", 1), new AbortController().signal))).usage.outputTokens).toBe(1);
    });
    // The runtime's last user is now the other lease: giving it back disposes the runtime.
    await other.release();
    expect(other.llama.disposed).toBe(true);
  });

  it("names the model after its file, without the extension only", async () => {
    const modelPath = path.join(folder.path, "Harbour.GGUF.v2.GGUF");
    await symlink(await testModelPath("tiny"), modelPath);
    await withEngine(options({ modelPath }), async (engine) => {
      expect(engine.modelFor()).toMatchObject({ id: "harbour.gguf.v2", displayName: "Harbour.GGUF.v2.GGUF (local)" });
    });
  });

  it("refuses a request when as many as the queue holds are already waiting", async () => {
    await withEngine(options({ modelPath: await testModelPath("tiny"), maxQueue: 1 }), async (engine) => {
      const client = new AbortController();
      const running = engine.generate(greedy("Talk for a while", 200), client.signal);
      await running.next();
      const waiting = collectEvents(engine.generate(greedy("Wait", 1), new AbortController().signal));
      await vi.waitFor(() => expect(engine.stats().queuedRequests).toBe(1));
      await expect(collectEvents(engine.generate(greedy("No room", 1), new AbortController().signal))).rejects.toBeInstanceOf(EngineOverloadedError);
      client.abort();
      await collectEvents({ [Symbol.asyncIterator]: () => running });
      expect(finishOf(await waiting).usage.outputTokens).toBe(1);
    });
  });
});

describe("a file that is not a model", () => {
  it("fails to load with the reason, and gives its runtime back", async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-not-a-model-"));
    try {
      const file = path.join(folder, "broken.gguf");
      await writeFile(file, "GGUF but not really");
      await withEngine(options({ modelPath: file }), async (_engine, status) => {
        expect(status.state).toBe("failed");
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("ending generations early", () => {
  it("ends a running reply cleanly when a shutdown's grace period is over", async () => {
    const engine = LlamaEngine.start(options({ modelPath: await testModelPath("tiny") }));
    try {
      await engine.whenSettled();
      const events: GenerationEvent[] = [];
      let drained: Promise<void> | undefined;
      let queued: Promise<unknown> | undefined;
      for await (const event of engine.generate(greedy("Talk until the server stops", 200), new AbortController().signal)) {
        events.push(event);
        if (event.type === "text-delta" && queued === undefined) {
          queued = collectEvents(engine.generate(greedy("Wait for the sequence", 4), new AbortController().signal)).then(
            () => "served",
            (error: unknown) => error,
          );
          // Waiting for the one sequence, then refused by the drain (529: retry elsewhere or later).
          await vi.waitFor(() => expect(engine.stats().queuedRequests).toBe(1));
          drained = engine.drain(0);
        }
      }
      await drained;
      expect(await queued).toBeInstanceOf(EngineOverloadedError);
      const finish = finishOf(events);
      expect(finish.stopReason).toBe("max-tokens");
      expect(finish.usage.outputTokens).toBeLessThan(200);
      expect(engine.stats().completedGenerations).toBe(1);
    } finally {
      await engine.dispose();
    }
  });

  it("ends a reply at the generation time limit", async () => {
    await withEngine(options({ modelPath: await testModelPath("tiny"), maxGenerationMs: 1 }), async (engine) => {
      const finish = finishOf(await collectEvents(engine.generate(greedy("Talk for a long time", 200), new AbortController().signal)));
      expect(finish.stopReason).toBe("max-tokens");
      expect(finish.usage.outputTokens).toBeLessThan(200);
    });
  });
});

describe("prompt states on disk", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-engine-cache-"));
  });
  afterAll(async () => rm(folder, { recursive: true, force: true }));

  const stateFiles = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const entry of await readdir(folder, { recursive: true })) if (entry.endsWith(".state")) found.push(path.join(folder, entry));
    return found;
  };
  const longPrompt = greedy(`Remember this. ${"The harbour master keeps a log of every ship. ".repeat(10)}`, 1);

  async function withCacheEngine<T>(promptCache: LlamaEngineOptions["promptCache"], use: (engine: LlamaEngine, logged: string[]) => Promise<T>): Promise<T> {
    const logged: string[] = [];
    const log = (level: string, line: string) => void logged.push(`${level}: ${line}`);
    return withEngine(options({ modelPath: await testModelPath("tiny"), contextSize: 512, ...(promptCache !== undefined ? { promptCache } : {}), log }), (engine) => use(engine, logged));
  }

  it("saves a long prompt's state, and a fresh engine restores it instead of evaluating the prompt", async () => {
    const promptTokens = await withCacheEngine({ folder, minTokens: 64 }, async (engine) => {
      const cold = startOf(await collectEvents(engine.generate(longPrompt, new AbortController().signal)));
      expect(cold.usage.cachedInputTokens).toBe(0);
      expect(engine.memoryUse()).toMatchObject({ promptCacheDiskBytes: expect.any(Number), promptCacheLimitBytes: 4 * 1024 ** 3 });
      return cold.usage.inputTokens;
    });
    expect(await stateFiles()).toHaveLength(1);
    await withCacheEngine({ folder, minTokens: 64 }, async (engine, logged) => {
      const warm = startOf(await collectEvents(engine.generate(longPrompt, new AbortController().signal)));
      expect(warm.usage).toEqual({ inputTokens: 1, cachedInputTokens: promptTokens - 1 });
      await collectEvents(engine.generate(longPrompt, new AbortController().signal));
      // Once: the second time the sequence holds the prompt already.
      const restored = logged.filter((line) => /^info: restored \d+ prompt tokens from disk in \d+ ms$/.test(line));
      expect(restored).toHaveLength(1);
      expect(Number(/in (\d+) ms/.exec(restored[0] ?? "")?.[1])).toBeLessThan(60_000);
    });
    await withEngine(options({ modelPath: await testModelPath("tiny"), contextSize: 512, promptCache: { folder, minTokens: 64 } }), async (quiet) => {
      expect(startOf(await collectEvents(quiet.generate(longPrompt, new AbortController().signal))).usage.cachedInputTokens).toBe(promptTokens - 1);
    });
  });

  it("saves no prompt shorter than the cache's minimum (1024 tokens unless set)", async () => {
    const before = await stateFiles();
    await withCacheEngine({ folder }, async (engine) => {
      await collectEvents(engine.generate(greedy(`Another prompt. ${"Ships come and go. ".repeat(20)}`, 1), new AbortController().signal));
    });
    expect(await stateFiles()).toEqual(before);
  });

  it("answers all the same when the prompt state cannot be saved, and says so", async () => {
    const unwritable = path.join(folder, "unwritable");
    // With a log to say it to, and without one.
    for (const log of [true, false]) {
      const logged: string[] = [];
      const more = log ? { log: (level: string, line: string) => void logged.push(`${level}: ${line}`) } : {};
      await withEngine(options({ modelPath: await testModelPath("tiny"), contextSize: 512, promptCache: { folder: unwritable, minTokens: 64 }, ...more }), async (engine) => {
        // The cache folder becomes a file: writing a state into it fails.
        await rm(unwritable, { recursive: true, force: true });
        await writeFile(unwritable, "");
        const events = await collectEvents(engine.generate(longPrompt, new AbortController().signal));
        expect(finishOf(events).usage.outputTokens).toBe(1);
      });
      await rm(unwritable, { force: true });
      expect(logged.filter((line) => line.startsWith("warn: could not save the prompt state: "))).toHaveLength(log ? 1 : 0);
    }
  });

  it("evaluates the prompt after all when a saved state cannot be read back, and says so", async () => {
    for (const file of await stateFiles()) await writeFile(file, "not a state");
    await withCacheEngine({ folder, minTokens: 64 }, async (engine, logged) => {
      const events = await collectEvents(engine.generate(longPrompt, new AbortController().signal));
      expect(startOf(events).usage.cachedInputTokens).toBe(0);
      expect(finishOf(events).usage.outputTokens).toBe(1);
      expect(logged.some((line) => line.startsWith("warn: could not restore a saved prompt state: "))).toBe(true);
    });
  });
});
