// The page's side of the API: the key (kept in this tab only) and Server-Sent Events read from a fetch body,
// since EventSource cannot send the key as a header.

const storageKey = "pensieve.apiKey";

export class ApiClient {
  /** The key entered in this tab, or null. */
  get key() {
    try {
      return sessionStorage.getItem(storageKey);
    } catch {
      return null;
    }
  }

  set key(value) {
    try {
      if (value === null || value === "") sessionStorage.removeItem(storageKey);
      else sessionStorage.setItem(storageKey, value);
    } catch {
      // Storage refused (a private window's quota): the key then lasts until the page reloads.
    }
  }

  /** fetch() with the key in `x-api-key` when there is one. */
  fetch(path, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    const key = this.key;
    if (key !== null) headers["x-api-key"] = key;
    return fetch(path, { ...init, headers });
  }
}

/** The message of an error response in Anthropic's shape, or its status line. */
export async function errorMessageOf(response) {
  try {
    const body = await response.json();
    if (typeof body?.error?.message === "string") return body.error.message;
  } catch {
    // Not JSON: the status says enough.
  }
  return `HTTP ${response.status} ${response.statusText}`.trim();
}

/** Calls `onEvent(name, data)` for each event of a text/event-stream body, until it ends. */
export async function readServerSentEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replaceAll("\r\n", "\n");
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of frame.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) onEvent(name, data.join("\n"));
    }
  }
}
