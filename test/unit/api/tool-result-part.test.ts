import { describe, expect, it } from "vitest";
import { referencedToolNames, toolResultPart, type ToolsByName } from "../../../src/api/translate/tool-result-part.js";
import type { ContentBlockParam } from "../../../src/api/wire/messages-request.js";

/** A tool result read on its own; the request-level cases are in to-generation-request-edges.test.ts. */
const cron = { name: "CronCreate", description: "Schedule a job", input_schema: { type: "object", properties: { when: { type: "string" } } } };
const bare = { name: "Ping", input_schema: { type: "object" } };
const tools: ToolsByName = new Map([
  [cron.name, cron],
  [bare.name, bare],
]);
const field = "messages.2.content.0";

/** The text a tool result with `block`'s fields folds its content into. */
function resultOf(block: Record<string, unknown>): string {
  const part = toolResultPart({ type: "tool_result", tool_use_id: "toolu_1", ...block } as ContentBlockParam, field, tools);
  if (part.type !== "tool-result") throw new Error(`expected a tool result, got ${part.type}`);
  return part.content;
}

function refusal(block: Record<string, unknown>): string {
  try {
    toolResultPart({ type: "tool_result", ...block } as ContentBlockParam, field, tools);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the tool result was accepted");
}

describe("toolResultPart", () => {
  it("refuses a result without a tool_use_id, or with an empty or non-string one", () => {
    for (const id of [undefined, "", 7]) {
      expect(refusal({ tool_use_id: id, content: "x" })).toBe(`${field}.tool_use_id: Field required`);
    }
  });

  it("drops empty blocks from the joined text, so no blank paragraphs appear", () => {
    expect(resultOf({ content: [{ type: "text", text: "" }, { type: "text", text: "one" }, { type: "text", text: "" }, { type: "text", text: "two" }] })).toBe(
      "one\n\ntwo",
    );
    expect(resultOf({ content: [{ type: "text", text: "" }] })).toBe("");
  });

  it("refuses a null block in the content, naming it", () => {
    expect(refusal({ tool_use_id: "toolu_1", content: [{ type: "text", text: "ok" }, null] })).toBe(`${field}.content.1: Input should be a valid dictionary`);
  });

  it("turns a tool_reference into the named tool's definition, with an empty description when the tool has none", () => {
    expect(resultOf({ content: [{ type: "tool_reference", tool_name: "Ping" }] })).toBe(
      JSON.stringify({ name: "Ping", description: "", input_schema: { type: "object" } }),
    );
    expect(resultOf({ content: [{ type: "text", text: "Loaded:" }, { type: "tool_reference", tool_name: "CronCreate" }] })).toBe(
      `Loaded:\n\n${JSON.stringify({ name: "CronCreate", description: "Schedule a job", input_schema: cron.input_schema })}`,
    );
  });

  it("refuses a tool_reference without a tool name, or with an empty or non-string one", () => {
    for (const name of [undefined, "", 3]) {
      expect(refusal({ tool_use_id: "toolu_1", content: [{ type: "tool_reference", tool_name: name }] })).toBe(`${field}.content.0.tool_name: Field required`);
    }
  });
});

describe("toolResultPart: content and flags", () => {
  it("keeps the call's id and whether the tool failed", () => {
    const failed = toolResultPart({ type: "tool_result", tool_use_id: "toolu_9", content: "boom", is_error: true } as ContentBlockParam, field, tools);
    expect(failed).toEqual({ type: "tool-result", toolCallId: "toolu_9", content: "boom", isError: true });
    for (const flag of [undefined, false, "true"]) {
      const part = toolResultPart({ type: "tool_result", tool_use_id: "toolu_9", content: "ok", is_error: flag } as ContentBlockParam, field, tools);
      expect(part).toMatchObject({ isError: false });
    }
  });

  it("reads no content as empty and a string as itself", () => {
    expect(resultOf({})).toBe("");
    expect(resultOf({ content: null })).toBe("");
    expect(resultOf({ content: "plain" })).toBe("plain");
  });

  it("refuses content that is neither a string nor a list", () => {
    for (const content of [5, { type: "text", text: "x" }]) {
      expect(refusal({ tool_use_id: "toolu_1", content })).toBe(`${field}.content: Input should be a valid string or a valid list`);
    }
  });

  it("refuses a block that is not an object, an image, and a block type a tool result cannot hold", () => {
    expect(refusal({ tool_use_id: "toolu_1", content: ["text"] })).toBe(`${field}.content.0: Input should be a valid dictionary`);
    expect(refusal({ tool_use_id: "toolu_1", content: [{ type: "image", source: {} }] })).toBe(`${field}.content.0: this model does not support image input`);
    expect(refusal({ tool_use_id: "toolu_1", content: [{ type: "tool_use", id: "x" }] })).toBe(
      `${field}.content.0.type: unsupported content block type 'tool_use' in a tool result`,
    );
  });

  it("folds text documents and search results into the text, with their titles", () => {
    const document = { type: "document", title: "notes.md", source: { type: "text", media_type: "text/plain", data: "Line." } };
    const searchResult = { type: "search_result", title: "Docs", source: "https://x", content: [{ type: "text", text: "Found." }] };
    expect(resultOf({ content: [document, searchResult] })).toBe("notes.md\n\nLine.\n\nDocs\n\nFound.");
  });

  it("refuses a tool_reference to a tool the request does not have", () => {
    expect(refusal({ tool_use_id: "toolu_1", content: [{ type: "tool_reference", tool_name: "Missing" }] })).toBe(
      `${field}.content.0.tool_name: no client tool named 'Missing' in 'tools'`,
    );
  });

  it("writes a tool_reference's missing input schema as an empty object", () => {
    const schemaless: ToolsByName = new Map([["Bare", { name: "Bare" } as never]]);
    const part = toolResultPart({ type: "tool_result", tool_use_id: "t", content: [{ type: "tool_reference", tool_name: "Bare" }] } as ContentBlockParam, field, schemaless);
    expect(part).toMatchObject({ content: JSON.stringify({ name: "Bare", description: "", input_schema: {} }) });
  });
});

describe("referencedToolNames", () => {
  it("finds nothing in a string message or one without tool results", () => {
    expect(referencedToolNames("select:CronCreate")).toEqual([]);
    expect(referencedToolNames(undefined)).toEqual([]);
    expect(referencedToolNames([{ type: "text", text: "CronCreate" }, null])).toEqual([]);
  });

  it("finds only the tool_reference blocks inside tool results, in order", () => {
    expect(
      referencedToolNames([
        null,
        { type: "text", content: [{ type: "tool_reference", tool_name: "NotInAResult" }] },
        { type: "tool_result", tool_use_id: "toolu_1", content: "CronCreate" },
        {
          type: "tool_result",
          tool_use_id: "toolu_2",
          content: [null, { type: "text", text: "x", tool_name: "NotAReference" }, { type: "tool_reference", tool_name: 5 }, { type: "tool_reference", tool_name: "CronCreate" }],
        },
        { type: "tool_result", tool_use_id: "toolu_3", content: [{ type: "tool_reference", tool_name: "Ping" }] },
      ]),
    ).toEqual(["CronCreate", "Ping"]);
  });
});
