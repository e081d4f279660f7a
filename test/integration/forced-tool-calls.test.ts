import {
  AlpacaChatWrapper,
  ChatMLChatWrapper,
  DeepSeekChatWrapper,
  FalconChatWrapper,
  FunctionaryChatWrapper,
  GemmaChatWrapper,
  GeneralChatWrapper,
  getLlama,
  HarmonyChatWrapper,
  Llama2ChatWrapper,
  Llama3_1ChatWrapper,
  Llama3_2LightweightChatWrapper,
  Llama3ChatWrapper,
  LlamaChat,
  LlamaLogLevel,
  LlamaText,
  MistralChatWrapper,
  MuseChatWrapper,
  QwenChatWrapper,
  resolveChatWrapper,
  SeedChatWrapper,
  TokenBias,
  type ChatHistoryItem,
  type ChatModelFunctions,
  type ChatWrapper,
  type GbnfJsonObjectSchema,
  type Llama,
  type LlamaChatResponse,
  type LlamaContext,
  type LlamaModel,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ToolChoice, ToolDefinition } from "../../src/engine/generation-request.js";
import { planToolCalls } from "../../src/engine/llama/plan-tool-calls.js";
import { checkToolInput } from "../../src/engine/tool-schema/check-tool-input.js";
import { repairToolInput } from "../../src/engine/tool-schema/repair-tool-input.js";
import { toGrammarSchema } from "../../src/engine/tool-schema/to-grammar-schema.js";
import { skipWithoutSharedVocabulary, testModelPath, type TestModelKind } from "../helpers/test-models.js";

/*
 * These tests drive node-llama-cpp's LlamaChat directly, not through LlamaEngine: they run every chat wrapper
 * node-llama-cpp ships (the engine serves one per model), bias tokens to make a random model start a call, and
 * read LlamaChat's own parsed function calls, none of which the engine exposes. What they check is that
 * `planToolCalls` and the tool schemas work with each wrapper at that level.
 */

// Two cores, two test files at once: one thread each, small contexts.
const threads = 1;
const contextSize = 2048;
const maxSafe = 9007199254740991;

/**
 * Claude Code-style schemas. Random weights never close a free string in a 150k-token vocabulary, so the
 * strings here are enums; the numbers carry Claude Code's bounds, which the grammar cannot enforce.
 */
const tools: readonly ToolDefinition[] = [
  {
    name: "Read",
    description: "Reads a file from the local filesystem.",
    inputSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        mode: { type: "string", enum: ["text", "binary"], description: "How to read" },
        offset: { type: "integer", minimum: 0, maximum: maxSafe, description: "The line number to start reading from" },
        limit: { type: "integer", exclusiveMinimum: 0, maximum: maxSafe, description: "The number of lines to read" },
      },
      required: ["mode"],
      additionalProperties: false,
    },
  },
  {
    name: "TaskOutput",
    description: "Gets the output of a background task.",
    inputSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        block: { type: "boolean", default: true, description: "Whether to wait for completion" },
        timeout: { type: "number", default: 30000, minimum: 0, maximum: 600000, description: "Max wait time in ms" },
      },
      required: ["block", "timeout"],
      additionalProperties: false,
    },
  },
];
const toolNames = tools.map((tool) => tool.name);
const history: ChatHistoryItem[] = [
  { type: "system", text: "You are a coding assistant." },
  { type: "user", text: "Read the file, please." },
];
const openResponse: ChatHistoryItem = { type: "model", response: [] };

let llama: Llama;
beforeAll(async () => {
  llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
});
afterAll(async () => {
  await llama?.dispose();
});

type VocabularyName = "qwen2" | "llama-bpe" | "phi-3" | "gemma-4";

const vocabularyModels: Readonly<Record<VocabularyName, TestModelKind>> = {
  qwen2: "tiny-qwen2-vocab",
  "llama-bpe": "tiny-llama-bpe-vocab",
  "phi-3": "tiny-phi-3-vocab",
  "gemma-4": "tiny-gemma-4-vocab",
};

interface LoadedModel {
  readonly model: LlamaModel;
  readonly context: LlamaContext;
}

async function loadModel(modelPath: string): Promise<LoadedModel> {
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize, threads });
  return { model, context };
}

async function unload(loaded: LoadedModel | undefined): Promise<void> {
  await loaded?.context.dispose();
  await loaded?.model.dispose();
}

interface GenerateOptions {
  readonly tokenBias?: () => TokenBias;
  readonly maxTokens?: number;
}

