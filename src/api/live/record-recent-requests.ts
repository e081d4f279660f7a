import type { RequestEndedListener } from "../observation/register-request-observation.js";
import { sessionOf } from "../translate/session-of.js";
import { toAnthropicStopReason } from "../translate/anthropic-event-translator.js";
import type { RecentRequests } from "./recent-requests.js";

/** The generation routes whose requests the live page lists. */
const generationRoutes: ReadonlySet<string> = new Set(["/v1/messages", "/v1/chat/completions"]);

/** Lists each ended generation request (either API) on the live page, from its observation: counts and timings, no text. */
export function recordRecentRequests(recentRequests: RecentRequests, now: () => number = Date.now): RequestEndedListener {
  return (request, reply) => {
    if (request.method !== "POST" || !generationRoutes.has(request.routeOptions.url ?? "")) return;
    const observation = request.observation;
    const model = (request.body as { model?: unknown } | undefined)?.model;
    const usage = observation.usage;
    const stopReason = observation.stopReason;
    recentRequests.record({
      endedAt: now(),
      model: typeof model === "string" ? model : null,
      session: sessionOf(request.headers, request.body),
      status: reply.statusCode,
      durationMs: Math.round(observation.durationMs),
      inputTokens: usage?.inputTokens ?? null,
      cachedInputTokens: usage?.cachedInputTokens ?? null,
      outputTokens: usage?.outputTokens ?? null,
      firstTokenMs: observation.firstTokenMs === null ? null : Math.round(observation.firstTokenMs),
      stopReason: stopReason === null ? (observation.abandoned ? "client_closed" : null) : toAnthropicStopReason(stopReason),
    });
  };
}
