import type { FastifyInstance } from "fastify";

/**
 * Lets a closing server exit as soon as its last reply is sent. Fastify closes the keep-alive connections that
 * are idle when `close()` starts, but one whose reply was still streaming then stays open after that reply for
 * the whole keep-alive timeout (72 s): a SIGTERM during a generation held the process that long after its last
 * byte. From `close()` on, each connection is ended once its reply has been sent.
 */
export function closeConnectionsWhenClosing(app: FastifyInstance): void {
  const lifecycle = { closing: false };
  app.addHook("preClose", async () => {
    lifecycle.closing = true;
  });
  app.addHook("onResponse", async (request) => {
    if (lifecycle.closing) request.raw.socket?.end();
  });
}
