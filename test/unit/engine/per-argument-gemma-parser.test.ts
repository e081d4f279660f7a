import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PerArgumentCallParser } from "../../../src/engine/per-argument-calls/per-argument-call-parser.js";
import { readGemmaValue } from "../../../src/engine/per-argument-calls/read-gemma-value.js";
import { renderPerArgumentCall } from "../../../src/models/chat-format/per-argument-call-syntax.js";
import { cutAt } from "../../helpers/cut-at.js";
import { gemmaSyntax as gemma } from "../../helpers/per-argument-syntaxes.js";
import { perArgumentToolOf as toolOf, writeToolSchema } from "../../helpers/per-argument-tools.js";

const { properties } = writeToolSchema;
// Its object argument has a key a bare Gemma key may hold (a space) and an array of any values.
const write = toolOf("Write", { ...writeToolSchema, properties: { ...properties, meta: { ...properties.meta, properties: { ...properties.meta.properties, "odd key": { type: "array" } } } } });
const tools = [write, toolOf("Stop", { type: "object" }), toolOf("Any", { type: "object", additionalProperties: true })];
const delimiter = '<|"|>';

interface Recorded {
  readonly chunks: string[];
  readonly completed: { readonly name: string; readonly input: Record<string, unknown> }[];
  /** The streamed JSON of each call. */
  readonly streamed: string[];
  readonly parser: PerArgumentCallParser;
}

function parse(pieces: readonly string[]): Recorded {
  const recorded: Omit<Recorded, "parser"> = { chunks: [], completed: [], streamed: [] };
  let open = false;
  const parser = new PerArgumentCallParser(gemma, tools, {
    addParameters: (_name, chunk) => {
      recorded.chunks.push(chunk);
      if (!open) recorded.streamed.push("");
      open = true;
      recorded.streamed[recorded.streamed.length - 1] += chunk;
    },
    complete: (name, input) => {
      recorded.completed.push({ name, input });
      open = false;
    },
  });
  for (const piece of pieces) parser.feed(piece);
  return { ...recorded, parser };
}

/** This test's own writer of Gemma's notation (not the renderer): object keys bare or between delimiters. */
function gemmaText(value: unknown, quoteKeys: boolean): string {
  if (typeof value === "string") return `${delimiter}${value}${delimiter}`;
  if (Array.isArray(value)) return `[${value.map((item) => gemmaText(item, quoteKeys)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([key, item]) => `${quoteKeys ? `${delimiter}${key}${delimiter}` : key}:${gemmaText(item, quoteKeys)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

interface Call {
  readonly name: string;
  readonly entries: readonly (readonly [string, unknown])[];
  readonly input: Record<string, unknown>;
}

/** The text of calls after the first call's tag, as Gemma writes them: calls one after another. */
function writeCalls(calls: readonly Call[], quoteKeys = false): string {
  const text = calls.map(({ name, entries }) => `<|tool_call>call:${name}{${entries.map(([key, value]) => `${key}:${gemmaText(value, quoteKeys)}`).join(",")}}<tool_call|>`).join("");
  return text.slice("<|tool_call>".length);
}

/** Text with markup, quotes, braces, commas, backslashes and characters outside the BMP, but never the delimiter. */
const text = fc
  .string({ unit: fc.constantFrom("a", " ", "\n", "<", "|", ">", '"', ":", ",", "}", "]", "\\", "é", "😀", "<tool_call|>", "<|tool_call>"), maxLength: 12 })
  .filter((value) => !value.includes(delimiter));
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (value === 0 ? 0 : value)));

function callsOf(): fc.Arbitrary<Call[]> {
  const input = fc.record(
    {
      path: text,
      content: text,
      count: fc.integer(),
      force: fc.boolean(),
      tags: fc.array(text, { maxLength: 3 }),
      meta: fc.record({ ratio: number, note: text, "odd key": fc.array(fc.oneof(number, fc.boolean(), fc.constant(null), text), { maxLength: 3 }) }, { requiredKeys: [] }),
      either: fc.oneof(number, text),
      mode: fc.constantFrom("fast", "slow"),
    },
    { requiredKeys: ["path", "content"] },
  );
  const writeCall = input.chain((value) =>
    fc.shuffledSubarray(Object.entries(value), { minLength: Object.keys(value).length }).map((entries): Call => ({ name: "Write", entries, input: value })),
  );
  const stopCall = fc.constant<Call>({ name: "Stop", entries: [], input: {} });
  return fc.array(fc.oneof(writeCall, stopCall), { minLength: 1, maxLength: 3 });
}

const chunking = fc.oneof(fc.array(fc.nat(), { maxLength: 12 }), fc.constant("units" as const));
const piecesOf = (written: string, how: number[] | "units"): string[] => (how === "units" ? written.split("") : cutAt(written, how));

