import type { FastifyInstance } from "fastify";
import type { Engine } from "../../engine/engine.js";

/** `GET /health` for probes: it does not wait on the model. */
export function registerHealthRoutes(app: FastifyInstance, engine: Engine): void {
  app.get("/health", async (_request, reply) => {
    const status = engine.status;
    const body = {
      status: status.state,
      model: status.model?.id ?? null,
      ...(status.state === "failed" ? { reason: status.reason } : {}),
    };
    return reply.status(status.state === "ready" ? 200 : 503).send(body);
  });
}
