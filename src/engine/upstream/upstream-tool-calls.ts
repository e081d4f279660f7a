import type { GenerationEvent } from "../generation-event.js";
import type { GenerationRequest } from "../generation-request.js";
import { StreamedToolCalls } from "../tool-input/streamed-tool-calls.js";
import type { ChunkToolCall } from "./chat-completion-chunk.js";

/**
 * The tool calls of an upstream stream, accumulated from their argument deltas into the engine's tool events:
 * each call's arguments are streamed as they come (by whole top-level values, repaired against the tool's
 * schema, see `ToolInputStream`), and the call is completed, parsed and checked, when the next call starts or
 * the stream ends.
 */
export class UpstreamToolCalls {
  private readonly calls: StreamedToolCalls;
  private open: { readonly index: number; readonly name: string; arguments: string } | null = null;
  private completedCalls = 0;

  constructor(
    request: Pick<GenerationRequest, "tools" | "eagerInputTools">,
    push: (event: GenerationEvent) => void,
    private readonly log?: (level: "warn", message: string) => void,
  ) {
    this.calls = new StreamedToolCalls({ request, push, ...(log !== undefined ? { log } : {}) });
  }

  get completed(): number {
    return this.completedCalls;
  }

  get inProgress(): boolean {
    return this.open !== null;
  }

  add(delta: ChunkToolCall): void {
    const index = delta.index ?? this.open?.index ?? 0;
    if (this.open !== null && this.open.index !== index) this.complete();
    const name = delta.function?.name;
    if (this.open === null) {
      if (typeof name !== "string" || name === "") return;
      this.open = { index, name, arguments: "" };
    }
    const chunk = delta.function?.arguments ?? "";
    if (chunk === "") return;
    this.open.arguments += chunk;
    this.calls.addParameters(this.open.name, chunk);
  }

  /** The open call's arguments are complete: parsed (an unparseable text is logged and taken as `{}`). */
  complete(): void {
    const call = this.open;
    if (call === null) return;
    this.open = null;
    let input: unknown = {};
    if (call.arguments.trim() !== "") {
      try {
        input = JSON.parse(call.arguments);
      } catch {
        this.log?.("warn", `tool call ${call.name}: the upstream's arguments are not JSON: ${call.arguments.slice(0, 200)}`);
      }
    }
    this.calls.complete(call.name, input);
    this.completedCalls += 1;
  }

  /** The stream was cut: a call still open never completes. */
  cut(): void {
    this.open = null;
    this.calls.cut();
  }
}
