import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { AuthenticationError } from "../server-error.js";

/**
 * Probes, Claude Code's connectivity check and the live page's own files answer without a key: they reveal
 * nothing and start no work (a browser cannot send a key when it loads a page; the page sends it to the API).
 */
const publicRoutes = new Set(["HEAD /", "GET /", "GET /page/:file", "HEAD /page/:file", "GET /health", "HEAD /health"]);

/**
 * An `onRequest` hook that answers 401 unless the request carries the key, in `x-api-key` or, when that is
 * absent, `Authorization: Bearer`. The messages are the real API's, which Claude Code matches exactly.
 */
export function createApiKeyCheck(apiKey: string): (request: FastifyRequest) => Promise<void> {
  if (apiKey === "") throw new Error("The API key must not be empty.");
  const expected = digest(apiKey);
  return async function apiKeyCheck(request) {
    if (publicRoutes.has(`${request.method} ${request.routeOptions.url ?? ""}`)) return;
    const given = presentedKey(request);
    if (given === undefined) throw new AuthenticationError("x-api-key header is required");
    // Hashing first makes both sides 32 bytes, as timingSafeEqual needs, and hides the key's length.
    if (given === null || !timingSafeEqual(digest(given), expected)) throw new AuthenticationError("invalid x-api-key");
  };
}

/** The key the client sent: `undefined` when it sent none, `null` when `Authorization` is not a Bearer token. */
function presentedKey(request: FastifyRequest): string | null | undefined {
  const apiKey = request.headers["x-api-key"];
  if (apiKey !== undefined) return apiKey.toString();
  const authorization = request.headers.authorization;
  if (authorization === undefined) return undefined;
  return /^bearer\s+(.*)$/i.exec(authorization)?.[1]?.trim() ?? null;
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
