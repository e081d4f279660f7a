import { once } from "node:events";
import net from "node:net";

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Milliseconds from connecting to the server closing the connection. */
  readonly elapsedMs: number;
}

/**
 * A request written byte for byte on a plain TCP socket, for what an HTTP client library would fix or refuse to
 * send (no Host, a raw control byte, a body that never ends). `send` writes; the promise settles when the
 * server closes the connection, so requests should ask for `Connection: close` when they expect a normal answer.
 */
export async function rawExchange(port: number, send: (write: (data: string | Buffer) => Promise<boolean>) => Promise<void>): Promise<RawResponse> {
  const started = performance.now();
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  // Writing after the server has answered and closed fails with EPIPE or ECONNRESET: expected here.
  socket.on("error", () => {});
  let isClosed = false;
  // Not events.once: it would reject on the "error" above.
  const closed = new Promise<void>((resolve) =>
    socket.once("close", () => {
      isClosed = true;
      resolve();
    }),
  );
  /** Writes and waits for the data to be taken; false once the server has closed or answered. */
  const write = async (data: string | Buffer): Promise<boolean> => {
    if (isClosed || chunks.length > 0) return false;
    if (!socket.write(data)) await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
    return !isClosed && chunks.length === 0;
  };
  await send(write);
  await closed;
  const elapsedMs = performance.now() - started;
  return { ...parseResponse(Buffer.concat(chunks).toString("latin1")), elapsedMs };
}

function parseResponse(text: string): Omit<RawResponse, "elapsedMs"> {
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split);
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: split < 0 ? "" : text.slice(split + 4) };
}
