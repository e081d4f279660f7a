import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Engine } from "../engine/engine.js";
import { createId, type IdGenerator } from "../util/create-id.js";
import type { PerformanceReadings } from "./metrics/process-metrics.js";
import { ServerMetrics } from "./metrics/server-metrics.js";
import { recordRecentRequests } from "./live/record-recent-requests.js";
import { RecentRequests } from "./live/recent-requests.js";
import { countRequests } from "./metrics/count-requests.js";
import { accessLog } from "./observation/access-log.js";
import { registerRequestObservation } from "./observation/register-request-observation.js";
import { registerChatCompletionsRoute } from "./routes/chat-completions-route.js";
import { registerCountTokensRoute } from "./routes/count-tokens-route.js";
import { registerHealthRoutes } from "./routes/health-route.js";
import { registerMessagesRoute } from "./routes/messages-route.js";
import { registerMetricsRoute } from "./routes/metrics-route.js";
import { registerModelsRoutes } from "./routes/models-route.js";
import { registerPageRoutes } from "./routes/page-route.js";
import { registerStateRoute } from "./routes/state-route.js";
import { setRequestIdHeader } from "./request-id-header.js";
import { hardenedServerOptions } from "./security/hardened-server-options.js";
import { closeConnectionsWhenClosing } from "./close-connections-when-closing.js";
import { registerSecurity } from "./security/register-security.js";
import type { SecurityOptions } from "./security/security-options.js";
import { NotFoundError } from "./server-error.js";
import { speaksOpenAi } from "./speaks-openai.js";
import { toOpenAiError } from "./translate/openai/to-openai-error.js";
import { toServerError } from "./to-server-error.js";

export interface AppOptions {
  readonly engine: Engine;
  /** A pino logger; silent when omitted. */
  readonly logger?: FastifyBaseLogger;
  readonly generateId?: IdGenerator;
  /** Largest accepted request body in bytes. Defaults to 32 MiB, the real API's limit. */
  readonly bodyLimit?: number;
  readonly pingIntervalMs?: number;
  /** A started `PerformanceMonitor`: `/metrics` then reports the process's CPU and memory. Defaults to none. */
  readonly monitor?: PerformanceReadings;
  /** API key, allowed hosts and origins, request timeouts. Defaults to loopback names only, no origins, no key. */
  readonly security?: SecurityOptions;
  /** Put each request's prompt and the model's reply in its access-log line. Off by default: they are private. */
  readonly logPrompts?: boolean;
  /** The monotonic clock, in milliseconds, that times every request for the log and `/metrics`. Defaults to `performance.now`. */
  readonly now?: () => number;
  /** How often the live page's state stream sends. Defaults to 1000 ms. */
  readonly liveIntervalMs?: number;
}

/** The HTTP application: Anthropic's Messages API, and OpenAI's Chat Completions, over an engine. Listening is left to the caller. */
export function createApp(options: AppOptions): FastifyInstance {
  const generateId = options.generateId ?? createId;
  const security = options.security ?? {};
  const app: FastifyInstance = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : { logger: false }),
    // One access-log line per request is written by accessLog, with token counts.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 32 * 1024 * 1024,
    genReqId: () => generateId("req"),
    requestIdHeader: false,
    // Routing ignores the query string (`?beta=true`), and Anthropic's paths are case-sensitive.
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    ...hardenedServerOptions(security, generateId),
  });
  const metrics = new ServerMetrics({ engine: options.engine, monitor: options.monitor });
  const recentRequests = new RecentRequests();
  // First, so that answers given by the security checks on arrival are timed, logged and carry their id too.
  registerRequestObservation(
    app,
    {
      now: options.now ?? (() => performance.now()),
      keepReply: options.logPrompts === true,
      onFirstToken: (milliseconds, upstream) => metrics.requests.observeFirstToken(milliseconds / 1000, upstream),
    },
    [accessLog({ logPrompts: options.logPrompts === true }), countRequests(metrics.requests), recordRecentRequests(recentRequests)],
  );
  app.addHook("onRequest", async (request, reply) => setRequestIdHeader(request, reply));
  closeConnectionsWhenClosing(app);
  registerSecurity(app, security);

  app.setErrorHandler(async (error, request, reply) => {
    const serverError = toServerError(error);
    if (serverError.status >= 500) request.log.error({ err: error }, "request failed");
    if (speaksOpenAi(request)) {
      const answer = toOpenAiError(serverError, error);
      return reply.status(answer.status).headers(answer.headers).send(answer.body);
    }
    return reply.status(serverError.status).headers(serverError.headers).send(serverError.toBody(request.id));
  });
  app.setNotFoundHandler(async (request) => {
    throw new NotFoundError(`Not found: ${request.method} ${request.url.split("?")[0] ?? ""}`);
  });

  registerMetricsRoute(app, metrics);
  const generationRoutes = { engine: options.engine, generateId, pingIntervalMs: options.pingIntervalMs };
  registerMessagesRoute(app, generationRoutes);
  registerChatCompletionsRoute(app, generationRoutes);
  registerCountTokensRoute(app, options.engine);
  registerModelsRoutes(app, options.engine);
  registerHealthRoutes(app, options.engine);
  registerPageRoutes(app);
  registerStateRoute(app, { engine: options.engine, recentRequests, monitor: options.monitor, intervalMs: options.liveIntervalMs });
  return app;
}
