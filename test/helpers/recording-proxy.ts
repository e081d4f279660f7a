import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** The JSON body, or `undefined` when there was none. */
  readonly body: unknown;
}

export interface RecordingProxy {
  readonly baseUrl: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that records each request's JSON body (what a server's access log leaves out, such as
 * the tools) and passes the request on to `target`, streaming the answer back unchanged. With no target it
 * answers every request with an Anthropic-style 400, for a client run made only to see what it sends.
 */
export async function startRecordingProxy(target?: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      requests.push({ method: request.method ?? "", url: request.url ?? "", body: raw.length === 0 ? undefined : (JSON.parse(raw.toString("utf8")) as unknown) });
      if (target === undefined) {
        response.writeHead(400, { "content-type": "application/json" });
        response.end(JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "recording only" } }));
        return;
      }
      const forwarded = http.request(new URL(request.url ?? "/", target), { method: request.method, headers: { ...request.headers, host: new URL(target).host } }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      forwarded.on("error", (error) => response.destroy(error));
      forwarded.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
