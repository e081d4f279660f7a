import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchEventLoop } from "../helpers/event-loop-watch.js";
import { startTestServer, type TestServer } from "../helpers/servers/index.js";
import { testModelPath } from "../helpers/test-models.js";

/**
 * Issue #17, "nothing a client sends can stall or kill the server": a corpus of hostile requests goes to the
 * real server, which runs in this process, one at a time, while a timer watches the event loop and `/health`
 * is polled. Any request that blocks the loop for more than 200 ms, or raises RSS by more than 100 MB over what it
 * was just before it, fails the test; `/health` must answer within a hang guard of five seconds (it waits for a core
 * like the loop does). Over the whole corpus RSS may rise by at most 200 MB: a leak shows there, while the heap V8
 * keeps after one big request (an 8 MB body, parsed) does not count against each later one.
 *
 * What counts as blocking is the CPU time the loop's thread spends within a stall (`watchEventLoop`): on a shared
 * machine the process is also left waiting for a core, which stalls the loop without any work of its own (the
 * wall-clock stall is printed too). A request over a limit is sent again, up to three times, and its best try
 * counts: a request's own cost comes back every time, the machine's noise does not.
 *
 * The corpus is a list of named cases; a new class of hostile request is one more entry.
 */

const maxBlockedMs = 200;
const healthHangGuardMs = 5000;
const maxRssRiseBytes = 100 * 1024 * 1024;
const maxCorpusRssRiseBytes = 200 * 1024 * 1024;
const tries = 3;

interface HostileCase {
  readonly name: string;
  /** The body of `POST /v1/messages`, as an object or (for what JSON.stringify cannot write) as text. */
  readonly body: Record<string, unknown> | string;
  /** The statuses the server may answer; never a 5xx. */
  readonly statuses: readonly number[];
}

const ask = [{ role: "user", content: "Call the tool." }];
const refused = [400];
const served = [200];

/** A request whose one user message is `characters` of ordinary words. */
function prompt(characters: number): Record<string, unknown> {
  const words = "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing ";
  return { model: "m", max_tokens: 1, messages: [{ role: "user", content: words.repeat(Math.ceil(characters / words.length)).slice(0, characters) }] };
}

/** A request with one tool, forced to be called (so its input is repaired and checked after generation). */
function forced(inputSchema: unknown, maxTokens = 200): Record<string, unknown> {
  return { model: "m", max_tokens: maxTokens, messages: ask, tools: [{ name: "t", input_schema: inputSchema }], tool_choice: { type: "any" } };
}

/** Each level names the level below twice: 2^levels nodes once expanded. */
function doubling(levels: number, combinator: "allOf" | "anyOf", distinct: boolean): Record<string, unknown> {
  const definitions: Record<string, unknown> = { a0: { type: "string", enum: ["ok"] }, b0: { type: "string", enum: ["ok"] } };
  for (let level = 1; level <= levels; level += 1) {
    const parts = [{ $ref: `#/$defs/a${level - 1}` }, { $ref: `#/$defs/${distinct ? "b" : "a"}${level - 1}` }];
    definitions[`a${level}`] = { [combinator]: parts };
    definitions[`b${level}`] = { [combinator]: parts };
  }
  return { type: "object", $defs: definitions, properties: { value: { $ref: `#/$defs/a${levels}` } }, required: ["value"] };
}

function nestedObjects(levels: number): unknown {
  let schema: unknown = { type: "boolean" };
  for (let level = 0; level < levels; level += 1) schema = { type: "object", properties: { a: schema }, required: ["a"], additionalProperties: false };
  return schema;
}

function referenceChain(length: number): Record<string, unknown> {
  const definitions: Record<string, unknown> = { [`d${length}`]: { type: "boolean" } };
  for (let index = 0; index < length; index += 1) definitions[`d${index}`] = { $ref: `#/$defs/d${index + 1}` };
  return { type: "object", $defs: definitions, properties: { a: { $ref: "#/$defs/d0" } } };
}

