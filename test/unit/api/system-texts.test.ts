import { describe, expect, it } from "vitest";
import { systemMessageText, systemTexts } from "../../../src/api/translate/system-texts.js";
import type { MessageParam } from "../../../src/api/wire/messages-request.js";

/** The system prompt's pieces on their own; how they join into a request is in to-generation-request.test.ts. */
describe("systemTexts", () => {
  it("has no text for no system prompt or an empty string", () => {
    expect(systemTexts(undefined)).toEqual([]);
    expect(systemTexts("")).toEqual([]);
    expect(systemTexts("Be brief.")).toEqual(["Be brief."]);
  });

  it("keeps each non-empty block but the billing header, in order", () => {
    expect(
      systemTexts([
        { type: "text", text: "x-anthropic-billing-header: cc_version=2.1;" },
        { type: "text", text: "One." },
        { type: "text", text: "" },
        { type: "text", text: "Two." },
      ]),
    ).toEqual(["One.", "Two."]);
  });

  it("keeps a block that only mentions the billing header later in its text", () => {
    const text = "Send no x-anthropic-billing-header: values.";
    expect(systemTexts([{ type: "text", text }])).toEqual([text]);
  });

  it("refuses a block that is not text, naming its index", () => {
    expect(() => systemTexts([{ type: "text", text: "One." }, { type: "image" } as never])).toThrow("system.1.type: Input should be 'text'");
  });
});

/** A `system` message of text blocks (the wire type leaves block fields open). */
const systemMessage = (...texts: string[]): MessageParam => ({ role: "system", content: texts.map((text) => ({ type: "text", text })) }) as MessageParam;

describe("systemMessageText", () => {
  it("joins a system message's text blocks as paragraphs, skipping empty ones", () => {
    expect(systemMessageText(systemMessage("# Environment", "", "Agents: a, b."), 0)).toBe("# Environment\n\nAgents: a, b.");
    expect(systemMessageText(systemMessage(""), 0)).toBe("");
    expect(systemMessageText({ role: "system", content: "plain" }, 0)).toBe("plain");
  });
});
