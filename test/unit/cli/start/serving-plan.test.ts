import { describe, expect, it } from "vitest";
import { planServing } from "../../../../src/cli/commands/start/serving-plan.js";
import type { UpstreamPoolConfig } from "../../../../src/cli/upstream-pool-config.js";

const endpoint = (url: string) => ({ url, dialect: "vllm" as const, maxConcurrent: 8 });
const pool = (settings: Partial<UpstreamPoolConfig>): UpstreamPoolConfig => ({ aliases: [], endpoints: [endpoint("http://gpu-0:8000")], affinity: "hash", ...settings });

describe("planServing", () => {
  it("serves a local model alone, with its aliases", () => {
    const local = [{ pattern: "claude-*haiku*", model: "/models/small.gguf" }];
    const plan = planServing("/models/big.gguf", local, []);
    expect(plan).toEqual({ defaultModel: "/models/big.gguf", aliases: local, pools: new Map() });
  });

  it("routes a pool's model name and aliases to its key, after the local aliases, keeping the local model the default", () => {
    const coder = pool({ model: "qwen3-coder", aliases: ["claude-*opus*"] });
    const plan = planServing("/models/big.gguf", [{ pattern: "claude-*haiku*", model: "/models/small.gguf" }], [coder]);
    expect(plan.defaultModel).toBe("/models/big.gguf");
    expect(plan.aliases).toEqual([
      { pattern: "claude-*haiku*", model: "/models/small.gguf" },
      { pattern: "qwen3-coder", model: "upstream:qwen3-coder" },
      { pattern: "claude-*opus*", model: "upstream:qwen3-coder" },
    ]);
    expect([...plan.pools]).toEqual([["upstream:qwen3-coder", coder]]);
  });

  it("makes the first pool the default when there is no local model", () => {
    const plan = planServing(null, [], [pool({ model: "a" }), pool({ model: "b" })]);
    expect(plan.defaultModel).toBe("upstream:a");
    expect([...plan.pools.keys()]).toEqual(["upstream:a", "upstream:b"]);
  });

  it("keys an --upstream pool, which names no model, by its first endpoint, and routes no name to it", () => {
    const plan = planServing(null, [], [pool({ endpoints: [endpoint("http://gpu-1:8000"), endpoint("http://gpu-2:8000")] })]);
    expect(plan.defaultModel).toBe("upstream:http://gpu-1:8000");
    expect(plan.aliases).toEqual([]);
  });

  it("falls back to the pool's position for a key when it has neither a model nor endpoints", () => {
    expect(planServing(null, [], [pool({ endpoints: [] })]).defaultModel).toBe("upstream:0");
  });

  it("gives two pools of the same model keys of their own", () => {
    const plan = planServing(null, [], [pool({ model: "m" }), pool({ model: "m", aliases: ["claude-*"] })]);
    expect([...plan.pools.keys()]).toEqual(["upstream:m", "upstream:m#1"]);
    expect(plan.aliases).toEqual([
      { pattern: "m", model: "upstream:m" },
      { pattern: "m", model: "upstream:m#1" },
      { pattern: "claude-*", model: "upstream:m#1" },
    ]);
  });

  it("refuses to plan nothing", () => {
    expect(() => planServing(null, [], [])).toThrow("planServing: nothing to serve");
  });
});
