import type { FastifyRequest } from "fastify";
import { toAnthropicStopReason } from "../translate/anthropic-event-translator.js";
import type { RequestEndedListener } from "./register-request-observation.js";
import type { RequestObservation } from "./request-observation.js";

export interface AccessLogOptions {
  /** Put each request's prompt and the model's reply in its line (`--log-prompts`). Defaults to `false`. */
  readonly logPrompts?: boolean;
}

/**
 * One `request` line per request, from its ended `RequestObservation`: status, duration, model and, after a
 * generation, token counts, time to first token and stop reason; `client_closed` when the client left first.
 */
export function accessLog(options: AccessLogOptions = {}): RequestEndedListener {
  return (request, reply) => {
    const observation = request.observation;
    request.log.info(
      {
        request_id: request.id,
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        duration_ms: Math.round(observation.durationMs),
        ...(observation.abandoned ? { client_closed: true } : {}),
        ...generationSummary(request, observation),
        ...(options.logPrompts === true ? promptAndReply(request, observation) : {}),
      },
      "request",
    );
  };
}

/** The line's fields for a request's model and, after a generation, its token counts and time to first token. */
function generationSummary(request: FastifyRequest, observation: RequestObservation): Record<string, string | number> {
  const model = (request.body as { model?: unknown } | undefined)?.model;
  const usage = observation.usage;
  const firstTokenMs = observation.firstTokenMs;
  const stopReason = observation.stopReason;
  return {
    ...(typeof model === "string" ? { model } : {}),
    ...(usage === null
      ? {}
      : {
          input_tokens: usage.inputTokens,
          cache_read_input_tokens: usage.cachedInputTokens,
          output_tokens: usage.outputTokens,
          ...(firstTokenMs !== null ? { first_token_ms: Math.round(firstTokenMs) } : {}),
          ...(stopReason !== null ? { stop_reason: toAnthropicStopReason(stopReason) } : {}),
        }),
  };
}

/**
 * For `--log-prompts` only: the request's system prompt and messages as sent, and the reply as generated.
 * Tool definitions are left out; Claude Code's alone are about 80 KB a request.
 */
function promptAndReply(request: FastifyRequest, observation: RequestObservation): Record<string, unknown> {
  const body = request.body as { system?: unknown; messages?: unknown } | undefined;
  if (body === undefined || body === null || typeof body !== "object") return {};
  const reply = observation.reply;
  return {
    // A request without a system prompt has none in the line: JSON leaves out an undefined field.
    prompt: { system: body.system, messages: body.messages },
    ...(reply !== null ? { reply } : {}),
  };
}
