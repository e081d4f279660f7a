import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One piece of a scripted stream. */
export type FakeChunk =
  | { readonly content: string }
  | { readonly reasoning: string }
  | { readonly toolCall: { readonly index: number; readonly id?: string; readonly name?: string; readonly arguments?: string } };

/** How the fake answers one `POST /v1/chat/completions`. */
export interface FakeReply {
  /** Answer with this status and `errorBody` instead of a stream. */
  readonly status?: number;
  readonly errorBody?: unknown;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** What to stream. Defaults to `I am <name>.` in two chunks. */
  readonly chunks?: readonly FakeChunk[];
  readonly chunkDelayMs?: number;
  /** Defaults to `stop` (`tool_calls` when a tool call was streamed). */
  readonly finishReason?: string;
  /** Usage in the last chunk; the cached tokens as `prompt_tokens_details`, or llama-server's `timings` with `timings`. */
  readonly usage?: { readonly prompt: number; readonly completion: number; readonly cached: number; readonly asTimings?: boolean };
  /** Destroy the connection after this many chunks: a reset mid-stream. */
  readonly resetAfterChunks?: number;
  /** Stream the chunks, then wait until the client goes away, never finishing. */
  readonly hang?: boolean;
}

export interface FakeRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  /** The client went away before the answer was complete. */
  aborted: boolean;
  /** Resolves when the answer is complete or the client went away. */
  readonly ended: Promise<void>;
}

/**
 * A scriptable OpenAI-compatible server on a loopback port, standing in for vLLM, llama-server and the rest in
 * the upstream engine's fast tests: `/health`, `/v1/models`, streamed chat completions as `script` says
 * (delays, error statuses, resets mid-stream, reasoning and tool deltas, cached tokens), `/apply-template` and
 * `/tokenize`, and a record of every request and whether its client aborted it. By default it answers with its
 * own name, and reports as cached the prompt tokens its previous request for the same first user message had.
 */
export class FakeOpenAiServer {
  readonly requests: FakeRequest[] = [];
  /** `/health` answers 503 while false. */
  healthy = true;
  models: string[];
  script: (body: Record<string, unknown>, headers: IncomingHttpHeaders) => FakeReply = () => ({});
  private readonly promptsSeen = new Map<string, number>();

  private constructor(
    readonly name: string,
    private readonly server: http.Server,
    model: string,
  ) {
    this.models = [model];
  }

  static async start(name: string, model = "fake-model"): Promise<FakeOpenAiServer> {
    const server = http.createServer();
    const fake = new FakeOpenAiServer(name, server, model);
    server.on("request", (request, response) => fake.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The chat completion requests only. */
  get completions(): FakeRequest[] {
    return this.requests.filter((request) => request.path === "/v1/chat/completions");
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = (request.url ?? "/").split("?")[0] ?? "/";
      const raw = Buffer.concat(chunks).toString("utf8");
      const body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
      let end: () => void = () => {};
      const record: FakeRequest = { path, body, headers: request.headers, aborted: false, ended: new Promise<void>((resolve) => (end = resolve)) };
      this.requests.push(record);
      response.on("close", () => {
        if (!response.writableFinished) record.aborted = true;
        end();
      });
      const json = (status: number, value: unknown): void => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(value));
      };
      if (path === "/health") return json(this.healthy ? 200 : 503, this.healthy ? { status: "ok" } : { error: { message: "Loading model" } });
      if (path === "/v1/models") return json(200, { object: "list", data: this.models.map((id) => ({ id, object: "model", max_model_len: 4096 })) });
      if (path === "/apply-template") return json(200, { prompt: JSON.stringify(body["messages"]) });
      if (path === "/tokenize") {
        const text = typeof body["content"] === "string" ? body["content"] : JSON.stringify(body["messages"]);
        return json(200, { tokens: Array.from({ length: Math.ceil(text.length / 4) }, (_, index) => index), count: Math.ceil(text.length / 4) });
      }
      if (path === "/v1/chat/completions") return void this.complete(body, request.headers, response);
      json(404, { error: { message: "not found" } });
    });
  }

  private async complete(body: Record<string, unknown>, headers: IncomingHttpHeaders, response: http.ServerResponse): Promise<void> {
    const reply = this.script(body, headers);
    if (reply.delayMs !== undefined) await delay(reply.delayMs);
    if (response.destroyed) return;
    if (reply.status !== undefined && reply.status !== 200) {
      response.writeHead(reply.status, { "content-type": "application/json" });
      response.end(JSON.stringify(reply.errorBody ?? { error: { message: `scripted ${reply.status}` } }));
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    const send = (value: unknown): Promise<void> => new Promise((resolve) => response.write(`data: ${JSON.stringify(value)}\n\n`, () => resolve()));
    // A reset after what was sent has reached the client: destroying at once would drop the unsent bytes.
    const reset = async (): Promise<void> => {
      await delay(20);
      response.socket?.destroy();
    };
    const streamed = reply.chunks ?? [{ content: "I am " }, { content: `${this.name}.` }];
    let sent = 0;
    for (const chunk of streamed) {
      if (reply.resetAfterChunks !== undefined && sent >= reply.resetAfterChunks) return reset();
      if (response.destroyed) return;
      await send({ object: "chat.completion.chunk", choices: [{ index: 0, delta: toDelta(chunk), finish_reason: null }] });
      sent += 1;
      if (reply.chunkDelayMs !== undefined) await delay(reply.chunkDelayMs);
    }
    if (reply.resetAfterChunks !== undefined) return reset();
    if (reply.hang === true) return;
    const usage = reply.usage ?? this.defaultUsage(body, streamed.length);
    const finishReason = reply.finishReason ?? (streamed.some((chunk) => "toolCall" in chunk) ? "tool_calls" : "stop");
    await send({ object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: finishReason }] });
    await send({
      object: "chat.completion.chunk",
      choices: [],
      usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, ...(usage.asTimings === true ? {} : { prompt_tokens_details: { cached_tokens: usage.cached } }) },
      ...(usage.asTimings === true ? { timings: { prompt_n: usage.prompt - usage.cached, cache_n: usage.cached } } : {}),
    });
    response.end("data: [DONE]\n\n");
  }

  /** A prompt of a token per four characters; cached: what this server's last request with the same start had. */
  private defaultUsage(body: Record<string, unknown>, completion: number): NonNullable<FakeReply["usage"]> {
    const messages = (body["messages"] ?? []) as readonly { role: string; content: unknown }[];
    const prompt = Math.ceil(JSON.stringify(messages).length / 4);
    const start = JSON.stringify(messages.find((message) => message.role === "user")?.content ?? "");
    const cached = Math.min(prompt, this.promptsSeen.get(start) ?? 0);
    this.promptsSeen.set(start, prompt);
    return { prompt, completion, cached };
  }
}

function toDelta(chunk: FakeChunk): Record<string, unknown> {
  if ("content" in chunk) return { content: chunk.content };
  if ("reasoning" in chunk) return { reasoning_content: chunk.reasoning };
  const call = chunk.toolCall;
  return {
    tool_calls: [{ index: call.index, ...(call.id !== undefined ? { id: call.id, type: "function" } : {}), function: { ...(call.name !== undefined ? { name: call.name } : {}), arguments: call.arguments ?? "" } }],
  };
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