/** One generation the way the engine runs it: `planToolCalls` decides wrapper, functions and parallelism. */
async function generate(
  loaded: LoadedModel,
  chatWrapper: ChatWrapper,
  toolChoice: ToolChoice,
  options: GenerateOptions = {},
): Promise<LlamaChatResponse<ChatModelFunctions>> {
  const plan = planToolCalls({ tools, toolChoice }, chatWrapper);
  const chat = new LlamaChat({ contextSequence: loaded.context.getSequence(), chatWrapper: plan.chatWrapper });
  try {
    return await chat.generateResponse([...history, openResponse], {
      maxTokens: options.maxTokens ?? 256,
      temperature: 0.8,
      seed: 7,
      repeatPenalty: false,
      ...(plan.functions === undefined ? {} : { functions: plan.functions }),
      ...(plan.maxParallelFunctionCalls === undefined ? {} : { maxParallelFunctionCalls: plan.maxParallelFunctionCalls }),
      ...(options.tokenBias === undefined ? {} : { tokenBias: options.tokenBias }),
    });
  } finally {
    chat.dispose({ disposeSequence: true });
  }
}

/** The call exists, names one of `names`, and its input validates against the tool's own schema once repaired. */
function expectValidCalls(result: LlamaChatResponse<ChatModelFunctions>, names: readonly string[]): void {
  expect(result.functionCalls?.length ?? 0).toBeGreaterThan(0);
  for (const call of result.functionCalls ?? []) {
    expect(names).toContain(call.functionName);
    const schema = tools.find((tool) => tool.name === call.functionName)?.inputSchema;
    const input = repairToolInput(schema, call.params);
    expect(checkToolInput(schema, input)).toEqual([]);
  }
}

/**
 * A random model never starts a call on its own, so make it: bias each step towards the next token of the text
 * that opens a call in this wrapper's format (a prefix trigger for Harmony, else section prefix + call prefix).
 * Everything after that (name, arguments, parsing) is LlamaChat's own tool-choice-auto path.
 */
function scriptCallStart(model: LlamaModel, chatWrapper: ChatWrapper): () => TokenBias {
  const plan = planToolCalls({ tools, toolChoice: { type: "auto", disableParallelToolUse: true } }, chatWrapper);
  const state = chatWrapper.generateContextState({
    chatHistory: [...history, openResponse],
    ...(plan.functions === undefined ? {} : { availableFunctions: plan.functions }),
  });
  const trigger = state.prefixTriggers?.find((candidate) => candidate.type === "functionCall");
  const settings = chatWrapper.settings.functions;
  const start = trigger?.triggers[0] ?? LlamaText([settings.parallelism?.call.sectionPrefix ?? "", settings.call.prefix]);
  const tokens = LlamaText(start).tokenize(model.tokenizer, "trimLeadingSpace");
  let step = 0;
  return () => {
    const bias = new TokenBias(model.tokenizer);
    const next = tokens[step];
    step += 1;
    if (next !== undefined) bias.set(next, { logit: 1000 });
    return bias;
  };
}

const any: ToolChoice = { type: "any", disableParallelToolUse: true };
const taskOutputOnly: ToolChoice = { type: "tool", name: "TaskOutput", disableParallelToolUse: true };
const auto: ToolChoice = { type: "auto", disableParallelToolUse: true };

describe("the tool schemas compile into llama.cpp grammars", () => {
  it("every test tool and a Claude Code-shaped schema", async () => {
    const workflow = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        script: { type: "string", maxLength: 524288 },
        args: { description: "any JSON value" },
        resumeFromRunId: { type: "string", pattern: "^wf_[a-z0-9-]{6,}$" },
        metadata: { type: "object", propertyNames: { type: "string" }, additionalProperties: {} },
        status: { anyOf: [{ type: "string", enum: ["pending", "completed"] }, { type: "string", const: "deleted" }] },
        url: { type: "string", format: "uri" },
        findings: { type: "array", maxItems: 32, items: { type: "object", properties: { line: { type: "integer" } }, required: ["line"] } },
      },
      additionalProperties: false,
    };
    for (const [index, schema] of [...tools.map((tool) => tool.inputSchema), workflow].entries()) {
      // The root of a converted tool schema is always an object schema.
      const grammarSchema = toGrammarSchema(schema, `tools.${index}.input_schema`) as GbnfJsonObjectSchema;
      const grammar = await llama.createGrammarForJsonSchema(grammarSchema);
      expect(grammar.grammar.length).toBeGreaterThan(0);
    }
  });
});

