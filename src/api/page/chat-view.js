// The chat box: a conversation against POST /v1/messages, streamed. Thinking shows collapsed, tool calls as
// blocks; Stop aborts the request, and the server frees its sequence when the connection closes.

import { errorMessageOf, readServerSentEvents } from "./api-client.js";

export class ChatView {
  /**
   * @param client the ApiClient
   * @param onUnauthorized called with the server's message when the key is missing or refused
   */
  constructor(document, client, onUnauthorized) {
    this.document = document;
    this.client = client;
    this.onUnauthorized = onUnauthorized;
    this.history = [];
    this.controller = null;
    this.session = newSession();
    this.form = document.getElementById("chat-form");
    this.prompt = document.getElementById("prompt");
    this.conversation = document.getElementById("conversation");
    this.sendButton = document.getElementById("send");
    this.stopButton = document.getElementById("stop");
    this.modelSelect = document.getElementById("chat-model");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.send();
    });
    this.prompt.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.controller !== null) this.stop();
    });
    this.stopButton.addEventListener("click", () => this.stop());
    document.getElementById("new-conversation").addEventListener("click", () => this.clear());
  }

  /** Offers the served models, the default first, keeping the current choice when it is still served. */
  setModels(models) {
    const ids = models.map((model) => model.id);
    const current = [...this.modelSelect.options].map((option) => option.value);
    if (ids.length === 0 || (ids.length === current.length && ids.every((id, index) => id === current[index]))) return;
    const chosen = this.modelSelect.value;
    this.modelSelect.replaceChildren(
      ...ids.map((id, index) => {
        const option = this.document.createElement("option");
        option.value = id;
        option.textContent = index === 0 ? `${id} (default)` : id;
        return option;
      }),
    );
    if (ids.includes(chosen)) this.modelSelect.value = chosen;
  }

  stop() {
    this.controller?.abort();
  }

  clear() {
    this.stop();
    this.history = [];
    this.session = newSession();
    this.conversation.replaceChildren();
    this.prompt.focus();
  }

  async send() {
    const text = this.prompt.value.trim();
    if (text === "" || this.controller !== null) return;
    this.document.getElementById("conversation-empty")?.remove();
    this.prompt.value = "";
    this.append("user").textContent = text;
    const reply = new ReplyView(this.document, this.append("assistant"), this.conversation);
    const messages = [...this.history, { role: "user", content: text }];
    const controller = new AbortController();
    this.controller = controller;
    this.setBusy(true);
    try {
      const response = await this.client.fetch("/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify(this.requestBody(messages)),
        signal: controller.signal,
      });
      if (!response.ok) {
        const message = await errorMessageOf(response);
        reply.fail(message);
        if (response.status === 401) this.onUnauthorized(message);
      } else {
        await readServerSentEvents(response.body, (name, data) => reply.handle(name, JSON.parse(data)));
      }
    } catch (error) {
      if (controller.signal.aborted) reply.stopped();
      else reply.fail(`The request failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.controller = null;
      this.setBusy(false);
      // The reply's text goes back with the next turn; thinking and tool calls stay on the page only.
      this.history = reply.text === "" ? messages : [...messages, { role: "assistant", content: reply.text }];
      this.prompt.focus();
    }
  }

  requestBody(messages) {
    const maxTokens = Number.parseInt(this.document.getElementById("max-tokens").value, 10);
    const temperature = this.document.getElementById("temperature").value;
    const system = this.document.getElementById("system-prompt").value.trim();
    return {
      model: this.modelSelect.value || "default",
      max_tokens: Number.isInteger(maxTokens) && maxTokens > 0 ? maxTokens : 1024,
      stream: true,
      messages,
      ...(system !== "" ? { system } : {}),
      ...(temperature !== "" ? { temperature: Number(temperature) } : {}),
      metadata: { user_id: this.session },
    };
  }

  append(role) {
    const message = this.document.createElement("article");
    message.className = `message ${role}`;
    message.setAttribute("aria-label", role === "user" ? "You" : "Model");
    this.conversation.append(message);
    this.conversation.scrollTop = this.conversation.scrollHeight;
    return message;
  }

  setBusy(busy) {
    this.sendButton.disabled = busy;
    this.stopButton.disabled = !busy;
  }
}

/**
 * One assistant reply as its stream arrives: a block per content block, and a line of usage at the end. Deltas
 * are drawn once per frame, not once per token: each drawing lays out the growing reply again, and at hundreds
 * of tokens a second that kept the tab too busy to answer a click on Stop.
 */
class ReplyView {
  /** @param conversation the scrolling box the reply is in, kept at its end while the reader is there */
  constructor(document, element, conversation) {
    this.document = document;
    this.element = element;
    this.conversation = conversation;
    this.blocks = new Map();
    this.text = "";
    this.usage = null;
    this.frame = null;
    this.element.setAttribute("aria-busy", "true");
  }

  handle(name, event) {
    if (name === "message_start") this.usage = event.message.usage;
    else if (name === "content_block_start") this.start(event.index, event.content_block);
    else if (name === "content_block_delta") this.delta(event.index, event.delta);
    else if (name === "content_block_stop") this.finishBlock(event.index);
    else if (name === "message_delta") this.finish(event.delta.stop_reason, event.usage);
    else if (name === "error") this.fail(event.error?.message ?? "The stream failed.");
  }

  start(index, block) {
    // Each block's text grows in one text node: a node per token would leave thousands for every layout to walk.
    const text = this.document.createTextNode("");
    let node;
    if (block.type === "thinking") {
      node = this.document.createElement("details");
      node.className = "thinking";
      const summary = this.document.createElement("summary");
      summary.textContent = "Thinking";
      const pre = this.document.createElement("pre");
      pre.append(text);
      node.append(summary, pre);
    } else if (block.type === "tool_use") {
      node = this.document.createElement("div");
      node.className = "tool-call";
      const title = this.document.createElement("div");
      title.className = "tool-name";
      title.textContent = `Tool call: ${block.name}`;
      const pre = this.document.createElement("pre");
      pre.append(text);
      node.append(title, pre);
    } else {
      node = this.document.createElement("p");
      node.className = "text";
      node.append(text);
    }
    this.blocks.set(index, { type: block.type, node, text, json: "", pending: "" });
    this.draw();
    followingTheEnd(this.conversation, () => this.element.append(node));
  }

  delta(index, delta) {
    const block = this.blocks.get(index);
    if (block === undefined) return;
    if (delta.type === "text_delta") {
      block.pending += delta.text;
      this.text += delta.text;
    } else if (delta.type === "thinking_delta") {
      block.pending += delta.thinking;
    } else if (delta.type === "input_json_delta") {
      block.pending += delta.partial_json;
      block.json += delta.partial_json;
    }
    this.frame ??= requestAnimationFrame(() => this.draw());
  }

  /** Adds what arrived since the last drawing. Called each frame, and before anything that ends a block. */
  draw() {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    const waiting = [...this.blocks.values()].filter((block) => block.pending !== "");
    if (waiting.length === 0) return;
    followingTheEnd(this.conversation, () => {
      for (const block of waiting) {
        block.text.appendData(block.pending);
        block.pending = "";
      }
    });
  }

  finishBlock(index) {
    this.draw();
    const block = this.blocks.get(index);
    if (block?.type !== "tool_use") return;
    try {
      block.text.data = JSON.stringify(JSON.parse(block.json || "{}"), null, 2);
    } catch {
      // Left as it arrived.
    }
  }

  finish(stopReason, usage) {
    const input = (usage?.input_tokens ?? this.usage?.input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? this.usage?.cache_read_input_tokens ?? 0);
    this.meta(`${stopReason} · ${input} tokens in, ${usage?.output_tokens ?? 0} out`);
  }

  stopped() {
    this.meta("Stopped.");
  }

  fail(message) {
    this.draw();
    const error = this.document.createElement("p");
    error.className = "error";
    error.setAttribute("role", "alert");
    error.textContent = message;
    followingTheEnd(this.conversation, () => this.element.append(error));
    this.element.removeAttribute("aria-busy");
  }

  meta(text) {
    this.draw();
    const line = this.document.createElement("p");
    line.className = "meta";
    line.textContent = text;
    followingTheEnd(this.conversation, () => this.element.append(line));
    this.element.removeAttribute("aria-busy");
  }
}

/**
 * Makes a change to the conversation and, when the reader was at its end, keeps the end in sight. Only the
 * conversation box scrolls: scrolling the page at each token (scrollIntoView does) pushes the Stop button out
 * from under the pointer while a reply streams, and a reader who scrolled up to read is left where they are.
 */
function followingTheEnd(box, change) {
  const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
  change();
  if (atEnd) box.scrollTop = box.scrollHeight;
}

/** A label for this conversation, shown as the session of the sequence that served it. */
function newSession() {
  // getRandomValues, not randomUUID: the page may be served over plain http on a LAN name (no secure context).
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return `page-${[...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
