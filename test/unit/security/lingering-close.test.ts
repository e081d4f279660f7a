import { once } from "node:events";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LingeringClose, type LingerLimits } from "../../../src/api/security/lingering-close.js";

/** On plain loopback sockets; what it does for HTTP answers is in test/integration/security-sockets.test.ts. */
describe("LingeringClose", () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  /** A server socket answered and closing in stages (destroySoon called, as Node's HTTP server would), and its client. */
  async function lingeringPair(limits: Partial<LingerLimits>): Promise<{ lingeringClose: LingeringClose; server: net.Socket; client: net.Socket; clientErrors: string[] }> {
    const listener = net.createServer({ allowHalfOpen: true });
    servers.push(listener);
    listener.listen(0, "127.0.0.1");
    await once(listener, "listening");
    const address = listener.address() as net.AddressInfo;
    const accepted = once(listener, "connection") as Promise<[net.Socket]>;
    // A client that may go on sending after the server has closed its side, as one still uploading a body would.
    const client = net.connect({ port: address.port, host: "127.0.0.1", allowHalfOpen: true });
    const clientErrors: string[] = [];
    client.on("error", (error: NodeJS.ErrnoException) => clientErrors.push(error.code ?? error.message));
    const [server] = await accepted;
    const lingeringClose = new LingeringClose(limits);
    lingeringClose.lingerOn(server);
    expect(lingeringClose.isClosing(server)).toBe(true);
    server.write("answer");
    server.destroySoon();
    return { lingeringClose, server, client, clientErrors };
  }

  it("half-closes after the answer, reads on, and closes when the client closes its side", async () => {
    const { lingeringClose, server, client, clientErrors } = await lingeringPair({ idleMs: 60_000 });
    const received: Buffer[] = [];
    client.on("data", (chunk: Buffer) => received.push(chunk));
    await once(client, "end");
    expect(Buffer.concat(received).toString()).toBe("answer");
    // The server still reads: what the client sends after the answer is taken, not answered with a reset.
    let readAfterAnswer = 0;
    server.on("data", (chunk: Buffer) => (readAfterAnswer += chunk.length));
    const closed = Promise.all([once(server, "close"), once(client, "close")]);
    client.end(Buffer.alloc(1024 * 1024));
    await closed;
    expect(readAfterAnswer).toBe(1024 * 1024);
    expect(clientErrors).toEqual([]);
    expect(lingeringClose.isClosing(server)).toBe(false);
  });

  it("closes a client that sends nothing more, and never closes its side, after the idle time", async () => {
    const { server, client } = await lingeringPair({ idleMs: 50 });
    client.resume();
    const started = performance.now();
    await once(server, "close");
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
  });

  it("waits while the client keeps sending, up to the total time", async () => {
    const { server, client } = await lingeringPair({ idleMs: 50, totalMs: 400 });
    client.resume();
    const sending = setInterval(() => client.write("x".repeat(1024)), 10);
    const started = performance.now();
    await once(server, "close");
    clearInterval(sending);
    // Well past several idle times: the bytes kept it open, and the total time closed it.
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
  });

  it("closes every lingering socket at once when the server stops", async () => {
    const { lingeringClose, server, client } = await lingeringPair({ idleMs: 60_000 });
    client.resume();
    const closed = once(server, "close");
    lingeringClose.closeAll();
    await closed;
    expect(server.destroyed).toBe(true);
  });
});
