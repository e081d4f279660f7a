import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PromptRequest } from "../../../../src/engine/generation-request.js";
import { probeEndpoint } from "../../../../src/engine/upstream/probe-endpoint.js";
import { UpstreamEndpoint } from "../../../../src/engine/upstream/upstream-endpoint.js";
import { UpstreamEngine } from "../../../../src/engine/upstream/upstream-engine.js";
import type { UpstreamDialect } from "../../../../src/engine/upstream/upstream-options.js";
import { countUpstreamTokens } from "../../../../src/engine/upstream/upstream-token-count.js";
import { FakeOpenAiServer } from "../../../helpers/fake-openai-server.js";

let fake: FakeOpenAiServer;
/** A loopback address nothing listens on (fetch refuses well-known ports such as 9 before connecting). */
let nowhere: string;
beforeAll(async () => {
  fake = await FakeOpenAiServer.start("solo", "served-model");
  const closed = await FakeOpenAiServer.start("closed");
  nowhere = closed.url;
  await closed.close();
});
afterAll(() => fake.close());

const endpoint = (dialect: UpstreamDialect, url = fake.url, clock = { now: 0 }): UpstreamEndpoint =>
  new UpstreamEndpoint({ url: `${url}/v1/`, dialect, maxConcurrent: 2 }, 3, () => clock.now);

const prompt: PromptRequest = {
  system: "",
  turns: [{ role: "user", parts: [{ type: "text", text: "count these words please" }] }],
  tools: [],
  toolChoice: { type: "auto", disableParallelToolUse: false },
  thinking: { type: "default" },
};

describe("UpstreamEndpoint's circuit breaker", () => {
  it("opens after three failures in a row (at once when unreachable), backs off, and closes when a probe finds it ready", () => {
    const clock = { now: 0 };
    const target = endpoint("vllm", fake.url, clock);
    expect(target.url).toBe(fake.url);
    target.probed(true);
    target.failed(false);
    target.failed(false);
    expect(target.up).toBe(true);
    target.failed(false);
    expect(target.up).toBe(false);
    expect(target.probeDue).toBe(false);
    clock.now = 1_000;
    expect(target.probeDue).toBe(true);
    target.probed(false);
    expect(target.up).toBe(false);
    clock.now = 2_000;
    expect(target.probeDue).toBe(false);
    clock.now = 5_000;
    target.probed(true);
    expect(target.up).toBe(true);
    // Half-open: one more failure reopens it.
    target.failed(false);
    expect(target.up).toBe(false);
    clock.now = 100_000;
    target.probed(true);
    target.succeeded();
    target.failed(true);
    expect(target.up).toBe(false);
  });

  it("leaves a ready endpoint only after two failed probes in a row, or one that found nothing listening", () => {
    const target = endpoint("vllm");
    target.probed(true);
    target.probed(false);
    expect(target.up).toBe(true);
    target.probed(false);
    expect(target.up).toBe(false);
    target.probed(true);
    target.probed(false, true);
    expect(target.up).toBe(false);
  });
});

describe("probeEndpoint", () => {
  it("is ready when /health answers and /v1/models lists the model, noting the context size", async () => {
    const target = endpoint("vllm");
    expect(await probeEndpoint(target, "served-model", fetch)).toEqual({ ready: true, models: ["served-model"], problem: null });
    expect(target.contextSize).toBe(4096);
    expect(await probeEndpoint(target, "other-model", fetch)).toMatchObject({ ready: false, problem: "other-model is not listed in /v1/models" });
    fake.healthy = false;
    expect(await probeEndpoint(target, "served-model", fetch)).toMatchObject({ ready: false, problem: "/health answered 503" });
    // Ollama and OpenAI have no /health: their model list decides.
    expect(await probeEndpoint(endpoint("ollama"), undefined, fetch)).toMatchObject({ ready: true });
    fake.healthy = true;
    expect(await probeEndpoint(endpoint("vllm", nowhere), undefined, fetch)).toMatchObject({ ready: false, unreachable: true, problem: "ECONNREFUSED" });
  });
});

describe("countUpstreamTokens", () => {
  it("tokenizes on llama-server (after /apply-template), vLLM and SGLang, and estimates elsewhere", async () => {
    const exact = { tokens: expect.any(Number), exact: true };
    expect(await countUpstreamTokens(endpoint("llama-server"), "m", prompt, fetch)).toEqual(exact);
    expect(await countUpstreamTokens(endpoint("sglang"), "m", prompt, fetch)).toEqual(exact);
    expect(await countUpstreamTokens(endpoint("ollama"), "m", prompt, fetch)).toMatchObject({ exact: false });
    expect(await countUpstreamTokens(null, "m", prompt, fetch)).toMatchObject({ exact: false });
    expect(await countUpstreamTokens(endpoint("vllm", nowhere), "m", prompt, fetch)).toMatchObject({ exact: false });
    const applyTemplate = fake.requests.filter((request) => request.path === "/apply-template").at(-1);
    expect(applyTemplate?.body["messages"]).toEqual([{ role: "user", content: "count these words please" }]);
  });
});

describe("UpstreamEngine", () => {
  it("forwards the routing key to a router in the headers it reads, and drains", async () => {
    const engine = UpstreamEngine.start({ affinity: "forward", endpoints: [{ url: fake.url, dialect: "sglang", maxConcurrent: 1 }], probeIntervalMs: 60_000 });
    try {
      expect((await engine.whenSettled()).state).toBe("ready");
      const events = [];
      for await (const event of engine.generate({ ...prompt, session: "abc", maxTokens: 8, sampling: {}, stopSequences: [] }, new AbortController().signal)) events.push(event.type);
      expect(events).toEqual(["start", "text-delta", "text-delta", "finish"]);
      const headers = fake.completions.at(-1)?.headers;
      expect(headers).toMatchObject({ "x-session-id": "session:abc", "x-smg-routing-key": "session:abc", "x-user-id": "session:abc" });
      await engine.drain(1_000);
      await expect(async () => {
        for await (const _ of engine.generate({ ...prompt, maxTokens: 8, sampling: {}, stopSequences: [] }, new AbortController().signal)) break;
      }).rejects.toThrow(/shutting down/);
    } finally {
      await engine.dispose();
    }
  });

  it("says why when no endpoint answers", async () => {
    const engine = UpstreamEngine.start({ affinity: "hash", endpoints: [{ url: nowhere, dialect: "vllm", maxConcurrent: 1 }], probeIntervalMs: 60_000 });
    try {
      expect(await engine.whenSettled()).toMatchObject({ state: "failed", reason: expect.stringContaining("ECONNREFUSED") });
      await expect(engine.countTokens(prompt)).rejects.toThrow(/still being probed|no upstream/);
    } finally {
      await engine.dispose();
    }
  });
});
