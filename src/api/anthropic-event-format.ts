import { encodeServerSentEvent } from "./sse.js";
import type { ServerSentEventFormat } from "./stream-server-sent-events.js";
import type { MessageStreamEvent } from "./wire/message-types.js";

const ping = encodeServerSentEvent({ type: "ping" });

/** The Messages API's stream: every frame named, a `ping` right after `message_start`, errors as an `error` event. */
export const anthropicEventFormat: ServerSentEventFormat<MessageStreamEvent> = {
  encode: (event) => encodeServerSentEvent(event) + (event.type === "message_start" ? ping : ""),
  ping,
  error: (error) => encodeServerSentEvent({ type: "error", error: { type: error.type, message: error.message } }),
  end: "",
};
