import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toToolChoice } from "../../../src/api/translate/tool-choice.js";
import { toToolDefinitions } from "../../../src/api/translate/tool-definitions.js";
import { InvalidRequestError } from "../../../src/api/server-error.js";
import type { MessagesRequest } from "../../../src/api/wire/messages-request.js";

type ToolParam = NonNullable<MessagesRequest["tools"]>[number];

const read: ToolParam = { name: "Read", input_schema: { type: "object" } };
const search: ToolParam = { name: "web_search", type: "web_search_20250305" };

describe("toToolChoice", () => {
  it("forces a named client tool", () => {
    expect(toToolChoice({ type: "tool", name: "Read" }, [search, read])).toEqual({ type: "tool", name: "Read", disableParallelToolUse: false });
  });

  it("turns a choice naming a server tool into auto: the model is never offered it, so cannot be forced to call it", () => {
    expect(toToolChoice({ type: "tool", name: "web_search", disable_parallel_tool_use: true }, [search, read])).toEqual({
      type: "auto",
      disableParallelToolUse: true,
    });
  });

  it("names only a tool that the engine is given, whatever the tools and the choice (property)", () => {
    const names = fc.constantFrom("a", "b", "web_search");
    const tool = fc.oneof(
      names.map((name): ToolParam => ({ name, input_schema: { type: "object" } })),
      names.map((name): ToolParam => ({ name, type: "web_search_20250305" })),
      names.map((name): ToolParam => ({ name, type: "custom", input_schema: { type: "object" } })),
    );
    fc.assert(
      fc.property(fc.array(tool, { maxLength: 4 }), names, fc.boolean(), (tools, name, disableParallelToolUse) => {
        let definitions: string[];
        let choice: ReturnType<typeof toToolChoice>;
        try {
          definitions = toToolDefinitions(tools).map((definition) => definition.name);
          choice = toToolChoice({ type: "tool", name, disable_parallel_tool_use: disableParallelToolUse }, tools);
        } catch (error) {
          if (error instanceof InvalidRequestError) return;
          throw error;
        }
        if (choice.type === "tool") expect(definitions).toContain(choice.name);
        else expect(choice).toEqual({ type: "auto", disableParallelToolUse });
      }),
      { numRuns: 500 },
    );
  });
});
