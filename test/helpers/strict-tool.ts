import type Anthropic from "@anthropic-ai/sdk";

/**
 * A client tool whose input must hold every one of `properties` and nothing else (`required` lists them all,
 * `additionalProperties: false`), as Claude Code declares its tools.
 */
export function strictTool(name: string, description: string, properties: Record<string, unknown>): Anthropic.Tool {
  return { name, description, input_schema: { type: "object", properties, required: Object.keys(properties), additionalProperties: false } };
}
