import { createHash } from "node:crypto";
import type { GenerationRequest } from "../generation-request.js";

/**
 * The key a request is routed by: its conversation (Claude Code's session, which the API edge derives from the
 * `x-claude-code-session-id` header or `metadata.user_id`), else a hash of what starts every prompt of a
 * conversation alike: the model, the system prompt and the tool names. Requests sharing a key share a prefix
 * worth keeping on one endpoint.
 */
export function routingKeyOf(request: Pick<GenerationRequest, "session" | "model" | "system" | "tools">): string {
  if (request.session !== undefined && request.session !== "") return `session:${request.session}`;
  const hash = createHash("sha256");
  hash.update(request.model ?? "");
  hash.update("\0");
  hash.update(request.system);
  for (const tool of request.tools) hash.update(`\0${tool.name}`);
  return `prompt:${hash.digest("hex").slice(0, 32)}`;
}
