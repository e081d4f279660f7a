import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { decideStopReason } from "../../../src/engine/llama/decide-stop-reason.js";

const plain = { clampedByContext: false, clientLeft: false };

describe("decideStopReason", () => {
  it("maps each way LlamaChat ends to the engine's stop reason", () => {
    expect(decideStopReason({ stopReason: "eogToken" }, plain)).toEqual({ stopReason: "end-turn", stopSequence: null });
    expect(decideStopReason({ stopReason: "stopGenerationTrigger" }, plain)).toEqual({ stopReason: "end-turn", stopSequence: null });
    expect(decideStopReason({ stopReason: "functionCalls" }, plain)).toEqual({ stopReason: "tool-use", stopSequence: null });
    expect(decideStopReason({ stopReason: "maxTokens" }, plain)).toEqual({ stopReason: "max-tokens", stopSequence: null });
  });

  it("says the context ran out when it, not the request, limited the tokens", () => {
    expect(decideStopReason({ stopReason: "maxTokens" }, { ...plain, clampedByContext: true }).stopReason).toBe("context-window-exceeded");
    expect(decideStopReason({ stopReason: "eogToken" }, { ...plain, clampedByContext: true }).stopReason).toBe("end-turn");
  });

  it("names the stop sequence that matched, without its token parts", () => {
    const trigger = ["END", 42 as Token, "HERE"];
    expect(decideStopReason({ stopReason: "customStopTrigger", customStopTrigger: trigger }, plain)).toEqual({
      stopReason: "stop-sequence",
      stopSequence: "ENDHERE",
    });
  });

  it("ends an aborted generation as a turn for a client that left, as cut short for a deadline, stall or shutdown", () => {
    expect(decideStopReason({ stopReason: "abort" }, { ...plain, clientLeft: true }).stopReason).toBe("end-turn");
    expect(decideStopReason({ stopReason: "abort" }, plain).stopReason).toBe("max-tokens");
    expect(decideStopReason({ stopReason: "abort" }, { clampedByContext: true, clientLeft: false }).stopReason).toBe("max-tokens");
  });

  it("never says tool-use while a tool call is still being generated", () => {
    expect(decideStopReason({ stopReason: "functionCalls" }, { ...plain, toolCallCut: true }).stopReason).toBe("max-tokens");
    expect(decideStopReason({ stopReason: "maxTokens" }, { ...plain, toolCallCut: true }).stopReason).toBe("max-tokens");
    expect(decideStopReason({ stopReason: "abort" }, { ...plain, toolCallCut: true }).stopReason).toBe("max-tokens");
    expect(decideStopReason({ stopReason: "abort" }, { ...plain, clientLeft: true, toolCallCut: true }).stopReason).toBe("end-turn");
  });
});
