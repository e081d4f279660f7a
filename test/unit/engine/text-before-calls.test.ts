import { describe, expect, it } from "vitest";
import { TextBeforeCalls } from "../../../src/engine/llama/text-before-calls.js";

describe("TextBeforeCalls", () => {
  const collect = (holds: boolean) => {
    const sent: string[] = [];
    return { sent, text: new TextBeforeCalls((delta) => sent.push(delta), holds) };
  };

  it("holds each chunk's trailing whitespace until more text comes, and sends it then", () => {
    const { sent, text } = collect(true);
    text.add("I will ");
    text.add("\n\n");
    text.add("write it.\n");
    expect(sent).toEqual(["I will", " \n\nwrite it."]);
    text.flush();
    expect(sent.join("")).toBe("I will \n\nwrite it.\n");
  });

  it("drops what waits when a call follows: it was the format's separator", () => {
    const { sent, text } = collect(true);
    text.add("Writing the file.\n\n");
    text.drop();
    text.flush();
    expect(sent).toEqual(["Writing the file."]);
  });

  it("sends what waits before other output", () => {
    const { sent, text } = collect(true);
    text.add("a ");
    text.flush();
    expect(sent).toEqual(["a", " "]);
  });

  it("sends text as it comes when no call can follow", () => {
    const { sent, text } = collect(false);
    text.add("a ");
    text.add("\n");
    expect(sent).toEqual(["a ", "\n"]);
  });
});