const manyValues = (count: number): string[] => Array.from({ length: count }, (_, index) => `value-${index}`);
/** Alternatives with repetitions, just under the 1000-character limit: the costliest kind of pattern to compile. */
const alternation = Array.from({ length: 66 }, (_, index) => `w${index}x[a-z]{2,5}`).join("|");
const redos = `${"a".repeat(40)}!`;

const namedCases: readonly HostileCase[] = [
  { name: "allOf of two $refs at each of 30 levels (2^30 nodes)", body: forced(doubling(30, "allOf", false)), statuses: refused },
  { name: "anyOf of two distinct copies at each of 30 levels", body: forced(doubling(30, "anyOf", true)), statuses: refused },
  { name: "allOf of two $refs at each of 10 levels (within the limit)", body: forced(doubling(10, "allOf", true)), statuses: served },
  { name: "a $ref chain 10,000 long", body: forced(referenceChain(10_000)), statuses: refused },
  { name: "objects nested 63 levels (at the limit)", body: forced(nestedObjects(63), 40), statuses: served },
  {
    name: "objects nested 10,000 levels",
    // As text: JSON.stringify would overflow its own stack.
    body: JSON.stringify(forced("SCHEMA")).replace('"SCHEMA"', `${'{"type":"object","properties":{"a":'.repeat(10_000)}{"type":"boolean"}${"}}".repeat(10_000)}`),
    statuses: refused,
  },
  {
    name: "pattern ^(a+)+$ against a forced 41-character value",
    body: forced({ type: "object", properties: { v: { type: "string", const: redos, pattern: "^(a+)+$" } }, required: ["v"] }),
    statuses: served,
  },
  {
    name: "patternProperties and propertyNames that backtrack, against a forced property name",
    body: forced({
      type: "object",
      properties: { [redos]: { type: "boolean" } },
      required: [redos],
      patternProperties: { "^(a|aa)+$": { type: "boolean" } },
      propertyNames: { pattern: "^(a|a?)+$" },
    }),
    statuses: served,
  },
  { name: "a backreference", body: forced({ type: "object", properties: { v: { type: "string", pattern: "^(a+)\\1$" } } }), statuses: refused },
  { name: "a 1000-character alternation pattern", body: forced({ type: "object", properties: { v: { type: "boolean", pattern: alternation } } }, 30), statuses: served },
  {
    name: "forty 1000-character patterns",
    body: forced({ type: "object", properties: Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`p${index}`, { type: "string", pattern: `${alternation}|q${index}` }])) }),
    statuses: refused,
  },
  { name: "an enum of 50,000 values", body: forced({ type: "object", properties: { v: { enum: manyValues(50_000) } } }), statuses: refused },
  { name: "a required list of 50,000 names", body: forced({ type: "object", required: manyValues(50_000) }), statuses: refused },
  { name: "30,000 properties", body: forced({ type: "object", properties: Object.fromEntries(manyValues(30_000).map((name) => [name, { type: "string" }])) }), statuses: refused },
  {
    name: "400 tools of 60 properties each",
    body: {
      model: "m",
      max_tokens: 5,
      messages: ask,
      tools: Array.from({ length: 400 }, (_, index) => ({ name: `t${index}`, input_schema: { type: "object", properties: Object.fromEntries(manyValues(60).map((name) => [name, { type: "integer" }])) } })),
    },
    statuses: refused,
  },
  {
    name: "1 MB of definitions no $ref names (a big body the server may accept)",
    body: forced({ type: "object", properties: { v: { type: "boolean" } }, required: ["v"], $defs: Object.fromEntries(manyValues(15_000).map((name) => [name, { type: "string", description: "an unused definition" }])) }),
    statuses: served,
  },
  {
    name: "a recursive list whose alternatives each repair the whole value",
    body: forced({
      type: "object",
      properties: { a: { $ref: "#/$defs/list" } },
      required: ["a"],
      $defs: { list: { anyOf: [{ type: "array", items: { $ref: "#/$defs/list" }, minItems: 2 }, { type: "array", items: { $ref: "#/$defs/list" } }] } },
    }),
    statuses: served,
  },
  // The model's context is 4096 tokens and its longest vocabulary piece 12 bytes: 49,128 characters cannot fit.
  { name: "8 MB of prompt text (refused by its length alone)", body: prompt(8_000_000), statuses: refused },
  { name: "45,000 characters of words (under the length bound, refused once counted in chunks)", body: prompt(45_000), statuses: refused },
  { name: "6,000 characters of words (a prompt that fits)", body: prompt(6_000), statuses: served },
  {
    name: "a tool_use input nested 250 levels in the history",
    body: {
      model: "m",
      max_tokens: 5,
      tools: [{ name: "t", input_schema: { type: "object" } }],
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "t", input: JSON.parse(`${'{"a":'.repeat(245)}1${"}".repeat(245)}`) as unknown }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "done" }] },
      ],
    },
    statuses: served,
  },
];

