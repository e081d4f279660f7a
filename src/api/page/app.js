// The live page: connects to /api/state with the key entered in this tab, draws each state, and runs the chat.

import { ApiClient, errorMessageOf, readServerSentEvents } from "./api-client.js";
import { ChatView } from "./chat-view.js";
import { formatTime } from "./format.js";
import { LiveView } from "./live-view.js";

const maxRetryMs = 10_000;

class LivePage {
  constructor(document) {
    this.document = document;
    this.client = new ApiClient();
    this.live = new LiveView(document);
    this.chat = new ChatView(document, this.client, (message) => this.askForKey(message));
    this.connection = document.getElementById("connection");
    this.keyForm = document.getElementById("key-form");
    this.keyInput = document.getElementById("key-input");
    this.keyButton = document.getElementById("change-key");
    this.stream = null;
    this.retryMs = 1000;
    this.retryTimer = null;
    this.keyForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.client.key = this.keyInput.value.trim();
      this.keyInput.value = "";
      this.showKeyForm(false);
      this.connect();
    });
    this.keyButton.addEventListener("click", () => this.showKeyForm(this.keyForm.hidden, "Enter the server's API key."));
  }

  /** Opens the state stream, replacing any open one; retries with a growing delay when it drops. */
  connect() {
    this.stream?.abort();
    clearTimeout(this.retryTimer);
    const controller = new AbortController();
    this.stream = controller;
    this.setConnection("Connecting…", "");
    this.read(controller).catch((error) => {
      if (controller.signal.aborted) return;
      this.retry(`Connection lost (${error instanceof Error ? error.message : String(error)})`);
    });
  }

  async read(controller) {
    const response = await this.client.fetch("/api/state", { headers: { accept: "text/event-stream" }, signal: controller.signal });
    if (response.status === 401) {
      const message = await errorMessageOf(response);
      controller.abort();
      this.askForKey(message);
      return;
    }
    if (!response.ok) {
      const message = await errorMessageOf(response);
      if (response.status === 403) {
        controller.abort();
        this.setConnection(`The server refused this page: ${message}`, "problem");
        return;
      }
      throw new Error(message);
    }
    this.retryMs = 1000;
    await readServerSentEvents(response.body, (name, data) => {
      if (name !== "state") return;
      const state = JSON.parse(data);
      this.live.render(state);
      this.chat.setModels(state.models);
      this.setConnection("Live", "ok");
      // Apart from the status line, which a screen reader announces: the time changes every second.
      this.document.getElementById("updated").textContent = `updated ${formatTime(state.time)}`;
    });
    if (!controller.signal.aborted) this.retry("The server closed the stream");
  }

  retry(reason) {
    const seconds = Math.round(this.retryMs / 1000);
    this.setConnection(`${reason}; reconnecting in ${seconds} s…`, "problem");
    this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(maxRetryMs, this.retryMs * 2);
  }

  /** Shows why the key is needed: none given yet, or the one given was refused (then it is forgotten). */
  askForKey(serverMessage) {
    const hadKey = this.client.key !== null;
    this.client.key = null;
    this.stream?.abort();
    this.setConnection(hadKey ? "API key refused" : "API key needed", "problem");
    this.showKeyForm(
      true,
      hadKey
        ? `The server refused this API key (${serverMessage}). Enter the key the server was started with (--api-key or PENSIEVE_API_KEY).`
        : "This server needs its API key to show the live state and to chat. Enter it below.",
    );
  }

  showKeyForm(visible, message = "") {
    this.keyForm.hidden = !visible;
    this.keyButton.setAttribute("aria-expanded", String(visible));
    this.document.getElementById("key-message").textContent = visible ? message : "";
    if (visible) this.keyInput.focus();
  }

  setConnection(text, kind) {
    if (this.connection.textContent !== text) this.connection.textContent = text;
    this.connection.className = `connection ${kind}`;
    if (kind !== "ok") this.document.getElementById("updated").textContent = "";
  }
}

new LivePage(document).connect();
