import type { FastifyReply, FastifyRequest } from "fastify";
import { requestIdHeader } from "../request-id-header.js";
import { PermissionError } from "../server-error.js";
import { originOf } from "./origin-of.js";

const headerNamePattern = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/**
 * An `onRequest` hook for browsers. A request that carries an `Origin` not on the allow-list gets 403 before any
 * work: browsers send `Origin` on every cross-site POST, so a drive-by page cannot run a prompt even where no
 * API key is set. Allowed origins get their own origin back (never `*`), and preflights get 204 with no key. The
 * server's own origin, its live page, needs no CORS and is let through.
 */
export function createCorsCheck(origins: readonly string[]): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const allowed = new Set<string>();
  for (const origin of origins) {
    const normalized = originOf(origin);
    if (normalized !== null) allowed.add(normalized);
  }
  return async function corsCheck(request, reply) {
    const header = request.headers.origin;
    if (header === undefined) {
      if (request.method === "OPTIONS") throw new PermissionError("OPTIONS is answered only to CORS preflights from allowed origins.");
      return undefined;
    }
    const origin = originOf(header);
    // The server's own page (the Host check has vouched for the name): browsers send Origin on its POSTs too.
    if (origin !== null && isOwnOrigin(origin, request.headers.host)) return undefined;
    if (origin === null || !allowed.has(origin)) {
      throw new PermissionError(
        `Origin '${origin ?? "null"}' is not allowed: start Pensieve with --cors-origin <origin> to let a web page call it.`,
      );
    }
    // On the raw response, so that streamed replies, written with writeHead after a hijack, carry them too.
    const response = reply.raw;
    response.setHeader("access-control-allow-origin", origin);
    response.setHeader("vary", "Origin");
    response.setHeader("access-control-expose-headers", `${requestIdHeader}, retry-after`);
    if (request.method !== "OPTIONS") return undefined;
    response.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    const requestedHeaders = headerNames(request.headers["access-control-request-headers"]);
    if (requestedHeaders !== "") response.setHeader("access-control-allow-headers", requestedHeaders);
    response.setHeader("access-control-max-age", "600");
    return reply.code(204).send();
  };
}

/** The requested header names that are valid tokens: echoing anything else could break the response. */
function headerNames(value: string | undefined): string {
  return (value ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => headerNamePattern.test(name))
    .join(", ");
}

/** Whether `origin` is this server as the client named it in `Host` (over https too, behind a TLS proxy). */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  return origin === originOf(`http://${host}`) || origin === originOf(`https://${host}`);
}
