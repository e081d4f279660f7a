import type { FastifyRequest } from "fastify";

const chatCompletionsRoute = "/v1/chat/completions";
const modelsRoutes: ReadonlySet<string> = new Set(["/v1/models", "/v1/models/:id"]);

/**
 * Whether a request gets OpenAI's shapes (its model list, its error body) rather than Anthropic's. Chat Completions
 * always does. `/v1/models` is shared by both APIs: Anthropic's SDKs and Claude Code always send
 * `anthropic-version` (and `x-api-key`), OpenAI's never do, so a request with either gets Anthropic's list and any
 * other (OpenAI's SDK, curl) OpenAI's, as OpenAI-compatible servers (vLLM, llama-server, Ollama) answer it.
 */
export function speaksOpenAi(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === chatCompletionsRoute) return true;
  if (route === undefined || !modelsRoutes.has(route)) return false;
  return request.headers["anthropic-version"] === undefined && request.headers["x-api-key"] === undefined;
}
