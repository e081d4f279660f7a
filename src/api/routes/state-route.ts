import type { FastifyInstance } from "fastify";
import { StateStream, type StateStreamOptions } from "../live/state-stream.js";

/**
 * `GET /api/state`: the live page's Server-Sent Events, one `state` event a second. It passes the same Host,
 * Origin and API-key checks as every API route, so a foreign web page cannot read it. Open streams are ended
 * when the app closes, which would otherwise wait for every page left open.
 */
export function registerStateRoute(app: FastifyInstance, options: StateStreamOptions): void {
  const streams = new Set<StateStream>();
  app.addHook("preClose", async () => {
    for (const stream of [...streams]) stream.end();
  });
  app.get("/api/state", { exposeHeadRoute: false }, async (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "request-id": request.id,
      "x-accel-buffering": "no",
      "x-content-type-options": "nosniff",
    });
    const stream = new StateStream(reply.raw, {
      ...options,
      onError: (error) => {
        request.log.error({ err: error }, "live state failed");
        options.onError?.(error);
      },
    });
    streams.add(stream);
    stream.start(() => streams.delete(stream));
  });
}
