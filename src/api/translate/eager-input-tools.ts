import type { MessagesRequest } from "../wire/messages-request.js";
import { isServerTool } from "./server-tool.js";

const fineGrainedToolStreaming = "fine-grained-tool-streaming-2025-05-14";

/**
 * The client tools whose input a reply streams as it is generated (fine-grained tool streaming): in a streaming
 * reply, each tool with `eager_input_streaming: true`, and, under the `fine-grained-tool-streaming-2025-05-14`
 * beta, each tool that leaves the field unset (an explicit `false` wins). The others' input streams by whole
 * values. A reply that does not stream has none: its input is always whole.
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/fine-grained-tool-streaming
 */
export function eagerInputTools(body: MessagesRequest, betaHeader: string | readonly string[] | undefined): string[] {
  if (body.stream !== true) return [];
  const betas = [betaHeader ?? []].flat().flatMap((value) => value.split(",").map((beta) => beta.trim()));
  const byBeta = betas.includes(fineGrainedToolStreaming);
  return (body.tools ?? []).flatMap((tool) => {
    if (isServerTool(tool)) return [];
    const eager = "eager_input_streaming" in tool ? tool.eager_input_streaming : undefined;
    return eager === true || (eager === undefined && byBeta) ? [tool.name] : [];
  });
}
