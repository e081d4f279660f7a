import type Anthropic from "@anthropic-ai/sdk";
import { deterministicProse } from "../test/fixtures/deterministic-prose.js";

/**
 * A request shaped like Claude Code's (contract §10): a billing-header system block, a long agent prompt,
 * a mid-conversation system message, and 24 tools with JSON Schema 2020-12 inputs, one with a 21k-character
 * description. About 80k characters in all, about 20k tokens with a real BPE vocabulary.
 */
export function claudeCodeLikeRequest(question: string): Anthropic.MessageCreateParamsStreaming {
  const tools = Array.from({ length: 24 }, (_, index) => ({
    name: `Tool${index}`,
    description: deterministicProse(index + 1, index === 0 ? 21_000 : 1_800),
    input_schema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object" as const,
      additionalProperties: false,
      properties: {
        path: { type: "string", description: deterministicProse(100 + index, 200) },
        limit: { type: "integer", minimum: 0, maximum: 9007199254740991 },
        offset: { type: "integer", exclusiveMinimum: 0, maximum: 9007199254740991 },
        mode: { type: "string", enum: ["fast", "careful"] },
      },
      required: ["path"],
    },
  }));
  return {
    model: "claude-opus-4-8",
    max_tokens: 32000,
    stream: true,
    system: [
      { type: "text", text: `x-anthropic-billing-header: cc_version=2.1.197; cc_entrypoint=cli; cch=${Math.random().toString(16).slice(2, 7)};` },
      { type: "text", text: deterministicProse(7, 6_000), cache_control: { type: "ephemeral" } },
    ],
    tools,
    messages: [
      { role: "user", content: [{ type: "text", text: deterministicProse(9, 1_500) }] },
      { role: "system", content: deterministicProse(8, 6_000) } as unknown as Anthropic.MessageParam,
      { role: "user", content: [{ type: "text", text: question, cache_control: { type: "ephemeral" } }] },
    ],
  };
}