describe("PerArgumentCallParser (gemma)", () => {
  it("completes every call with its input, and streams JSON of that same input, however the text is cut", () => {
    fc.assert(
      fc.property(callsOf(), chunking, fc.boolean(), (calls, how, quoteKeys) => {
        const recorded = parse(piecesOf(writeCalls(calls, quoteKeys), how));
        expect(recorded.completed).toEqual(calls.map(({ name, input }) => ({ name, input })));
        expect(recorded.streamed.map((json) => JSON.parse(json) as unknown)).toEqual(calls.map(({ input }) => input));
        for (const chunk of recorded.chunks) expect(chunk).not.toMatch(/\\ud[89a-f]/);
        expect(recorded.parser.inCall).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("left with a cut call, completes nothing, and streamed a prefix of the whole", () => {
    fc.assert(
      fc.property(callsOf(), fc.nat(), (calls, cut) => {
        const written = writeCalls(calls.slice(0, 1));
        const at = cut % written.length;
        const whole = parse([written]).chunks.join("");
        const recorded = parse([written.slice(0, at)]);
        expect(recorded.completed).toEqual([]);
        expect(recorded.parser.inCall).toBe(at > written.indexOf("{"));
        expect(whole.startsWith(recorded.chunks.join(""))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("gives back the input of calls renderPerArgumentCall wrote", () => {
    fc.assert(
      fc.property(callsOf(), (calls) => {
        const rendered = calls.map(({ name, input }) => renderPerArgumentCall(gemma, name, input).toString()).join("");
        expect(parse([rendered.slice("<|tool_call>".length)]).completed).toEqual(calls.map(({ name, input }) => ({ name, input })));
      }),
      { numRuns: 100 },
    );
  });

  it("streams a string value as it comes, holding back what may be the start of its closing delimiter, and other values whole", () => {
    const recorded = parse(["call:Write{count:12"]);
    expect(recorded.chunks).toEqual(["{", '"count":']);
    recorded.parser.feed(`,content:${delimiter}say "hi"<|`);
    // The last four characters wait: they may start the delimiter.
    expect(recorded.chunks.join("")).toBe('{"count":12,"content":"say \\"h');
    recorded.parser.feed(`"|>}<tool_call|>`);
    expect(recorded.completed).toEqual([{ name: "Write", input: { count: 12, content: 'say "hi"' } }]);
  });

  it("reads the values of a tool without a schema, or an unknown one, in Gemma's notation; keeps __proto__ as an own key", () => {
    const entries = [["n", -1.5], ["list", [1, "a", [true, null]]], ["text", "x"], ["__proto__", { polluted: true }]] as const;
    for (const name of ["Any", "Unknown"]) {
      const recorded = parse([writeCalls([{ name, entries, input: {} }])]);
      const [completed] = recorded.completed;
      expect(completed?.input).toEqual(JSON.parse(recorded.streamed[0] ?? ""));
      expect(Object.getPrototypeOf(completed?.input)).toBe(Object.prototype);
      expect(Object.hasOwn(completed?.input ?? {}, "__proto__")).toBe(true);
      expect(completed?.input["list"]).toEqual([1, "a", [true, null]]);
    }
  });

  it("leaves text that does not fit the syntax unread, the call open", () => {
    const recorded = parse(["call:Write{path:", "garbage", "}<tool_call|>"]);
    expect(recorded.parser.inCall).toBe(true);
    expect(recorded.completed).toEqual([]);
    expect(parse(["garbage"]).chunks).toEqual([]);
  });
});

describe("readGemmaValue", () => {
  it("reads a whole value and where it ends; waits on an incomplete one (a number until something follows)", () => {
    expect(readGemmaValue(`{a:[1,${delimiter}x${delimiter}],b c:{}}rest`, 0)).toEqual({ value: { a: [1, "x"], "b c": {} }, end: 26 });
    expect(readGemmaValue("12", 0)).toBeUndefined();
    expect(readGemmaValue("12,", 0)).toEqual({ value: 12, end: 2 });
    expect(readGemmaValue("1e", 0)).toBeUndefined();
    expect(readGemmaValue("-1e-7]", 0)).toEqual({ value: -1e-7, end: 5 });
    expect(readGemmaValue(`[${delimiter}a`, 0)).toBeUndefined();
    expect(readGemmaValue("{a:1", 0)).toBeUndefined();
    expect(readGemmaValue("{a", 0)).toBeUndefined();
    expect(readGemmaValue("[1;", 0)).toBeUndefined();
    expect(readGemmaValue("?", 0)).toBeUndefined();
  });
});
