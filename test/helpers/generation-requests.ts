import type { GenerationEvent } from "../../src/engine/generation-event.js";
import type { GenerationRequest } from "../../src/engine/generation-request.js";

/** A one-turn text request straight to the engine (no HTTP): temperature 1 unless given. */
export function textRequest(text: string, maxTokens: number, temperature = 1): GenerationRequest {
  return {
    system: "",
    turns: [{ role: "user", parts: [{ type: "text", text }] }],
    tools: [],
    toolChoice: { type: "auto", disableParallelToolUse: false },
    thinking: { type: "default" },
    maxTokens,
    sampling: { temperature },
    stopSequences: [],
  };
}

export async function collectEvents(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const collected: GenerationEvent[] = [];
  for await (const event of events) collected.push(event);
  return collected;
}
