import type Anthropic from "@anthropic-ai/sdk";
import { claudeCodeLikeRequest } from "../claude-code-like-request.js";
import type { FigureSpec, Sample } from "./anchor-figures.js";
import type { BenchServer } from "./bench-server.js";
import { timedStream } from "./timed-stream.js";

/** A measurement both servers run, alternately: one run gives a sample of each of its figures. */
export interface Scenario {
  readonly figures: readonly FigureSpec[];
  run(server: BenchServer, run: number): Promise<Record<string, Sample>>;
}

const model = "claude-bench";
/**
 * Greedy sampling in every request: both servers then do the same sampling work and, on the same weights, may
 * produce the same tokens. The SDK's types no longer list `temperature`; both servers still take it.
 */
const greedy = { temperature: 0 } as unknown as Partial<Anthropic.MessageCreateParamsStreaming>;
const filler = "The quick brown fox jumps over the lazy dog while the sun sets slowly behind the distant hills. ";

/** 2600 → "2.6k", 32768 → "32k" (a power-of-two context in binary thousands), 512 → "512". */
export function tokenCount(tokens: number): string {
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}k`;
  return tokens >= 1000 ? `${Number((tokens / 1000).toFixed(1))}k` : String(tokens);
}

/**
 * Filler text of about `tokens` prompt tokens, template included, sized once with `count_tokens` (two probes
 * give the template's overhead and the tokens per sentence). Both servers tokenize with the same vocabulary
 * and template; the results record what each reported.
 */
export class PromptSizer {
  private perSentence: Promise<{ overhead: number; perSentence: number }> | undefined;

  constructor(private readonly client: Anthropic) {}

  async text(tokens: number, nonce: string): Promise<string> {
    this.perSentence ??= this.measure();
    const { overhead, perSentence } = await this.perSentence;
    return `${nonce}\n${filler.repeat(Math.max(1, Math.round((tokens - overhead) / perSentence)))}`;
  }

  private async measure(): Promise<{ overhead: number; perSentence: number }> {
    const count = async (sentences: number) =>
      (await this.client.messages.countTokens({ model, messages: [{ role: "user", content: `probe\n${filler.repeat(sentences)}` }] })).input_tokens;
    const [few, many] = [await count(4), await count(68)];
    const perSentence = (many - few) / 64;
    return { overhead: few - 4 * perSentence, perSentence };
  }
}

/** Decode speed with `contextTokens` of prompt before it; the same prompt every run (prefill is not timed here). */
export function decodeScenario(sizer: PromptSizer, contextTokens: number, decodeTokens: number): Scenario {
  const id = `decode@${contextTokens}`;
  return {
    figures: [{ id, label: `decode, ${tokenCount(contextTokens)} context, ${decodeTokens} out`, unit: "tokens/s", better: "higher" }],
    run: async (server) => {
      const content = await sizer.text(contextTokens, "Decode");
      const timing = await timedStream(server.client, { model, max_tokens: decodeTokens, ...greedy, stream: true, messages: [{ role: "user", content }] });
      return { [id]: { value: timing.decodeTokensPerSecond ?? 0, promptTokens: timing.promptTokens, cachedTokens: timing.cachedTokens, outputTokens: timing.outputTokens } };
    },
  };
}

/** Evaluated prompt tokens per second to the first output, on a prompt no server has seen (a fresh nonce first). */
export function prefillScenario(sizer: PromptSizer, promptTokens: number): Scenario {
  const id = `prefill@${promptTokens}`;
  return {
    figures: [{ id, label: `prefill, ${tokenCount(promptTokens)} prompt`, unit: "tokens/s", better: "higher" }],
    run: async (server, run) => {
      const content = await sizer.text(promptTokens, `Prefill ${server.name} ${run} ${Math.random()}`);
      // Two tokens, not one: llama-server states the prompt's usage only in a stream with a first partial token.
      const timing = await timedStream(server.client, { model, max_tokens: 2, ...greedy, stream: true, messages: [{ role: "user", content }] });
      // Evaluated tokens: the template's opening (its default system prompt) may be reused from an earlier run.
      const evaluated = timing.promptTokens - timing.cachedTokens;
      return { [id]: { value: evaluated / timing.firstOutputSeconds, promptTokens: timing.promptTokens, cachedTokens: timing.cachedTokens, outputTokens: timing.outputTokens } };
    },
  };
}

/**
 * A Claude-Code-like first turn (24 tools, about 20k tokens) on a prompt no server has seen, then its second
 * turn: the same conversation plus a tool call and its result, so a server that keeps the first turn's prefix
 * evaluates only the new part. Time to first output for each.
 */
export function claudeCodeScenario(): Scenario {
  const figures: FigureSpec[] = [
    { id: "claude-code-first-turn", label: "Claude-Code-like first turn, time to first token", unit: "s", better: "lower" },
    { id: "claude-code-second-turn", label: "Claude-Code-like second turn, time to first token", unit: "s", better: "lower" },
  ];
  return {
    figures,
    run: async (server, run) => {
      const base = claudeCodeLikeRequest("What does this project do? Read the entry point first.");
      // The session tag opens the long system prompt, so no earlier run's prefix matches past the billing header.
      const tag = `Session ${server.name}-${run}-${Math.random().toString(16).slice(2, 10)}.`;
      const system = (base.system as Anthropic.TextBlockParam[]).map((block, index) => (index === 1 ? { ...block, text: `${tag} ${block.text}` } : block));
      const first: Anthropic.MessageCreateParamsStreaming = { ...base, system, max_tokens: 2, ...greedy };
      const toolUseId = `toolu_bench_${run}`;
      const second: Anthropic.MessageCreateParamsStreaming = {
        ...first,
        messages: [
          ...first.messages,
          { role: "assistant", content: [{ type: "tool_use", id: toolUseId, name: "Tool1", input: { path: "src/main.ts" } }] },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: toolUseId, content: `export function main() {\n${"  console.log('step');\n".repeat(60)}}\n` },
              { type: "text", text: "Now explain what main does." },
            ],
          },
        ],
      };
      const firstTiming = await timedStream(server.client, first);
      const secondTiming = await timedStream(server.client, second);
      const sample = (timing: typeof firstTiming): Sample => ({
        value: timing.firstOutputSeconds,
        promptTokens: timing.promptTokens,
        cachedTokens: timing.cachedTokens,
        outputTokens: timing.outputTokens,
      });
      return { "claude-code-first-turn": sample(firstTiming), "claude-code-second-turn": sample(secondTiming) };
    },
  };
}

/** `clients` streams at once, each with its own short prompt: output tokens of all per second of wall time. */
export function concurrencyScenario(clients: number, decodeTokens: number): Scenario {
  const id = `aggregate@${clients}`;
  return {
    figures: [{ id, label: `${clients} concurrent request${clients === 1 ? "" : "s"}, ${decodeTokens} out each, aggregate`, unit: "tokens/s", better: "higher" }],
    run: async (server, run) => {
      const started = performance.now();
      const timings = await Promise.all(
        Array.from({ length: clients }, (_, index) =>
          timedStream(server.client, {
            model,
            max_tokens: decodeTokens,
            ...greedy,
            stream: true,
            messages: [{ role: "user", content: `Client ${index}, run ${run}: tell me a long story about the sea and the ships that sail on it.` }],
          }),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      const outputTokens = timings.reduce((sum, timing) => sum + timing.outputTokens, 0);
      const promptTokens = timings.reduce((sum, timing) => sum + timing.promptTokens, 0);
      return { [id]: { value: outputTokens / seconds, promptTokens, outputTokens } };
    },
  };
}

/** A first short request, so neither server's first measured run pays for lazy start-up work. */
export async function warmUp(server: BenchServer): Promise<void> {
  await timedStream(server.client, { model, max_tokens: 4, ...greedy, stream: true, messages: [{ role: "user", content: "Warm up." }] });
}
