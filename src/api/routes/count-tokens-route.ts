import type { FastifyInstance } from "fastify";
import type { Engine } from "../../engine/engine.js";
import { toPromptRequest } from "../translate/to-generation-request.js";
import { CountTokensRequestSchema, type CountTokensRequest } from "../wire/messages-request.js";

/** `POST /v1/messages/count_tokens`: the same prompt rendering as generation, so the counts agree. */
export function registerCountTokensRoute(app: FastifyInstance, engine: Engine): void {
  app.post<{ Body: CountTokensRequest }>(
    "/v1/messages/count_tokens",
    { schema: { body: CountTokensRequestSchema } },
    async (request) => ({ input_tokens: await engine.countTokens(toPromptRequest(request.body)) }),
  );
}
