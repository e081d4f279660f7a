import { isDeepStrictEqual } from "node:util";
import type { GenerationEvent } from "../generation-event.js";
import { checkToolInput } from "../tool-schema/check-tool-input.js";
import { repairToolInput } from "../tool-schema/repair-tool-input.js";
import type { LlamaEngineOptions } from "./llama-engine-options.js";

/**
 * The text of a reply constrained to a JSON schema (structured outputs), held back until the generation ends
 * and then passed on whole. The grammar gives JSON of the schema's shape; what it cannot enforce (optional
 * properties it writes as `null`, integers, numeric bounds, string and array lengths) is repaired first, the
 * same way as tool input, so the client never sees text that does not validate. Text cut short (`max_tokens`)
 * is not JSON and goes out as generated.
 */
export class StructuredReply {
  private text = "";

  constructor(
    private readonly schema: Readonly<Record<string, unknown>>,
    private readonly log: LlamaEngineOptions["log"],
  ) {}

  /** The events to pass on in place of `event`. */
  take(event: GenerationEvent): GenerationEvent[] {
    if (event.type === "text-delta") {
      this.text += event.text;
      return [];
    }
    if (event.type !== "finish" || this.text === "") return [event];
    return [{ type: "text-delta", text: this.finalText() }, event];
  }

  private finalText(): string {
    let value: unknown;
    try {
      value = JSON.parse(this.text);
    } catch {
      return this.text;
    }
    const repaired = repairToolInput(this.schema, value);
    const problems = checkToolInput(this.schema, repaired);
    if (problems.length > 0) this.log?.("warn", `structured reply: ${problems.join("; ")}`);
    // Unchanged JSON keeps the model's own spelling of it (spacing, number format).
    return isDeepStrictEqual(repaired, value) ? this.text : JSON.stringify(repaired);
  }
}
