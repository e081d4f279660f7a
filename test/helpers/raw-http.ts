import { once } from "node:events";
import net from "node:net";

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Milliseconds from connecting to the server closing the connection. */
  readonly elapsedMs: number;
  /** The code of the error the client's socket met (`ECONNRESET`, `EPIPE`), if any: a server that resets loses answers. */
  readonly socketError: string | null;
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
  // Writing after the server has answered and closed fails with EPIPE or ECONNRESET: recorded, not thrown.
  let socketError: string | null = null;
  socket.on("error", (error: NodeJS.ErrnoException) => (socketError ??= error.code ?? error.message));
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
  return { ...parseResponse(Buffer.concat(chunks).toString("latin1")), elapsedMs, socketError };
}

function parseResponse(text: string): Omit<RawResponse, "elapsedMs" | "socketError"> {
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

export type KeepAliveResponse = Omit<RawResponse, "elapsedMs" | "socketError">;

/**
 * One keep-alive connection for requests written byte for byte: `exchange` writes a request and settles once its
 * whole response has arrived (by Content-Length or the last chunk), leaving the connection open for the next.
 * `closed` settles when the server closes the connection.
 */
export class KeepAliveConnection {
  readonly closed: Promise<void>;
  private received = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private isClosed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiting?.();
    });
    socket.on("error", () => {});
    this.closed = new Promise<void>((resolve) =>
      socket.once("close", () => {
        this.isClosed = true;
        this.waiting?.();
        resolve();
      }),
    );
  }

  static async open(port: number): Promise<KeepAliveConnection> {
    const socket = net.connect(port, "127.0.0.1");
    await once(socket, "connect");
    return new KeepAliveConnection(socket);
  }

  /** Writes one request (or several, pipelined) and reads the first response. */
  async exchange(request: string): Promise<KeepAliveResponse> {
    this.socket.write(request);
    return this.nextResponse();
  }

  /** The next whole response; throws if the server closes the connection first. */
  async nextResponse(): Promise<KeepAliveResponse> {
    for (;;) {
      const response = this.takeResponse();
      if (response !== null) return response;
      if (this.isClosed) throw new Error(`the server closed the connection before a whole response:\n${this.unread()}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }

  /** What has arrived and is not part of a response read yet. */
  unread(): string {
    return this.received.toString("latin1");
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The first whole response in what has arrived, removed from it; `null` while it is still incomplete. */
  private takeResponse(): KeepAliveResponse | null {
    const text = this.received.toString("latin1");
    const headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) return null;
    const { status, headers } = parseResponse(text.slice(0, headEnd));
    const bodyStart = headEnd + 4;
    let body: string;
    let end: number;
    if (headers["transfer-encoding"] === "chunked") {
      const last = text.indexOf("\r\n0\r\n\r\n", bodyStart - 2);
      if (last < 0) return null;
      end = last + 7;
      body = decodeChunks(text.slice(bodyStart, end));
    } else {
      end = bodyStart + Number(headers["content-length"] ?? 0);
      if (text.length < end) return null;
      body = text.slice(bodyStart, end);
    }
    this.received = this.received.subarray(end);
    return { status, headers, body };
  }
}

function decodeChunks(chunked: string): string {
  let body = "";
  for (let at = 0; ; ) {
    const lineEnd = chunked.indexOf("\r\n", at);
    const size = Number.parseInt(chunked.slice(at, lineEnd), 16);
    if (!(size > 0)) return body;
    body += chunked.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
