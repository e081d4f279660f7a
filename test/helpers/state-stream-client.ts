import type { LiveState } from "../../src/api/live/live-state.js";

export interface StateStreamClient {
  readonly response: Response;
  /** The next `state` event; rejects when the stream ends first. */
  next(): Promise<LiveState>;
  close(): Promise<void>;
}

/** Opens `GET /api/state` on a listening server and reads its `state` events one by one. */
export async function openStateStream(baseUrl: string, headers: Record<string, string> = {}): Promise<StateStreamClient> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/state`, { headers, signal: controller.signal });
  if (response.body === null) throw new Error("the state stream has no body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    response,
    async next() {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split("\n");
          if (lines[0] !== "event: state") throw new Error(`unexpected frame: ${frame}`);
          return JSON.parse(lines.slice(1).map((line) => line.replace(/^data: /, "")).join("\n")) as LiveState;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the state stream ended");
        buffer += value;
      }
    },
    async close() {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}
