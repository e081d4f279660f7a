// Draws one `state` event of /api/state into the Live panel. Every value goes in as text, never as HTML.

import { drawChart } from "./charts.js";
import { formatBytes, formatCount, formatMilliseconds, formatPercent, formatRate, formatTime } from "./format.js";

const maxChartMinutes = 10;
const shownRequests = 15;

export class LiveView {
  constructor(document) {
    this.document = document;
  }

  render(state) {
    const model = state.models[0];
    this.text("model-name", model?.id ?? "—");
    this.text("model-status", state.status === "failed" ? `failed: ${state.reason}` : state.status);
    this.text("chat-format", model?.chat_format ?? "—");
    this.text("context-size", model === undefined ? "—" : `${formatCount(model.context_size)} tokens`);
    this.text("input-rate", formatRate(state.tokens.input_per_second));
    this.text("output-rate", formatRate(state.tokens.output_per_second));
    this.text("queue-depth", formatCount(state.queue_depth));
    this.text("busy-sequences", `${state.sequences.busy} / ${state.sequences.total}`);
    this.text("output-total", formatCount(state.tokens.output_total));
    const aborted = state.generations.aborted;
    this.text("generations", `${formatCount(state.generations.completed)}${aborted > 0 ? ` (+${aborted} stopped)` : ""}`);
    this.renderMemory(state.memory);
    this.renderSequences(state);
    this.renderUpstreams(state.upstreams);
    this.renderCharts(state);
    this.renderRequests(state.requests);
  }

  renderMemory(memory) {
    const bar = this.byId("memory-bar");
    const total = memory.limit_bytes ?? memory.rss_bytes;
    const parts = [];
    if (total !== null && total > 0) {
      const model = memory.model_file_bytes ?? 0;
      const kv = memory.kv_cache_bytes ?? 0;
      const other = Math.max(0, (memory.rss_bytes ?? 0) - model - kv);
      for (const [name, bytes] of [["model", model], ["kv", kv], ["other", other]]) {
        if (bytes <= 0) continue;
        const span = this.document.createElement("span");
        span.className = name;
        span.style.width = `${Math.min(100, (bytes / total) * 100).toFixed(2)}%`;
        parts.push(span);
      }
    }
    bar.replaceChildren(...parts);
    // RSS alone against itself says nothing: the bar needs a limit or a known part.
    bar.hidden = memory.limit_bytes === null && memory.model_file_bytes === null && memory.kv_cache_bytes === null;
    const budget = memory.limit_bytes === null ? "no memory limit" : `limit ${formatBytes(memory.limit_bytes)}`;
    bar.setAttribute("aria-label", `Memory: ${formatBytes(memory.rss_bytes)} resident, ${budget}`);
    const cache =
      memory.prompt_cache_disk_bytes === null
        ? null
        : `${formatBytes(memory.prompt_cache_disk_bytes)}${memory.prompt_cache_limit_bytes === null ? "" : ` of ${formatBytes(memory.prompt_cache_limit_bytes)}`}`;
    this.list("memory-list", [
      ["Resident (RSS)", formatBytes(memory.rss_bytes), "other"],
      ["Model file", formatBytes(memory.model_file_bytes), "model"],
      ["KV cache", formatBytes(memory.kv_cache_bytes), "kv"],
      ["Budget", memory.limit_bytes === null ? "no limit" : formatBytes(memory.limit_bytes)],
      ["Prompt cache on disk", cache ?? "—"],
      ["Heap", formatBytes(memory.heap_used_bytes)],
      ...(memory.gpu_bytes === null ? [] : [["GPU", formatBytes(memory.gpu_bytes)]]),
      ["CPU", memory.cpu_percent === null ? "—" : `${memory.cpu_percent} %`],
    ]);
  }

  renderSequences(state) {
    const { details, busy, total, abandoned } = state.sequences;
    const tbody = this.byId("sequences").tBodies[0];
    const several = new Set((details ?? []).map((sequence) => sequence.model)).size > 1;
    const rows = (details ?? []).map((sequence) => {
      const row = this.document.createElement("tr");
      row.append(this.cell(several ? `${sequence.model} #${sequence.index}` : String(sequence.index)));
      row.append(this.stateCell(sequence));
      row.append(this.cell(`${formatCount(sequence.cached_tokens)} tokens`));
      const session = this.cell(shorten(sequence.last_session ?? "—", 13));
      if (sequence.last_session !== null) session.title = sequence.last_session;
      row.append(session);
      return row;
    });
    tbody.replaceChildren(...rows);
    this.byId("sequences").hidden = details === null;
    const leaving = abandoned > 0 ? `, ${abandoned} finishing for a client that left` : "";
    this.text("sequence-note", details === null ? `${busy} of ${total} busy${leaving}. This engine does not report each sequence.` : leaving.slice(2));
  }

