import Type, { type Static } from "typebox";

/**
 * The shape Fastify validates before a handler runs: strict on the fields whose types clients get wrong,
 * open (additional properties allowed) everywhere the real API grows new fields. Content blocks are checked
 * one by one by the translator, which can name the offending block precisely.
 */
const ContentBlock = Type.Object({ type: Type.String() }, { additionalProperties: true });

const MessageParam = Type.Object(
  {
    role: Type.Union([Type.Literal("user"), Type.Literal("assistant"), Type.Literal("system")]),
    content: Type.Union([Type.String(), Type.Array(ContentBlock)]),
  },
  { additionalProperties: true },
);

const SystemBlock = Type.Object({ type: Type.String(), text: Type.String() }, { additionalProperties: true });

const Tool = Type.Object(
  {
    // The real API's rule; a name with a space would also fail later, inside node-llama-cpp's grammar.
    name: Type.String({ pattern: "^[a-zA-Z0-9_-]{1,128}$" }),
    type: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    input_schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
    strict: Type.Optional(Type.Boolean()),
    defer_loading: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

const ToolChoice = Type.Object(
  {
    type: Type.Union([Type.Literal("auto"), Type.Literal("any"), Type.Literal("tool"), Type.Literal("none")]),
    name: Type.Optional(Type.String()),
    disable_parallel_tool_use: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

/** Structured outputs: `output_config.format` (GA) and the deprecated top-level `output_format`. */
const OutputFormat = Type.Union([Type.Object({ type: Type.String() }, { additionalProperties: true }), Type.Null()]);

const promptFields = {
  model: Type.String({ minLength: 1, maxLength: 512 }),
  messages: Type.Array(MessageParam, { minItems: 1, maxItems: 100_000 }),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(SystemBlock)])),
  tools: Type.Optional(Type.Array(Tool, { maxItems: 1024 })),
  tool_choice: Type.Optional(ToolChoice),
  thinking: Type.Optional(Type.Object({ type: Type.String() }, { additionalProperties: true })),
  output_config: Type.Optional(Type.Object({ format: Type.Optional(OutputFormat) }, { additionalProperties: true })),
  output_format: Type.Optional(OutputFormat),
  mcp_servers: Type.Optional(Type.Array(Type.Unknown())),
};

export const MessagesRequestSchema = Type.Object(
  {
    ...promptFields,
    // Bounded before anything reaches native code, where a count past 2^31 - 1 would wrap.
    max_tokens: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
    stream: Type.Optional(Type.Boolean()),
    stop_sequences: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 64 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_k: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  },
  { additionalProperties: true },
);

export const CountTokensRequestSchema = Type.Object(promptFields, { additionalProperties: true });

export type MessagesRequest = Static<typeof MessagesRequestSchema>;
export type CountTokensRequest = Static<typeof CountTokensRequestSchema>;
export type MessageParam = Static<typeof MessageParam>;
export type ContentBlockParam = Static<typeof ContentBlock> & Record<string, unknown>;
