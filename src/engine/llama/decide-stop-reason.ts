import type { LlamaChatResponse, Token } from "node-llama-cpp";
import type { StopReason } from "../generation-event.js";

/**
 * How a generation ended, in node-llama-cpp's words: LlamaChat's result, or `abort` for a generation stopped
 * before LlamaChat ran (during its prompt) and `maxTokens` for one with no token to generate.
 */
export type ChatEnding = LlamaChatResponse["metadata"];

export interface StopDecision {
  readonly stopReason: StopReason;
  /** The stop sequence that matched, for `stop-sequence`. */
  readonly stopSequence: string | null;
}

export interface StopCircumstances {
  /** The context had less room than the request's `maxTokens`, so the generation was given less. */
  readonly clampedByContext: boolean;
  /** The client went away. */
  readonly clientLeft: boolean;
  /** A tool call was still being generated: the reply must not say `tool-use`. Defaults to `false`. */
  readonly toolCallCut?: boolean;
}

/** The one place a generation's stop reason is decided. */
export function decideStopReason(ending: ChatEnding, circumstances: StopCircumstances): StopDecision {
  const decision = decideFromEnding(ending, circumstances);
  // node-llama-cpp reports `functionCalls` only once every call is complete; this keeps a cut call from ever
  // reading as one to run, whatever the ending.
  return circumstances.toolCallCut === true && decision.stopReason === "tool-use" ? stoppedBy("max-tokens") : decision;
}

function decideFromEnding(ending: ChatEnding, circumstances: StopCircumstances): StopDecision {
  switch (ending.stopReason) {
    case "abort":
      // A client that left gets nothing more; a deadline, a stall or a shutdown ends the reply cleanly, as if cut short.
      return stoppedBy(circumstances.clientLeft ? "end-turn" : "max-tokens");
    case "customStopTrigger":
      return { stopReason: "stop-sequence", stopSequence: joinTrigger(ending.customStopTrigger) };
    case "functionCalls":
      return stoppedBy("tool-use");
    case "maxTokens":
      return stoppedBy(circumstances.clampedByContext ? "context-window-exceeded" : "max-tokens");
    case "eogToken":
    case "stopGenerationTrigger":
      return stoppedBy("end-turn");
  }
}

function stoppedBy(stopReason: StopReason): StopDecision {
  return { stopReason, stopSequence: null };
}

function joinTrigger(trigger: readonly (string | Token)[]): string {
  return trigger.filter((part): part is string => typeof part === "string").join("");
}