interface ModelCase {
  readonly label: string;
  readonly vocabulary: VocabularyName | "builtin";
  /** `resolveChatWrapper(model).wrapperName` for this generated model. */
  readonly resolvedWrapper: string;
  /** Wrappers of real models that use this vocabulary, checked besides the resolved one. */
  readonly familyWrappers: Readonly<Record<string, () => ChatWrapper>>;
  /** The resolved wrapper's calls are per-argument: generated by the engine's own loop, not LlamaChat's (per-argument-calls.test.ts). */
  readonly resolvedPerArgument?: true;
}

const modelCases: readonly ModelCase[] = [
  { label: "built-in vocabulary", vocabulary: "builtin", resolvedWrapper: "ChatML", familyWrappers: {} },
  { label: "qwen2 vocabulary", vocabulary: "qwen2", resolvedWrapper: "ChatML", familyWrappers: { Qwen: () => new QwenChatWrapper() } },
  {
    label: "llama-bpe vocabulary",
    vocabulary: "llama-bpe",
    // The vocabulary file has no chat template: node-llama-cpp falls back on the file name, then the
    // architecture ("llama" → General). A file named `…-llama-….gguf` would get Llama2Chat instead.
    resolvedWrapper: "General",
    familyWrappers: {
      "Llama 3.1": () => new Llama3_1ChatWrapper(),
      "Llama 3.2 lightweight": () => new Llama3_2LightweightChatWrapper(),
      "Llama 3": () => new Llama3ChatWrapper(),
      Functionary: () => new FunctionaryChatWrapper(),
    },
  },
  { label: "phi-3 vocabulary", vocabulary: "phi-3", resolvedWrapper: "JinjaTemplate", familyWrappers: {} },
  { label: "gemma-4 vocabulary", vocabulary: "gemma-4", resolvedWrapper: "Gemma 4", familyWrappers: { Gemma: () => new GemmaChatWrapper() }, resolvedPerArgument: true },
];

describe.each(modelCases)("forced tool calls on a random model with the $label", (modelCase) => {
  // Outside CI a fresh clone without ../shared skips these; in CI they run, and fail on the missing file.
  const vocabularyMissing = modelCase.vocabulary !== "builtin" && skipWithoutSharedVocabulary(modelCase.vocabulary);
  let loaded: LoadedModel | undefined;
  const ready = (): LoadedModel => {
    if (loaded === undefined) throw new Error("model not loaded");
    return loaded;
  };

  beforeAll(async () => {
    if (vocabularyMissing) return;
    loaded = await loadModel(await testModelPath(modelCase.vocabulary === "builtin" ? "tiny" : vocabularyModels[modelCase.vocabulary]));
  });
  afterAll(async () => {
    await unload(loaded);
  });

  const wrappers: Record<string, () => ChatWrapper> = {
    ...(modelCase.resolvedPerArgument === true ? {} : { resolved: () => resolveChatWrapper(ready().model) }),
    ...modelCase.familyWrappers,
  };

  it.skipIf(vocabularyMissing)(`resolves the ${modelCase.resolvedWrapper} wrapper`, () => {
    expect(resolveChatWrapper(ready().model).wrapperName).toBe(modelCase.resolvedWrapper);
  });

  describe.each(Object.keys(wrappers))("with the %s wrapper", (wrapperKey) => {
    const wrapper = (): ChatWrapper => {
      const create = wrappers[wrapperKey];
      if (create === undefined) throw new Error(wrapperKey);
      return create();
    };

    it.skipIf(vocabularyMissing)("tool_choice any: one call to a listed tool, input valid after repair", async () => {
      const result = await generate(ready(), wrapper(), any);
      expect(result.metadata.stopReason).toBe("functionCalls");
      expect(result.functionCalls).toHaveLength(1);
      expectValidCalls(result, toolNames);
    });

    it.skipIf(vocabularyMissing)("tool_choice tool: the call is to the named tool", async () => {
      const result = await generate(ready(), wrapper(), taskOutputOnly);
      expect(result.metadata.stopReason).toBe("functionCalls");
      expect(result.functionCalls?.map((call) => call.functionName)).toEqual(["TaskOutput"]);
      expectValidCalls(result, ["TaskOutput"]);
    });

    it.skipIf(vocabularyMissing)("tool_choice auto: LlamaChat parses a call the model starts itself", async () => {
      const result = await generate(ready(), wrapper(), auto, { tokenBias: scriptCallStart(ready().model, wrapper()) });
      expectValidCalls(result, toolNames);
    });
  });
});