/** Schema graphs from fast-check: definitions that name each other through every combinator, with hostile patterns. */
function generatedCases(count: number): HostileCase[] {
  const pattern = fc.constantFrom("^(a+)+$", "^(a|aa)+$", "(x+x+)+y", "^([a-z]+)*[0-9]$", "^(\\w+\\s?)*$", "^[a-z0-9]{6,}$");
  const leaf = fc.oneof(
    fc.record({ type: fc.constant("string"), enum: fc.constant(["ok", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!"]), pattern }),
    fc.record({ type: fc.constantFrom("integer", "number"), minimum: fc.integer({ min: -5, max: 5 }), maximum: fc.integer({ min: 5, max: 50 }) }),
    fc.record({ type: fc.constant("boolean") }),
    fc.integer({ min: 0, max: 7 }).map((index) => ({ $ref: `#/$defs/d${index}` })),
  );
  const node = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.record({ allOf: fc.array(tie("node"), { minLength: 2, maxLength: 4 }) }),
      fc.record({ anyOf: fc.array(tie("node"), { minLength: 2, maxLength: 4 }) }),
      fc.record({ oneOf: fc.array(tie("node"), { minLength: 2, maxLength: 3 }) }),
      fc.record({ not: tie("node") }),
      fc.record({ type: fc.constant("array"), items: tie("node"), maxItems: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ type: fc.constant("object"), properties: fc.dictionary(fc.constantFrom("a", "b", "c"), tie("node"), { minKeys: 1, maxKeys: 3 }) }),
    ),
  })).node;
  const schema = fc.record({ definitions: fc.array(node, { minLength: 8, maxLength: 8 }), root: node }).map(({ definitions, root }) => ({
    type: "object",
    $defs: Object.fromEntries(definitions.map((definition, index) => [`d${index}`, definition])),
    properties: { v: root },
    required: ["v"],
  }));
  return fc.sample(schema, { numRuns: count, seed: 17 }).map((inputSchema, index) => ({
    name: `generated schema graph #${index}`,
    body: forced(inputSchema, 120),
    statuses: [200, 400],
  }));
}

const corpus: readonly HostileCase[] = [...namedCases, ...generatedCases(12)];

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(await testModelPath("tiny"), { contextSize: 4096 });
});
afterAll(async () => {
  await server?.close();
});

interface Measured {
  readonly status: number;
  readonly stallMs: number;
  readonly blockedCpuMs: number;
  readonly healthMs: number;
  readonly peakRssBytes: number;
  /** How far RSS rose while the request ran, over what it was just before. */
  readonly rssRiseBytes: number;
  /** How long the request took, for the table. */
  readonly elapsedMs: number;
}

