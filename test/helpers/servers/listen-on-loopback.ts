import type { FastifyInstance } from "fastify";

export interface ListeningApp {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  readonly port: number;
  /** Closes the app, cutting idle keep-alive sockets so close does not wait for their timeout. */
  close(): Promise<void>;
}

/** Puts an in-process app (over any engine) on a free loopback port. */
export async function listenOnLoopback(app: FastifyInstance): Promise<ListeningApp> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (typeof address !== "object" || address === null) throw new Error("the app has no address");
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close: async () => {
      // Keep-alive sockets left by aborted client streams would hold close() up to the keep-alive timeout.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
    },
  };
}
