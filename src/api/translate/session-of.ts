import type { IncomingHttpHeaders } from "node:http";

const maxLength = 64;
const sessionSuffix = /_session_([0-9a-z-]+)$/i;

/**
 * The conversation a request belongs to, for the live page: Claude Code's `x-claude-code-session-id` header, else
 * the `session_id` in `metadata.user_id` (Claude Code sends a JSON string there, or `user_…_session_<id>` in older
 * versions), else a plain `metadata.user_id`. `null` when there is none. Device and account ids are never kept.
 */
export function sessionOf(headers: IncomingHttpHeaders, body: unknown): string | null {
  const header = headers["x-claude-code-session-id"];
  if (typeof header === "string" && header.trim() !== "") return clip(header);
  const userId = (body as { metadata?: { user_id?: unknown } } | null | undefined)?.metadata?.user_id;
  if (typeof userId !== "string" || userId.trim() === "") return null;
  const fromJson = sessionInJson(userId);
  if (fromJson !== undefined) return fromJson;
  const suffix = sessionSuffix.exec(userId)?.[1];
  if (suffix !== undefined) return clip(suffix);
  return userId.trimStart().startsWith("{") ? null : clip(userId);
}

/** The `session_id` of a JSON object string: `undefined` when it is not one, `null` when it has no session. */
function sessionInJson(text: string): string | null | undefined {
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    const session = (JSON.parse(text) as { session_id?: unknown } | null)?.session_id;
    return typeof session === "string" && session.trim() !== "" ? clip(session) : null;
  } catch {
    return undefined;
  }
}

function clip(value: string): string {
  return value.trim().slice(0, maxLength);
}