/** Sends one case while `/health` is polled back to back; what the loop and `/health` saw while it ran. */
async function measure(hostile: HostileCase): Promise<Measured> {
  const body = typeof hostile.body === "string" ? hostile.body : JSON.stringify(hostile.body);
  let done = false;
  let healthMs = 0;
  const started = performance.now();
  const rssBefore = process.memoryUsage.rss();
  const reading = await watchEventLoop(async () => {
    const polling = (async () => {
      while (!done) {
        const asked = performance.now();
        const health = await fetch(`${server.baseUrl}/health`);
        await health.arrayBuffer();
        healthMs = Math.max(healthMs, performance.now() - asked);
      }
    })();
    try {
      const response = await fetch(`${server.baseUrl}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body });
      await response.arrayBuffer();
      return response.status;
    } finally {
      done = true;
      await polling;
    }
  });
  return {
    status: reading.result,
    stallMs: reading.stallMs,
    blockedCpuMs: reading.blockedCpuMs,
    healthMs,
    peakRssBytes: reading.peakRssBytes,
    rssRiseBytes: reading.peakRssBytes - rssBefore,
    elapsedMs: performance.now() - started,
  };
}

describe("the event loop under hostile requests", () => {
  it("no request blocks the event loop for more than 200 ms or raises RSS by more than 100 MB, and /health keeps answering", async () => {
    // Warm up: the first request of each kind compiles code paths (JIT) once.
    for (const warmUp of [namedCases[2], namedCases[6], namedCases[8]]) if (warmUp !== undefined) await measure(warmUp);
    const baselineRss = process.memoryUsage.rss();
    let peakRss = baselineRss;
    const results: (Measured & { readonly name: string })[] = [];
    const wrongStatuses: string[] = [];
    // Above 1 when a figure is over its limit.
    const overLimit = (measured: Measured): number =>
      Math.max(measured.blockedCpuMs / maxBlockedMs, measured.healthMs / healthHangGuardMs, measured.rssRiseBytes / maxRssRiseBytes);
    for (const hostile of corpus) {
      let best: Measured | undefined;
      for (let attempt = 0; attempt < tries && (best === undefined || overLimit(best) >= 1); attempt += 1) {
        const measured = await measure(hostile);
        peakRss = Math.max(peakRss, measured.peakRssBytes);
        if (!hostile.statuses.includes(measured.status)) wrongStatuses.push(`${hostile.name}: ${measured.status}`);
        if (best === undefined || overLimit(measured) < overLimit(best)) best = measured;
      }
      if (best !== undefined) results.push({ name: hostile.name, ...best });
    }
    const worst = (figure: (result: Measured) => number): string => {
      const found = results.reduce((worstSoFar, result) => (figure(result) > figure(worstSoFar) ? result : worstSoFar));
      return `${figure(found).toFixed(1)} ms (${found.name})`;
    };
    console.log(
      [
        `event-loop guard: ${results.length} hostile requests`,
        `  worst loop-thread CPU within one stall: ${worst((result) => result.blockedCpuMs)}`,
        `  worst event-loop stall (wall clock):    ${worst((result) => result.stallMs)}`,
        `  worst /health latency:                  ${worst((result) => result.healthMs)}`,
        `  worst RSS rise within one request:       ${(Math.max(...results.map((result) => result.rssRiseBytes)) / 1024 / 1024).toFixed(1)} MB`,
        `  RSS rise over the corpus ${((peakRss - baselineRss) / 1024 / 1024).toFixed(1)} MB (baseline ${(baselineRss / 1024 / 1024).toFixed(0)} MB)`,
        "     cpu ms   stall ms  health ms    took ms   RSS MB  status  case",
        ...results.map((result) =>
          [result.blockedCpuMs, result.stallMs, result.healthMs, result.elapsedMs, result.rssRiseBytes / 1024 / 1024].map((figure) => figure.toFixed(1).padStart(9)).join("  ") +
          `  ${result.status}     ${result.name}`,
        ),
      ].join("\n"),
    );
    expect(wrongStatuses).toEqual([]);
    for (const result of results) {
      expect(result.blockedCpuMs, `${result.name}: event loop blocked`).toBeLessThan(maxBlockedMs);
      expect(result.healthMs, `${result.name}: /health latency`).toBeLessThan(healthHangGuardMs);
      expect(result.rssRiseBytes, `${result.name}: RSS rise`).toBeLessThan(maxRssRiseBytes);
    }
    expect(peakRss - baselineRss).toBeLessThan(maxCorpusRssRiseBytes);
  });
});
