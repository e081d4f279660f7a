import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeRunEnvironment } from "../helpers/claude-run-environment.js";
import { startLlamaServerReplicas, replicaModel, type LlamaServerReplica } from "../helpers/llama-server-replicas.js";
import { startFleetServer, type FleetServer } from "../helpers/servers/index.js";
import { repoRoot } from "../helpers/test-models.js";

// The real tier of #15: Pensieve in front of three real llama-server replicas. Each replica's model answers
// "I am replica <name>.", so every reply says where it was served.

const run = promisify(execFile);
const names = ["alpha", "beta", "gamma"];
let folder: string;
let replicas: LlamaServerReplica[] = [];
let fleet: FleetServer;

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "pensieve-fleet-"));
  replicas = await startLlamaServerReplicas(names, folder);
  fleet = await startFleetServer(
    replicas.map((replica) => replica.url),
    { dialect: "llama-server", model: replicaModel, maxConcurrent: 2, probeIntervalMs: 30_000, log: (level, message) => console.log(`[upstream ${level}] ${message}`) },
  );
});

afterAll(async () => {
  await fleet?.close();
  await Promise.all(replicas.map((replica) => replica.kill()));
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

const servedBy = (message: Anthropic.Message): string => /I am replica (\w+)\./.exec(textOf(message))?.[1] ?? `none: ${textOf(message)}`;
const textOf = (message: Anthropic.Message): string => message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");

/** Turn 1 of a conversation with a system prompt long enough that its cached prefix is worth keeping. */
const turnOne = (session: string): Promise<Anthropic.Message> =>
  fleet.client.messages.create(
    { model: "claude-sonnet-5", max_tokens: 32, system: `You are agent ${session}. ${"Follow the rules. ".repeat(40)}`, messages: [{ role: "user", content: `Hello from ${session}` }] },
    { headers: { "x-claude-code-session-id": session } },
  );

const turnTwo = (session: string, first: Anthropic.Message): Promise<Anthropic.Message> =>
  fleet.client.messages.create(
    {
      model: "claude-sonnet-5",
      max_tokens: 32,
      system: `You are agent ${session}. ${"Follow the rules. ".repeat(40)}`,
      messages: [
        { role: "user", content: `Hello from ${session}` },
        { role: "assistant", content: textOf(first) },
        { role: "user", content: "Again, please." },
      ],
    },
    { headers: { "x-claude-code-session-id": session } },
  );

describe("Pensieve in front of three llama-server replicas", () => {
  const placement = new Map<string, string>();

  it("keeps each of 20 two-turn conversations on its replica, whose cache then serves turn 2", async () => {
    let hits = 0;
    let cachedTurns = 0;
    for (let index = 0; index < 20; index += 1) {
      const session = `conversation-${index}`;
      const first = await turnOne(session);
      const second = await turnTwo(session, first);
      placement.set(session, servedBy(first));
      if (servedBy(second) === servedBy(first)) hits += 1;
      if ((second.usage.cache_read_input_tokens ?? 0) > 0) cachedTurns += 1;
    }
    const spread = names.map((name) => [...placement.values()].filter((served) => served === name).length);
    console.log(`[fleet] affinity: ${hits}/20 second turns on their first turn's replica; ${cachedTurns}/20 with cached tokens; spread ${names.map((name, index) => `${name}=${spread[index]}`).join(" ")}`);
    expect(hits).toBe(20);
    expect(cachedTurns).toBe(20);
    expect(spread.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
  });

  it("counts tokens exactly through llama-server's /apply-template and /tokenize, and finds stop sequences itself", async () => {
    const body = { model: "claude-sonnet-5", system: "Count me.", messages: [{ role: "user" as const, content: "How many tokens is this?" }] };
    const counted = await fleet.client.messages.countTokens(body);
    const generated = await fleet.client.messages.create({ ...body, max_tokens: 32 }, { headers: { "x-claude-code-session-id": "count-1" } });
    expect(counted.input_tokens).toBe(generated.usage.input_tokens + (generated.usage.cache_read_input_tokens ?? 0));
    const stopped = await fleet.client.messages.create({ ...body, max_tokens: 32, stop_sequences: ["replica"] }, { headers: { "x-claude-code-session-id": "count-1" } });
    expect(stopped.stop_reason).toBe("stop_sequence");
    expect(stopped.stop_sequence).toBe("replica");
    expect(textOf(stopped)).toBe("I am ");
  });

  // Probes run every 30 s here: what finds the dead replica is the first request sent to it, which fails over.
  it("moves only a killed replica's conversations, failing over before the first content", async () => {
    const victim = replicas.find((replica) => replica.name === "beta") as LlamaServerReplica;
    const failoversBefore = fleet.engine.upstreams().reduce((sum, endpoint) => sum + endpoint.failovers, 0);
    await victim.kill();
    const started = Date.now();
    let moved = 0;
    let stayed = 0;
    const wrong: string[] = [];
    for (const [session, before] of placement) {
      const now = servedBy(await turnOne(session));
      if (before === "beta" ? now === "beta" : now !== before) wrong.push(`${session}: ${before} -> ${now} ${JSON.stringify(fleet.engine.upstreams())}`);
      if (before === "beta") moved += 1;
      else stayed += 1;
    }
    expect(wrong).toEqual([]);
    const failovers = fleet.engine.upstreams().reduce((sum, endpoint) => sum + endpoint.failovers, 0) - failoversBefore;
    await expect.poll(() => fleet.engine.upstreams().find((endpoint) => endpoint.url === victim.url)?.up, { timeout: 10_000 }).toBe(false);
    console.log(`[fleet] killed beta: ${moved} conversations moved, ${stayed} stayed, ${failovers} failovers, every request answered (${Date.now() - started} ms for 20)`);
    expect(moved).toBeGreaterThan(0);
    expect(failovers).toBeGreaterThanOrEqual(1);
  });

  it("serves `claude -p` through the fleet", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "pensieve-fleet-claude-"));
    try {
      const { stdout } = await run(path.join(repoRoot, "node_modules", ".bin", "claude"), ["-p", "Say hello", "--output-format", "json"], {
        cwd: home,
        timeout: 240_000,
        env: claudeRunEnvironment(home, fleet.baseUrl),
      });
      const result = JSON.parse(stdout) as { is_error: boolean; result: string; stop_reason: string };
      expect(result.is_error).toBe(false);
      expect(result.result).toMatch(/^I am replica (alpha|gamma)\.$/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
