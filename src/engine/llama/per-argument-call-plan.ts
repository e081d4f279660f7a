import type { PerArgumentCallSyntax } from "../../models/chat-format/per-argument-call-syntax.js";
import type { PerArgumentTool } from "../per-argument-calls/per-argument-tool.js";

/** How a request's tool calls are generated in a per-argument syntax (see `ToolCallPlan.perArgument`). */
export interface PerArgumentCallPlan {
  readonly syntax: PerArgumentCallSyntax;
  /** The tools that may be called: all of them, or the one a `tool` choice names. */
  readonly tools: readonly PerArgumentTool[];
  /** More than one call per response. */
  readonly parallel: boolean;
  /** The response starts with a call (tool choice `any` or `tool`): the prompt ends with the call's tag. */
  readonly forced: boolean;
}
