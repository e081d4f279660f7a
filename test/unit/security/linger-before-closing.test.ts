import { once } from "node:events";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { lingerBeforeClosing } from "../../../src/api/security/linger-before-closing.js";

/** On plain loopback sockets; what it does for HTTP answers is in test/integration/security-sockets.test.ts. */
describe("lingerBeforeClosing", () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  /** A server socket that has lingered (destroySoon called as Node's HTTP server would), and a client connected to it. */
  async function lingeringPair(lingerMs: number): Promise<{ server: net.Socket; client: net.Socket; clientErrors: string[] }> {
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
    lingerBeforeClosing(server, lingerMs);
    server.write("answer");
    server.destroySoon();
    return { server, client, clientErrors };
  }

  it("half-closes after the answer, reads on, and closes when the client closes its side", async () => {
    const { server, client, clientErrors } = await lingeringPair(60_000);
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
  });

  it("closes after the linger time a client that never closes its side", async () => {
    const { server, client } = await lingeringPair(50);
    client.resume();
    const started = performance.now();
    await once(server, "close");
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    expect(server.destroyed).toBe(true);
  });
});
