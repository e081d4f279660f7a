import type { FastifyRequest } from "fastify";
import type { GenerationEvent, GenerationUsage, StopReason } from "../../engine/generation-event.js";
import { toAnthropicStopReason } from "../translate/anthropic-event-translator.js";

interface GenerationRecord {
  firstTokenMs: number | null;
  usage: GenerationUsage | null;
  stopReason: StopReason | null;
  readonly startedMs: number;
  /** The reply as generated, kept only when prompts are logged. */
  readonly reply: string[] | null;
}

const records = new WeakMap<FastifyRequest, GenerationRecord>();

/**
 * Notes what the access log line needs from a generation: token counts and time to first token, and with
 * `keepReply` (`--log-prompts`) the reply itself.
 */
export function recordUsage(request: FastifyRequest, event: GenerationEvent, keepReply = false): void {
  let record = records.get(request);
  if (record === undefined) {
    record = { firstTokenMs: null, usage: null, stopReason: null, startedMs: performance.now(), reply: keepReply ? [] : null };
    records.set(request, record);
  }
  if (record.firstTokenMs === null && (event.type === "text-delta" || event.type === "thinking-delta" || event.type === "tool-call")) {
    record.firstTokenMs = Math.round(performance.now() - record.startedMs);
  }
  if (event.type === "text-delta" || event.type === "thinking-delta") record.reply?.push(event.text);
  if (event.type === "tool-call") record.reply?.push(JSON.stringify({ tool_use: event.name, input: event.input }));
  if (event.type === "finish") {
    record.usage = event.usage;
    record.stopReason = event.stopReason;
  }
}

/** The access log's fields for a request: its model and, after a generation, token counts and timings. */
export function generationSummary(request: FastifyRequest): Record<string, string | number> | undefined {
  const model = (request.body as { model?: unknown } | undefined)?.model;
  const record = records.get(request);
  return {
    ...(typeof model === "string" ? { model } : {}),
    ...(record?.usage == null
      ? {}
      : {
          input_tokens: record.usage.inputTokens,
          cache_read_input_tokens: record.usage.cachedInputTokens,
          output_tokens: record.usage.outputTokens,
          ...(record.firstTokenMs !== null ? { first_token_ms: record.firstTokenMs } : {}),
          ...(record.stopReason !== null ? { stop_reason: toAnthropicStopReason(record.stopReason) } : {}),
        }),
  };
}

/**
 * For `--log-prompts` only: the request's system prompt and messages as sent, and the reply as generated.
 * Tool definitions are left out; Claude Code's alone are about 80 KB a request.
 */
export function promptAndReply(request: FastifyRequest): Record<string, unknown> {
  const body = request.body as { system?: unknown; messages?: unknown } | undefined;
  if (body === undefined || body === null || typeof body !== "object") return {};
  const reply = records.get(request)?.reply;
  return {
    prompt: { ...(body.system !== undefined ? { system: body.system } : {}), messages: body.messages },
    ...(reply != null ? { reply: reply.join("") } : {}),
  };
}
