import { describe, expect, it } from "vitest";
import type { GenerationEvent } from "../../../src/engine/generation-event.js";
import type { ToolDefinition } from "../../../src/engine/generation-request.js";
import { StreamedToolCalls } from "../../../src/engine/tool-input/streamed-tool-calls.js";

const tools: readonly ToolDefinition[] = [
  { name: "Write", description: "", inputSchema: { type: "object", properties: { path: { type: "string" }, text: { type: "string" } } } },
  { name: "Count", description: "", inputSchema: { type: "object", properties: { n: { type: "integer", maximum: 5 } }, required: ["n"] } },
];

function record(eagerInputTools: readonly string[] = []): { calls: StreamedToolCalls; events: GenerationEvent[]; warnings: string[] } {
  const events: GenerationEvent[] = [];
  const warnings: string[] = [];
  const calls = new StreamedToolCalls({ request: { tools, eagerInputTools }, push: (event) => events.push(event), log: (_level, message) => warnings.push(message) });
  return { calls, events, warnings };
}

describe("StreamedToolCalls", () => {
  it("starts a call with its first parameters, streams its input, and ends it with the repaired input", () => {
    const { calls, events } = record();
    calls.addParameters("Count", '{"n": ');
    expect(calls.inProgress).toBe(true);
    calls.addParameters("Count", "9}\n\n\n\n");
    calls.complete("Count", { n: 9 });
    calls.addParameters("Write", '{"path": "a"');
    calls.complete("Write", { path: "a" });
    expect(calls.inProgress).toBe(false);
    expect(events).toEqual([
      { type: "tool-call-start", index: 0, name: "Count" },
      { type: "tool-input-delta", index: 0, text: "{" },
      { type: "tool-input-delta", index: 0, text: '"n":5}' },
      { type: "tool-call", index: 0, name: "Count", input: { n: 5 } },
      { type: "tool-call-start", index: 1, name: "Write" },
      { type: "tool-input-delta", index: 1, text: '{"path":"a"' },
      { type: "tool-input-delta", index: 1, text: "}" },
      { type: "tool-call", index: 1, name: "Write", input: { path: "a" } },
    ]);
  });

  it("streams the string values of the tools named eager as they are generated", () => {
    const { calls, events } = record(["Write"]);
    calls.addParameters("Write", '{"path": "a", "text": "Once');
    calls.addParameters("Write", " upon");
    expect(events.slice(1)).toEqual([
      { type: "tool-input-delta", index: 0, text: '{"path":"a","text":"Once' },
      { type: "tool-input-delta", index: 0, text: " upon" },
    ]);
  });

  it("ends what was sent of a call cut short, with no tool-call; a later cut does nothing", () => {
    const { calls, events } = record();
    calls.addParameters("Write", '{"path": "a", "text": "Once');
    calls.cut();
    calls.cut();
    expect(calls.inProgress).toBe(false);
    expect(events).toEqual([
      { type: "tool-call-start", index: 0, name: "Write" },
      { type: "tool-input-delta", index: 0, text: '{"path":"a"' },
      { type: "tool-input-delta", index: 0, text: "}" },
    ]);
  });

  it("announces a call that arrives without parameters chunks, and warns about input that still breaks its schema", () => {
    const { calls, events, warnings } = record();
    calls.complete("Count", {});
    expect(events).toEqual([
      { type: "tool-call-start", index: 0, name: "Count" },
      { type: "tool-input-delta", index: 0, text: "{}" },
      { type: "tool-call", index: 0, name: "Count", input: {} },
    ]);
    expect(warnings).toEqual(["tool call Count: input: missing required property n"]);
  });
});
