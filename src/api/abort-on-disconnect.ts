import type { FastifyReply } from "fastify";

/** Aborts when the client goes away before the response is complete; an abort is not an error. */
export function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("client disconnected"));
  });
  return controller;
}