describe("forced tool calls with every specialised chat wrapper (built-in vocabulary)", () => {
  let loaded: LoadedModel | undefined;
  beforeAll(async () => {
    loaded = await loadModel(await testModelPath("tiny"));
  });
  afterAll(async () => {
    await unload(loaded);
  });
  const ready = (): LoadedModel => {
    if (loaded === undefined) throw new Error("model not loaded");
    return loaded;
  };

  const wrappers: Record<string, () => ChatWrapper> = {
    "Qwen (thoughts auto)": () => new QwenChatWrapper({ thoughts: "auto" }),
    // Qwen 3.5's and Gemma 4's calls are per-argument: generated by the engine's own loop, not LlamaChat's (per-argument-calls.test.ts).
    "Llama 3.1": () => new Llama3_1ChatWrapper(),
    "Llama 3.2 lightweight": () => new Llama3_2LightweightChatWrapper(),
    "Llama 3": () => new Llama3ChatWrapper(),
    "Llama 2": () => new Llama2ChatWrapper(),
    Mistral: () => new MistralChatWrapper(),
    "Functionary v3": () => new FunctionaryChatWrapper({ variation: "v3" }),
    "Functionary v2": () => new FunctionaryChatWrapper({ variation: "v2" }),
    "Functionary v2.llama3": () => new FunctionaryChatWrapper({ variation: "v2.llama3" }),
    Harmony: () => new HarmonyChatWrapper(),
    Seed: () => new SeedChatWrapper(),
    DeepSeek: () => new DeepSeekChatWrapper(),
    Gemma: () => new GemmaChatWrapper(),
    General: () => new GeneralChatWrapper(),
    Alpaca: () => new AlpacaChatWrapper(),
    Falcon: () => new FalconChatWrapper(),
    Muse: () => new MuseChatWrapper(),
    ChatML: () => new ChatMLChatWrapper(),
  };

  it.each(Object.keys(wrappers))("%s: any, tool and auto calls all parse and validate", async (name) => {
    const create = wrappers[name];
    if (create === undefined) throw new Error(name);
    const anyResult = await generate(ready(), create(), any);
    expect(anyResult.metadata.stopReason).toBe("functionCalls");
    expectValidCalls(anyResult, toolNames);
    // A forced call comes first: no thought segment is opened before it (Qwen's thoughts: "auto").
    expect(anyResult.fullResponse.filter((item) => typeof item !== "string")).toEqual([]);

    const toolResult = await generate(ready(), create(), taskOutputOnly);
    expect(toolResult.functionCalls?.map((call) => call.functionName)).toEqual(["TaskOutput"]);
    expectValidCalls(toolResult, ["TaskOutput"]);

    const autoResult = await generate(ready(), create(), auto, { tokenBias: scriptCallStart(ready().model, create()) });
    expectValidCalls(autoResult, toolNames);
  });

  it("without disable_parallel_tool_use a wrapper with parallel calls may make several, all valid", async () => {
    const result = await generate(ready(), new QwenChatWrapper(), { type: "any", disableParallelToolUse: false }, { maxTokens: 200 });
    expectValidCalls(result, toolNames);
  });

  it("tool_choice tool documents every tool and renders the same prompt as auto (prefix cache stays warm)", () => {
    const chatWrapper = new ChatMLChatWrapper();
    const render = (toolChoice: ToolChoice): string => {
      const plan = planToolCalls({ tools, toolChoice }, chatWrapper);
      return plan.chatWrapper
        .generateContextState({
          chatHistory: [...history, openResponse],
          ...(plan.functions === undefined ? {} : { availableFunctions: plan.functions }),
        })
        .contextText.toString();
    };
    const forcedPrompt = render(taskOutputOnly);
    expect(forcedPrompt).toContain("function Read(");
    expect(forcedPrompt).toContain("function TaskOutput(");
    expect(forcedPrompt).toBe(render(auto));
  });

  it("tool_choice none passes no functions: no tool docs in the prompt and no call", async () => {
    const plan = planToolCalls({ tools, toolChoice: { type: "none" } }, new ChatMLChatWrapper());
    expect(plan.functions).toBeUndefined();
    const prompt = plan.chatWrapper.generateContextState({ chatHistory: [...history, openResponse] }).contextText.toString();
    expect(prompt).not.toContain("function Read(");
    const result = await generate(ready(), new ChatMLChatWrapper(), { type: "none" }, { maxTokens: 16 });
    expect(result.functionCalls ?? []).toEqual([]);
  });
});
