import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PerArgumentCallParser } from "../../../src/engine/per-argument-calls/per-argument-call-parser.js";
import { renderPerArgumentCall, type PerArgumentCallSyntax } from "../../../src/models/chat-format/per-argument-call-syntax.js";
import { cutAt } from "../../helpers/cut-at.js";
import { glmXmlSyntax as glm, qwenXmlSyntax as qwen } from "../../helpers/per-argument-syntaxes.js";
import { perArgumentToolOf as toolOf, writeToolSchema } from "../../helpers/per-argument-tools.js";

const write = toolOf("Write", writeToolSchema);
const none = toolOf("Stop", { type: "object" });
const open = toolOf("Any", { type: "object", additionalProperties: true });
const tools = [write, none, open];

interface Recorded {
  /** Each `addParameters` chunk, in order. */
  readonly chunks: { readonly name: string; readonly chunk: string }[];
  readonly completed: { readonly name: string; readonly input: Record<string, unknown> }[];
  /** The streamed JSON of each call: its chunks, up to its completion (the last one may be open). */
  readonly streamed: { readonly name: string; json: string }[];
  readonly parser: PerArgumentCallParser;
}

function parse(syntax: PerArgumentCallSyntax, pieces: readonly string[]): Recorded {
  const recorded: Omit<Recorded, "parser"> = { chunks: [], completed: [], streamed: [] };
  let open: { readonly name: string; json: string } | undefined;
  const parser = new PerArgumentCallParser(syntax, tools, {
    addParameters: (name, chunk) => {
      recorded.chunks.push({ name, chunk });
      if (open === undefined) recorded.streamed.push((open = { name, json: "" }));
      expect(name).toBe(open.name);
      open.json += chunk;
    },
    complete: (name, input) => {
      recorded.completed.push({ name, input });
      open = undefined;
    },
  });
  for (const piece of pieces) parser.feed(piece);
  return { ...recorded, parser };
}

/** The text of calls as a model writes them, after the first call's tag: this test's own writer, not the renderer. */
function writeCalls(syntax: PerArgumentCallSyntax, calls: readonly Call[]): string {
  const written = calls.map(({ name, entries }) => {
    const argumentsText = entries.map(([key, raw]) => `${syntax.keyOpen}${key}${syntax.keyClose}${raw}${syntax.valueClose}`).join("");
    return `${syntax.callOpen}${name}${syntax.nameClose}${argumentsText}${syntax.callClose}`;
  });
  return written.join(syntax.betweenCalls).slice(syntax.callTag.length);
}

/** A call: the tool's name, each argument's key and raw text, and the input the raw texts stand for. */
interface Call {
  readonly name: string;
  readonly entries: readonly (readonly [string, string])[];
  readonly input: Record<string, unknown>;
}

/** Text with line breaks, markup, quotes, backslashes and characters outside the BMP, that a raw value may hold. */
const rawText = fc.string({ unit: fc.constantFrom("a", " ", "\n", "<", ">", "/", "=", '"', "\\", "é", "😀", "{", "</parameter>", "</arg_value>", "<arg_key>"), maxLength: 12 });

function isRawValue(text: string, syntax: PerArgumentCallSyntax): boolean {
  return !text.includes(syntax.valueClose) && (text + syntax.valueClose).indexOf(syntax.valueClose) === text.length;
}

/** Calls of the Write and Stop tools, their JSON values sometimes indented, their arguments in any order. */
function callsOf(syntax: PerArgumentCallSyntax): fc.Arbitrary<Call[]> {
  const raw = rawText.filter((text) => isRawValue(text, syntax));
  const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (value === 0 ? 0 : value)));
  const input = fc.record(
    {
      path: raw,
      content: raw,
      count: fc.integer(),
      force: fc.boolean(),
      tags: fc.array(rawText, { maxLength: 3 }),
      meta: fc.record({ ratio: number, note: rawText }, { requiredKeys: [] }),
      // A string that reads as JSON of another type is taken as that type: not generated here.
      either: fc.oneof(number, raw.filter((text) => typeof jsonOrText(text) === "string")),
      mode: fc.constantFrom("fast", "slow"),
    },
    { requiredKeys: ["path", "content"] },
  );
  const writeCall = fc.tuple(input, fc.boolean()).chain(([value, indented]) =>
    fc.shuffledSubarray(Object.entries(value), { minLength: Object.keys(value).length }).map((entries): Call => ({
      name: "Write",
      entries: entries.map(([key, item]) => [key, typeof item === "string" ? item : JSON.stringify(item, null, indented ? 4 : undefined)] as const),
      input: value,
    })),
  );
  const stopCall = fc.constant<Call>({ name: "Stop", entries: [], input: {} });
  return fc.array(fc.oneof(writeCall, stopCall), { minLength: 1, maxLength: 3 });
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Cut into pieces anywhere (surrogate pairs too), or one UTF-16 unit at a time. */
const chunking = fc.oneof(fc.array(fc.nat(), { maxLength: 12 }), fc.constant("units" as const));
function piecesOf(text: string, how: number[] | "units"): string[] {
  return how === "units" ? text.split("") : cutAt(text, how);
}

