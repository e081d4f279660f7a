import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ToolInputStream } from "../../../src/engine/tool-input/tool-input-stream.js";
import { repairToolInput } from "../../../src/engine/tool-schema/repair-tool-input.js";
import { cutAt } from "../../helpers/cut-at.js";

/** Claude Code's Read and Write, as the grammar fills them: every property present, optional ones possibly null. */
const readSchema = {
  type: "object",
  properties: {
    file_path: { type: "string" },
    offset: { type: "integer", minimum: 0 },
    limit: { type: "integer", exclusiveMinimum: 0 },
  },
  required: ["file_path"],
  additionalProperties: false,
};
const writeSchema = {
  type: "object",
  properties: { file_path: { type: "string", maxLength: 200 }, content: { type: "string" } },
  required: ["file_path", "content"],
};

/** Feeds the chunks, as node-llama-cpp's params chunks (with its blank-line end), and records what is sent after each. */
function streamChunks(stream: ToolInputStream, chunks: readonly string[]): string[] {
  return chunks.map((chunk) => stream.push(chunk));
}

describe("ToolInputStream, by whole values", () => {
  it("sends each top-level value once complete, repaired: a null optional dropped, a number clamped", () => {
    const stream = new ToolInputStream({ schema: readSchema });
    const sent = streamChunks(stream, ['{"file_path": "/tm', 'p/a.txt", "offs', 'et": null, "limit": 0', "}", "\n\n\n\n"]);
    // A number is whole only once what follows it arrives.
    expect(sent).toEqual(["{", '"file_path":"/tmp/a.txt"', "", ',"limit":1}', ""]);
    expect(stream.complete({ file_path: "/tmp/a.txt", offset: null, limit: 0 })).toEqual({ text: "", input: { file_path: "/tmp/a.txt", limit: 1 } });
  });

  it("closes a call cut short around the values that were complete, and sends {} for one with none", () => {
    const stream = new ToolInputStream({ schema: writeSchema });
    const sent = streamChunks(stream, ['{"file_path": "a.txt", "content": "Once upon a ti']).join("");
    expect(sent + stream.cut()).toBe('{"file_path":"a.txt"}');
    expect(new ToolInputStream({ schema: writeSchema }).cut()).toBe("{}");
    const whole = new ToolInputStream({ schema: writeSchema });
    expect(streamChunks(whole, ['{"file_path":"a","content":"b"}']).join("") + whole.cut()).toBe('{"file_path":"a","content":"b"}');
  });

  it("sends the input of a schema whose top level has alternatives only once complete, repaired whole", () => {
    const schema = { anyOf: [{ type: "object", properties: { n: { type: "integer", maximum: 3 } } }] };
    const stream = new ToolInputStream({ schema });
    expect(streamChunks(stream, ['{"n": 9', "}\n\n\n\n"])).toEqual(["", ""]);
    expect(stream.complete({ n: 9 })).toEqual({ text: '{"n":3}', input: { n: 3 } });
  });

  it("holds back a value with a character detokenised in halves, and finishes from the parsed parameters", () => {
    const stream = new ToolInputStream({ schema: writeSchema });
    expect(streamChunks(stream, ['{"file_path": "a", "content": "caf\uFFFD', '\uFFFD", "x": 1}'])).toEqual(['{"file_path":"a"', ""]);
    expect(stream.complete({ file_path: "a", content: "café", x: 1 })).toEqual({
      text: ',"content":"café","x":1}',
      input: { file_path: "a", content: "café", x: 1 },
    });
  });

  it("sends a call without parameters whole", () => {
    expect(new ToolInputStream({ schema: { type: "object" } }).complete(undefined)).toEqual({ text: "{}", input: {} });
  });

  it("sends JSON that parses to the repaired input, only ever in whole values, however the chunks fall", () => {
    const value = fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 5 }), fc.string(), fc.array(fc.integer(), { maxLength: 3 }));
    const parameters = fc.record({ file_path: value, offset: value, limit: value, extra: value }, { requiredKeys: [] });
    fc.assert(
      fc.property(parameters, fc.array(fc.nat()), (generated, positions) => {
        const raw = JSON.stringify(generated, null, 1);
        const stream = new ToolInputStream({ schema: readSchema });
        let sent = "";
        for (const text of streamChunks(stream, cutAt(`${raw}\n\n\n\n`, positions))) {
          sent += text;
          // Every prefix sent ends on a whole value: closing it gives valid JSON.
          if (sent !== "" && !sent.endsWith("}")) expect(() => JSON.parse(`${sent}}`)).not.toThrow();
        }
        const { text, input } = stream.complete(JSON.parse(raw));
        expect(JSON.parse(sent + text)).toEqual(input);
        expect(input).toEqual(repairToolInput(readSchema, JSON.parse(raw)));
      }),
    );
  });
});

describe("ToolInputStream, eagerly (fine-grained)", () => {
  it("streams a string value as generated, keeping an escape cut in two for the next chunk", () => {
    const stream = new ToolInputStream({ schema: writeSchema, eager: true });
    const sent = streamChunks(stream, ['{"file_path": "a.txt", "content": "line one\\', 'nline two', '"}\n\n\n\n']);
    // file_path has a maxLength, which repair enforces: it waits until whole; content streams.
    expect(sent).toEqual(['{"file_path":"a.txt","content":"line one', "\\nline two", '"}']);
    expect(stream.complete({ file_path: "a.txt", content: "line one\nline two" })).toEqual({
      text: "",
      input: { file_path: "a.txt", content: "line one\nline two" },
    });
  });

  it("leaves a call cut short as generated, possibly inside a value", () => {
    const stream = new ToolInputStream({ schema: writeSchema, eager: true });
    const sent = streamChunks(stream, ['{"file_path": "a.txt", "content": "Once upon a ti']).join("");
    expect(sent + stream.cut()).toBe('{"file_path":"a.txt","content":"Once upon a ti');
  });

  it("finishes a string held back mid-way from the parsed parameters", () => {
    const stream = new ToolInputStream({ schema: writeSchema, eager: true });
    expect(streamChunks(stream, ['{"file_path":"a","content":"caf', "\uFFFD", '\uFFFD!"}'])).toEqual(['{"file_path":"a","content":"caf', "", ""]);
    expect(stream.complete({ file_path: "a", content: "café!" })).toEqual({ text: 'é!"}', input: { file_path: "a", content: "café!" } });
  });

  it("sends JSON that parses to the repaired input, however the chunks fall", () => {
    fc.assert(
      fc.property(fc.record({ file_path: fc.string(), content: fc.string(), extra: fc.option(fc.string()) }), fc.array(fc.nat()), (generated, positions) => {
        const raw = JSON.stringify(generated);
        const stream = new ToolInputStream({ schema: writeSchema, eager: true });
        const sent = streamChunks(stream, cutAt(`${raw}\n\n\n\n`, positions)).join("");
        const { text, input } = stream.complete(JSON.parse(raw));
        expect(JSON.parse(sent + text)).toEqual(input);
        expect(input).toEqual(repairToolInput(writeSchema, JSON.parse(raw)));
      }),
    );
  });
});