  // Endpoints of the pools served by other engines (vLLM, SGLang, llama-server): absent when every model is local.
  renderUpstreams(upstreams) {
    this.byId("upstreams-section").hidden = upstreams === null;
    const rows = (upstreams ?? []).map((endpoint) => {
      const row = this.document.createElement("tr");
      const name = this.cell(`${endpoint.pool} · ${endpoint.url}`, "wrap");
      name.title = `${endpoint.dialect} dialect`;
      const state = this.document.createElement("td");
      const label = this.document.createElement("span");
      label.className = endpoint.up ? "state-generating" : "state-down";
      label.textContent = endpoint.up ? "up" : "down";
      state.append(label);
      row.append(
        name,
        state,
        this.cell(`${formatCount(endpoint.in_flight)} / ${formatCount(endpoint.max_concurrent)}`, "num"),
        this.cell(formatCount(endpoint.requests), "num"),
        this.cell(formatCount(endpoint.failovers), "num"),
        this.cell(formatCount(endpoint.affinity_hits), "num"),
        this.cell(formatCount(endpoint.cached_tokens), "num"),
      );
      return row;
    });
    this.byId("upstreams").tBodies[0].replaceChildren(...rows);
  }

  stateCell(sequence) {
    const cell = this.document.createElement("td");
    const label = this.document.createElement("span");
    label.className = `state-${sequence.state}`;
    if (sequence.state === "prompt") {
      const share = sequence.prompt_tokens > 0 ? sequence.evaluated_tokens / sequence.prompt_tokens : 0;
      label.textContent = `evaluating prompt ${formatPercent(share)}`;
      const progress = this.document.createElement("progress");
      progress.max = Math.max(1, sequence.prompt_tokens);
      progress.value = sequence.evaluated_tokens;
      progress.setAttribute("aria-label", `${sequence.evaluated_tokens} of ${sequence.prompt_tokens} prompt tokens`);
      cell.append(label, progress);
      return cell;
    }
    label.textContent = sequence.state === "generating" ? `generating (${formatCount(sequence.output_tokens)} tokens)` : "idle";
    cell.append(label);
    return cell;
  }

  renderCharts(state) {
    const toMs = Date.parse(state.time);
    const requests = state.requests.map((request) => ({ ...request, atMs: Date.parse(request.ended_at) }));
    // From the oldest request listed, between one and ten minutes back, so that a few requests spread out.
    const oldestMs = Math.min(toMs, ...requests.map((request) => request.atMs));
    const spanMinutes = Math.min(maxChartMinutes, Math.max(1, Math.ceil((toMs - oldestMs) / 60_000)));
    const fromMs = toMs - spanMinutes * 60_000;
    for (const start of this.document.querySelectorAll(".chart-start")) start.textContent = `${spanMinutes} min ago`;
    const firstTokens = requests.filter((request) => request.first_token_ms !== null).map((request) => ({ atMs: request.atMs, value: request.first_token_ms }));
    const top = drawChart(this.byId("first-token-chart"), { points: firstTokens, fromMs, toMs, label: "Time to first token", format: formatMilliseconds });
    this.text("first-token-scale", firstTokens.length === 0 ? "" : `max ${formatMilliseconds(top)}`);
    const hits = requests
      .filter((request) => request.input_tokens !== null && request.cached_input_tokens !== null && request.input_tokens + request.cached_input_tokens > 0)
      .map((request) => ({ atMs: request.atMs, value: request.cached_input_tokens / (request.input_tokens + request.cached_input_tokens) }));
    drawChart(this.byId("cache-hit-chart"), { points: hits, fromMs, toMs, maxValue: 1, label: "Cache-hit share", format: formatPercent });
  }

  renderRequests(requests) {
    const rows = requests.slice(0, shownRequests).map((request) => {
      const row = this.document.createElement("tr");
      row.append(
        this.cell(formatTime(request.ended_at)),
        this.cell(request.model ?? "—", "wrap"),
        this.cell(formatCount(request.input_tokens), "num"),
        this.cell(formatCount(request.cached_input_tokens), "num"),
        this.cell(formatCount(request.output_tokens), "num"),
        this.cell(formatMilliseconds(request.first_token_ms), "num"),
        this.cell(request.stop_reason ?? "—"),
        this.cell(String(request.status), "num"),
      );
      return row;
    });
    this.byId("requests").tBodies[0].replaceChildren(...rows);
    this.byId("requests-empty").hidden = rows.length > 0;
  }

  list(id, entries) {
    const items = entries.map(([term, value, swatch]) => {
      const item = this.document.createElement("div");
      const dt = this.document.createElement("dt");
      if (swatch !== undefined) {
        const mark = this.document.createElement("span");
        mark.className = `swatch ${swatch}`;
        mark.setAttribute("aria-hidden", "true");
        dt.append(mark);
      }
      dt.append(term);
      const dd = this.document.createElement("dd");
      dd.textContent = value;
      item.append(dt, dd);
      return item;
    });
    this.byId(id).replaceChildren(...items);
  }

  cell(text, className) {
    const cell = this.document.createElement("td");
    cell.textContent = text;
    if (className !== undefined) cell.className = className;
    return cell;
  }

  text(id, value) {
    const node = this.byId(id);
    if (node.textContent !== value) node.textContent = value;
  }

  byId(id) {
    return this.document.getElementById(id);
  }
}

/** The start of a long id (a session's UUID), enough to tell sessions apart in a narrow column. */
function shorten(text, length) {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
