import type { GenerationEvent } from "../generation-event.js";
import type { GenerationRequest } from "../generation-request.js";
import { checkToolInput } from "../tool-schema/check-tool-input.js";
import { ToolInputStream } from "./tool-input-stream.js";

export interface StreamedToolCallsOptions {
  /** The tools (for their schemas) and which of them stream eagerly. */
  readonly request: Pick<GenerationRequest, "tools" | "eagerInputTools">;
  /** Where the calls' events go, in order. */
  readonly push: (event: GenerationEvent) => void;
  /** Told of a completed call whose input still breaks its schema after repair. Defaults to none. */
  readonly log?: ((level: "warn", message: string) => void) | undefined;
}

interface OpenCall {
  readonly index: number;
  readonly name: string;
  readonly schema: unknown;
  readonly input: ToolInputStream;
}

/**
 * The tool calls of one generation as events: `tool-call-start` once a call's name is known, `tool-input-delta`
 * as its input is generated (see `ToolInputStream`), `tool-call` once it is complete. Calls come one after
 * another, so one is open at a time. Lives as long as the generation.
 */
export class StreamedToolCalls {
  private open: OpenCall | null = null;
  private started = 0;

  constructor(private readonly options: StreamedToolCallsOptions) {}

  /** Whether a call was started and has not completed. */
  get inProgress(): boolean {
    return this.open !== null;
  }

  /** More of the parameters of the call being generated (node-llama-cpp's `onFunctionCallParamsChunk`). */
  addParameters(name: string, chunk: string): void {
    const call = this.open ?? this.start(name);
    this.sendInput(call, call.input.push(chunk));
  }

  /** The call being generated is complete (node-llama-cpp's `onFunctionCall`); one without parameters starts here. */
  complete(name: string, parameters: unknown): void {
    const call = this.open ?? this.start(name);
    const { text, input } = call.input.complete(parameters);
    this.sendInput(call, text);
    // The grammar cannot enforce every keyword; repair covers what it can, and anything left is worth knowing.
    const problems = checkToolInput(call.schema, input);
    if (problems.length > 0) this.options.log?.("warn", `tool call ${call.name}: ${problems.join("; ")}`);
    this.options.push({ type: "tool-call", index: call.index, name: call.name, input });
    this.open = null;
  }

  /** The generation ended: a call still open was cut short, and what was sent of its input is ended. */
  cut(): void {
    const call = this.open;
    if (call === null) return;
    this.sendInput(call, call.input.cut());
    this.open = null;
  }

  private start(name: string): OpenCall {
    const { tools, eagerInputTools } = this.options.request;
    const schema = tools.find((tool) => tool.name === name)?.inputSchema;
    const call = { index: this.started, name, schema, input: new ToolInputStream({ schema, eager: eagerInputTools?.includes(name) === true }) };
    this.started += 1;
    this.open = call;
    this.options.push({ type: "tool-call-start", index: call.index, name });
    return call;
  }

  private sendInput(call: OpenCall, text: string): void {
    if (text !== "") this.options.push({ type: "tool-input-delta", index: call.index, text });
  }
}
