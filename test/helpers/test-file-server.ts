import { once } from "node:events";
import http, { type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Serves bytes with Range support, and optionally misbehaves the way real servers and networks do. */
export interface FileRoute {
  readonly kind: "file";
  readonly bytes: Uint8Array;
  /** Send this many bytes of the body, then drop the connection; for the next `dropTimes` GETs (default 1). */
  readonly dropAfterBytes?: number;
  readonly dropTimes?: number;
  /** Send this many bytes, then wait for `hold` before sending the rest. */
  readonly holdAfterBytes?: number;
  readonly hold?: Promise<void>;
  /** Answer a Range request with the whole file (200). */
  readonly ignoreRange?: boolean;
  /** Answer a Range request with 206 and a Content-Range that starts at 0 (wrong). */
  readonly wrongContentRange?: boolean;
  /** End the body cleanly after this many bytes, without a Content-Length (chunked). */
  readonly truncateTo?: number;
  /** Send the whole body without a Content-Length (chunked). */
  readonly chunked?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RedirectRoute {
  readonly kind: "redirect";
  readonly location: string;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface StatusRoute {
  readonly kind: "status";
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface JsonRoute {
  readonly kind: "json";
  readonly body: unknown;
}

export type TestRoute = FileRoute | RedirectRoute | StatusRoute | JsonRoute;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export interface TestFileServer {
  /** `http://<host>:<port>` */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  route(pathname: string, route: TestRoute): void;
  /** Resolves at the next request whose path is `pathname` (any path when absent). */
  nextRequest(pathname?: string): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** An HTTP server on a loopback address and a free port, for download tests: nothing leaves the machine. */
export async function startTestFileServer(host = "127.0.0.1"): Promise<TestFileServer> {
  const routes = new Map<string, TestRoute>();
  const drops = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const waiters: { pathname: string | undefined; resolve: (request: RecordedRequest) => void }[] = [];

  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url ?? "/", "http://x").pathname;
    const recorded = { method: request.method ?? "GET", path: pathname, headers: request.headers };
    requests.push(recorded);
    for (const waiter of waiters.filter((candidate) => candidate.pathname === undefined || candidate.pathname === pathname)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(recorded);
    }
    const route = routes.get(pathname);
    if (route === undefined) {
      response.writeHead(404).end("not found");
      return;
    }
    void answer(route, recorded, response, drops).catch(() => response.destroy());
  });
  server.listen(0, host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    requests,
    route(pathname, route) {
      routes.set(pathname, route);
      if (route.kind === "file") drops.set(pathname, route.dropAfterBytes === undefined ? 0 : (route.dropTimes ?? 1));
    },
    nextRequest(pathname) {
      return new Promise((resolve) => waiters.push({ pathname, resolve }));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

async function answer(route: TestRoute, request: RecordedRequest, response: ServerResponse, drops: Map<string, number>): Promise<void> {
  switch (route.kind) {
    case "status":
      response.writeHead(route.status, route.headers).end(request.method === "HEAD" ? undefined : (route.body ?? ""));
      return;
    case "json":
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(route.body));
      return;
    case "redirect":
      response.writeHead(route.status ?? 302, { ...route.headers, location: route.location }).end();
      return;
    case "file":
      return answerFile(route, request, response, drops);
  }
}

async function answerFile(route: FileRoute, request: RecordedRequest, response: ServerResponse, drops: Map<string, number>): Promise<void> {
  const total = route.bytes.length;
  const range = /^bytes=(\d+)-$/.exec(String(request.headers.range ?? ""));
  let start = 0;
  let status = 200;
  const headers: Record<string, string> = { "accept-ranges": "bytes", ...route.headers };
  if (range?.[1] !== undefined && route.ignoreRange !== true) {
    start = Number(range[1]);
    if (start >= total) {
      response.writeHead(416, { "content-range": `bytes */${total}` }).end();
      return;
    }
    status = 206;
    headers["content-range"] = route.wrongContentRange === true ? `bytes 0-${total - 1}/${total}` : `bytes ${start}-${total - 1}/${total}`;
  }
  const body = route.wrongContentRange === true && status === 206 ? route.bytes : route.bytes.subarray(start);
  if (route.truncateTo === undefined && route.chunked !== true) headers["content-length"] = String(body.length);
  response.writeHead(status, headers);
  if (request.method === "HEAD") {
    response.end();
    return;
  }

  const dropsLeft = drops.get(request.path) ?? 0;
  if (route.dropAfterBytes !== undefined && dropsLeft > 0) {
    drops.set(request.path, dropsLeft - 1);
    await write(response, body.subarray(0, route.dropAfterBytes));
    response.socket?.destroy();
    return;
  }
  if (route.truncateTo !== undefined) {
    response.end(body.subarray(0, route.truncateTo));
    return;
  }
  if (route.holdAfterBytes !== undefined && route.hold !== undefined) {
    await write(response, body.subarray(0, route.holdAfterBytes));
    await route.hold;
    response.end(body.subarray(route.holdAfterBytes));
    return;
  }
  response.end(body);
}

function write(response: ServerResponse, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => response.write(bytes, (error) => (error ? reject(error) : resolve())));
}
