import Type, { type Static } from "typebox";

/**
 * OpenAI's Chat Completions request as Fastify validates it: strict on the fields whose types clients get wrong,
 * open everywhere OpenAI and the OpenAI-compatible servers (vLLM, llama-server) add fields. Content parts and tool
 * arguments are checked one by one by the translator, which can name the offending part.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
const nullable = <Schema extends Parameters<typeof Type.Union>[0][number]>(schema: Schema) => Type.Union([schema, Type.Null()]);

const ContentPart = Type.Object({ type: Type.String() }, { additionalProperties: true });

const ToolCallParam = Type.Object(
  {
    id: Type.String(),
    type: Type.Optional(Type.String()),
    function: Type.Object({ name: Type.String(), arguments: Type.String() }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

const ChatMessageParam = Type.Object(
  {
    role: Type.Union([Type.Literal("system"), Type.Literal("developer"), Type.Literal("user"), Type.Literal("assistant"), Type.Literal("tool")]),
    content: Type.Optional(nullable(Type.Union([Type.String(), Type.Array(ContentPart)]))),
    tool_calls: Type.Optional(nullable(Type.Array(ToolCallParam))),
    tool_call_id: Type.Optional(Type.String()),
    /** The reasoning of an earlier reply, as vLLM and llama-server send it back. */
    reasoning_content: Type.Optional(nullable(Type.String())),
  },
  { additionalProperties: true },
);

const FunctionTool = Type.Object(
  {
    type: Type.Literal("function"),
    function: Type.Object(
      {
        // OpenAI's rule; a name with a space would also fail later, inside node-llama-cpp's grammar.
        name: Type.String({ pattern: "^[a-zA-Z0-9_-]{1,64}$" }),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
        strict: Type.Optional(nullable(Type.Boolean())),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

const ToolChoice = Type.Union([
  Type.Literal("none"),
  Type.Literal("auto"),
  Type.Literal("required"),
  Type.Object(
    { type: Type.Literal("function"), function: Type.Object({ name: Type.String() }, { additionalProperties: true }) },
    { additionalProperties: true },
  ),
]);

const ResponseFormat = Type.Object(
  {
    type: Type.Union([Type.Literal("text"), Type.Literal("json_object"), Type.Literal("json_schema")]),
    json_schema: Type.Optional(
      Type.Object(
        { name: Type.Optional(Type.String()), schema: Type.Optional(Type.Unknown()), strict: Type.Optional(nullable(Type.Boolean())) },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

// Bounded before anything reaches native code, where a count past 2^31 - 1 would wrap.
const TokenCount = nullable(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }));

export const ChatCompletionsRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 512 }),
    messages: Type.Array(ChatMessageParam, { minItems: 1, maxItems: 100_000 }),
    stream: Type.Optional(nullable(Type.Boolean())),
    stream_options: Type.Optional(nullable(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }))),
    max_tokens: Type.Optional(TokenCount),
    max_completion_tokens: Type.Optional(TokenCount),
    temperature: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 2 }))),
    top_p: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 1 }))),
    seed: Type.Optional(nullable(Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }))),
    n: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: 128 }))),
    stop: Type.Optional(nullable(Type.Union([Type.String({ maxLength: 1024 }), Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 64 })]))),
    tools: Type.Optional(Type.Array(FunctionTool, { maxItems: 1024 })),
    tool_choice: Type.Optional(ToolChoice),
    parallel_tool_calls: Type.Optional(Type.Boolean()),
    response_format: Type.Optional(ResponseFormat),
    reasoning_effort: Type.Optional(nullable(Type.String())),
    /** vLLM's and llama-server's switch for templates with a thinking mode (`enable_thinking: false`). */
    chat_template_kwargs: Type.Optional(Type.Object({ enable_thinking: Type.Optional(Type.Boolean()) }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

export type ChatCompletionsRequest = Static<typeof ChatCompletionsRequestSchema>;
export type ChatMessageParam = Static<typeof ChatMessageParam>;
export type ChatContentPart = Static<typeof ContentPart> & Record<string, unknown>;
export type ChatFunctionTool = Static<typeof FunctionTool>;
