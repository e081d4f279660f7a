import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonObjectScanner, type ScanEvent } from "../../../src/engine/tool-input/json-object-scanner.js";
import { cutAt } from "../../helpers/cut-at.js";

function scan(chunks: readonly string[]): ScanEvent[] {
  const scanner = new JsonObjectScanner();
  return chunks.flatMap((chunk) => scanner.feed(chunk));
}

describe("JsonObjectScanner", () => {
  it("reports the top level of an object: open, each member with its value's text, close; nested values whole", () => {
    const events = scan(['{"a": 1, "b" : {"c": [1, "}"]}, "d":', ' true , "e":null}\n\n\n\n']);
    expect(events).toEqual([
      { kind: "open" },
      { kind: "member", key: "a", valueText: "1" },
      { kind: "member", key: "b", valueText: '{"c": [1, "}"]}' },
      { kind: "member", key: "d", valueText: "true" },
      { kind: "member", key: "e", valueText: "null" },
      { kind: "close" },
    ]);
  });

  it("streams a string value's body as written, escapes included, across chunks", () => {
    const events = scan(['{"pa\\"th":"C:\\', '\\x\\u00e9', 'y", "n": 12', "3}"]);
    expect(events).toEqual([
      { kind: "open" },
      { kind: "string-start", key: 'pa"th' },
      { kind: "string-chunk", text: "C:\\" },
      { kind: "string-chunk", text: "\\x\\u00e9" },
      { kind: "string-chunk", text: "y" },
      { kind: "member", key: 'pa"th', valueText: '"C:\\\\x\\u00e9y"' },
      // A number is complete only once something follows it.
      { kind: "member", key: "n", valueText: "123" },
      { kind: "close" },
    ]);
  });

  it("says once that text is not an object's, and nothing after", () => {
    expect(scan(["[1, 2]", "{}"])).toEqual([{ kind: "unexpected" }]);
    expect(scan(['{"a" 1}'])).toEqual([{ kind: "open" }, { kind: "unexpected" }]);
    expect(scan(['{"a":1 2}'])).toEqual([{ kind: "open" }, { kind: "member", key: "a", valueText: "1" }, { kind: "unexpected" }]);
    expect(scan(["{ }"])).toEqual([{ kind: "open" }, { kind: "close" }]);
  });

  it("finds every member of any object, however the text is cut and spaced", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.constantFrom(undefined, 1, "\t"), fc.array(fc.nat()), (generated, space, positions) => {
        const text = `${JSON.stringify(generated, null, space)}\n\n\n\n`;
        const object = JSON.parse(text) as Record<string, unknown>;
        const events = scan(cutAt(text, positions));
        const members = events.flatMap((event) => (event.kind === "member" ? [[event.key, JSON.parse(event.valueText)] as const] : []));
        expect(members).toEqual(Object.entries(object));
        expect(events[0]).toEqual({ kind: "open" });
        expect(events.at(-1)).toEqual({ kind: "close" });
        // The string chunks of each string value put its body back together.
        let body: string | null = null;
        for (const event of events) {
          if (event.kind === "string-start") body = "";
          else if (event.kind === "string-chunk") body += event.text;
          else if (event.kind === "member" && body !== null) {
            expect(`"${body}"`).toBe(event.valueText);
            body = null;
          }
        }
      }),
    );
  });
});
