import type { ServerOptions } from "node:http";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { IdGenerator } from "../../util/create-id.js";
import { setRequestIdHeader } from "../request-id-header.js";
import { toServerError } from "../to-server-error.js";
import { createClientErrorHandler } from "./client-error-handler.js";
import { defaultHeadersTimeoutMs, defaultMaxRequestsPerSocket, defaultRequestTimeoutMs, type SecurityOptions } from "./security-options.js";

export interface HardenedServerOptions {
  readonly requestTimeout: number;
  readonly connectionTimeout: number;
  readonly maxRequestsPerSocket: number;
  readonly http: ServerOptions;
  readonly onProtoPoisoning: "error";
  readonly onConstructorPoisoning: "error";
  readonly clientErrorHandler: ReturnType<typeof createClientErrorHandler>;
  readonly frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;
}

/**
 * The Fastify options that keep one client from holding the server, and every answer in Anthropic's error
 * shape: slow senders are cut off, a keep-alive connection carries a bounded number of requests, bodies that
 * would poison prototypes are refused, and requests that fail before routing (bytes that are not HTTP, a URL
 * that does not decode) get the same JSON as the rest.
 */
export function hardenedServerOptions(options: SecurityOptions, generateId: IdGenerator): HardenedServerOptions {
  const requestTimeout = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(options.headersTimeoutMs ?? defaultHeadersTimeoutMs, requestTimeout);
  return {
    // Both timeouts count while the request arrives and stop once it has: a reply may stream for as long as
    // generation takes. No socket idle timeout either, since a long non-streaming generation writes nothing.
    requestTimeout,
    connectionTimeout: 0,
    // Node counts a connection's requests and writes `Connection: close` on the last; `closeAtRequestLimit` makes
    // it close the connection then too.
    maxRequestsPerSocket: options.maxRequestsPerSocket ?? defaultMaxRequestsPerSocket,
    // Node looks for expired requests every 30 s by default, which would let a slow sender stay that much longer.
    http: {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(10, Math.min(Math.floor(headersTimeout / 4), 30_000)),
      // The Host check answers a missing Host itself, with a 403 in Anthropic's shape rather than Node's bare 400.
      requireHostHeader: false,
    },
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    clientErrorHandler: createClientErrorHandler(generateId),
    // These requests meet no hook, so the request-id header is set here.
    frameworkErrors: (error, request, reply) => {
      const serverError = toServerError(error);
      setRequestIdHeader(request, reply);
      void reply.status(serverError.status).send(serverError.toBody(request.id));
    },
  };
}
