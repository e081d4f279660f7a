import type { FastifyRequest } from "fastify";
import type { GenerationEvent, GenerationUsage } from "../../engine/generation-event.js";

interface GenerationRecord {
  firstTokenMs: number | null;
  usage: GenerationUsage | null;
  readonly startedMs: number;
}

const records = new WeakMap<FastifyRequest, GenerationRecord>();

/** Notes what the access log line needs from a generation: token counts and time to first token. */
export function recordUsage(request: FastifyRequest, event: GenerationEvent): void {
  let record = records.get(request);
  if (record === undefined) {
    record = { firstTokenMs: null, usage: null, startedMs: performance.now() };
    records.set(request, record);
  }
  if (record.firstTokenMs === null && (event.type === "text-delta" || event.type === "thinking-delta" || event.type === "tool-call")) {
    record.firstTokenMs = Math.round(performance.now() - record.startedMs);
  }
  if (event.type === "finish") record.usage = event.usage;
}

export function generationSummary(request: FastifyRequest): Record<string, number> | undefined {
  const record = records.get(request);
  if (record?.usage == null) return undefined;
  return {
    input_tokens: record.usage.inputTokens,
    cache_read_input_tokens: record.usage.cachedInputTokens,
    output_tokens: record.usage.outputTokens,
    ...(record.firstTokenMs !== null ? { first_token_ms: record.firstTokenMs } : {}),
  };
}