for (const syntax of [qwen, glm]) {
  describe(`PerArgumentCallParser (${syntax.name})`, () => {
    it("completes every call with its input, and streams JSON of that same input, however the text is cut", () => {
      fc.assert(
        fc.property(callsOf(syntax), chunking, (calls, how) => {
          const recorded = parse(syntax, piecesOf(writeCalls(syntax, calls), how));
          expect(recorded.completed).toEqual(calls.map(({ name, input }) => ({ name, input })));
          const streamed = recorded.streamed;
          expect(streamed.map(({ name }) => name)).toEqual(calls.map(({ name }) => name));
          for (const [index, { json }] of streamed.entries()) expect(JSON.parse(json), json).toEqual(calls[index]?.input);
          // A character outside the BMP is never sent as two halves (each would be escaped on its own).
          for (const { chunk } of recorded.chunks) expect(chunk).not.toMatch(/\\ud[89a-f]/);
          expect(recorded.parser.inCall).toBe(false);
        }),
        { numRuns: 150 },
      );
    });

    it("left with a cut call, completes nothing, is in the call once its name is read, and streamed a prefix of the whole", () => {
      fc.assert(
        fc.property(callsOf(syntax), fc.nat(), (calls, cut) => {
          const [call] = calls;
          if (call === undefined) return;
          const text = writeCalls(syntax, [call]);
          const at = cut % text.length;
          const whole = parse(syntax, [text]).chunks.map(({ chunk }) => chunk).join("");
          const recorded = parse(syntax, [text.slice(0, at)]);
          expect(recorded.completed).toEqual([]);
          const nameRead = text.indexOf(`${syntax.nameClose}<`) + syntax.nameClose.length + 1;
          expect(recorded.parser.inCall).toBe(at >= nameRead);
          expect(whole.startsWith(recorded.chunks.map(({ chunk }) => chunk).join(""))).toBe(true);
        }),
        { numRuns: 150 },
      );
    });

    it("gives back the input of a call renderPerArgumentCall wrote", () => {
      fc.assert(
        fc.property(callsOf(syntax), (calls) => {
          const rendered = calls.map(({ name, input }) => renderPerArgumentCall(syntax, name, input).toString());
          const recorded = parse(syntax, [rendered.join(syntax.betweenCalls).slice(syntax.callTag.length)]);
          expect(recorded.completed).toEqual(calls.map(({ name, input }) => ({ name, input })));
        }),
        { numRuns: 100 },
      );
    });

    it("streams a string value as it comes, all but what may be the start of the closing text, and other values whole", () => {
      const opening = writeCalls(syntax, [{ name: "Write", entries: [], input: {} }]).slice(0, -syntax.callClose.length);
      const recorded = parse(syntax, [opening, `${syntax.keyOpen}count${syntax.keyClose}12`]);
      expect(recorded.chunks.map(({ chunk }) => chunk)).toEqual(["{", '"count":']);
      recorded.parser.feed(`${syntax.valueClose}${syntax.keyOpen}content${syntax.keyClose}`);
      const value = 'say "hi"\n'.repeat(3);
      recorded.parser.feed(value);
      const sent = recorded.chunks.map(({ chunk }) => chunk).join("");
      expect(sent).toBe(`{"count":12,"content":"${JSON.stringify(value.slice(0, value.length - syntax.valueClose.length + 1)).slice(1, -1)}`);
      expect(recorded.completed).toEqual([]);
    });

    it("reads the values of a tool without a schema, or an unknown tool, as JSON where they are JSON, else as text", () => {
      const calls: Call[] = ["Any", "Unknown"].map((name) => ({
        name,
        entries: [["n", "12"], ["list", "[1, \"a\"]"], ["flag", "true"], ["text", "not json"], ["quoted", '"q"']],
        input: { n: 12, list: [1, "a"], flag: true, text: "not json", quoted: "q" },
      }));
      const recorded = parse(syntax, [writeCalls(syntax, calls)]);
      expect(recorded.completed).toEqual(calls.map(({ name, input }) => ({ name, input })));
      for (const [index, { json }] of recorded.streamed.entries()) expect(JSON.parse(json)).toEqual(calls[index]?.input);
    });

    it("keeps a key named __proto__ as the input's own key, as the streamed JSON does", () => {
      const call: Call = { name: "Any", entries: [["__proto__", '{"polluted":true}']], input: {} };
      const recorded = parse(syntax, [writeCalls(syntax, [call])]);
      const [completed] = recorded.completed;
      expect(Object.getPrototypeOf(completed?.input)).toBe(Object.prototype);
      expect(Object.hasOwn(completed?.input ?? {}, "__proto__")).toBe(true);
      expect(completed?.input).toEqual(JSON.parse(recorded.streamed[0]?.json ?? ""));
    });

    it("leaves text that does not fit the syntax unread, the call open", () => {
      const opening = writeCalls(syntax, [{ name: "Write", entries: [], input: {} }]).slice(0, -syntax.callClose.length);
      const argument = `${syntax.keyOpen}path${syntax.keyClose}p${syntax.valueClose}`;
      const recorded = parse(syntax, [opening, argument, "garbage", syntax.callClose]);
      expect(recorded.parser.inCall).toBe(true);
      expect(recorded.completed).toEqual([]);
      expect(parse(syntax, ["garbage"]).chunks).toEqual([]);
    });
  });
}

describe("PerArgumentCallParser (glm-xml) with a JSON value whose strings hold the closing text", () => {
  it("ends the value at the closing text that follows whole JSON, not at the one inside a string", () => {
    const tags = ["</arg_value>", "a</arg_value></tool_call>"];
    const call: Call = { name: "Write", entries: [["path", "p"], ["content", "c"], ["tags", JSON.stringify(tags)]], input: { path: "p", content: "c", tags } };
    const recorded = parse(glm, writeCalls(glm, [call]).split(""));
    expect(recorded.completed).toEqual([{ name: "Write", input: call.input }]);
    expect(JSON.parse(recorded.streamed[0]?.json ?? "")).toEqual(call.input);
  });
});
