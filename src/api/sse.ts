/** One Server-Sent Events frame. Every frame is named: SDK 1.x drops unnamed frames (contract §5.1). */
export function encodeServerSentEvent<Event extends { readonly type: string }>(event: Event): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
