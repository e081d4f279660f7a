import type { ChatWrapper } from "node-llama-cpp";

/** Where a system message inside the conversation goes: kept where it is, or folded into the adjacent user turn. */
export type InlineSystemPlacement = "in-place" | "fold";

const probe = { system: "pensieve-probe-system", user: "pensieve-probe-user", inline: "pensieve-probe-inline" } as const;

/**
 * Whether `chatWrapper` renders a system message after a user message where it stands. It does not when it
 * throws (a Jinja template that raises on a non-leading system message), turns every system message into a user
 * message (node-llama-cpp's fallback for such templates, which would change the leading system prompt too),
 * drops it, or moves it before the user message (DeepSeek gathers all system text at the top): each of those
 * would change or lose the prompt before it, so such formats get the message folded into the user turn instead.
 * Decided once per model by rendering a three-message probe.
 */
export function inlineSystemPlacement(chatWrapper: ChatWrapper): InlineSystemPlacement {
  try {
    const state = chatWrapper.generateContextState({
      chatHistory: [
        { type: "system", text: probe.system },
        { type: "user", text: probe.user },
        { type: "system", text: probe.inline },
        { type: "model", response: [] },
      ],
    });
    if ((state as { transformedSystemMessagesToUserMessages?: boolean }).transformedSystemMessagesToUserMessages === true) return "fold";
    const text = state.contextText.toString();
    const [system, user, inline] = [text.indexOf(probe.system), text.indexOf(probe.user), text.indexOf(probe.inline)];
    return system !== -1 && system < user && user < inline ? "in-place" : "fold";
  } catch {
    return "fold";
  }
}
