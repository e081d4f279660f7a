import type { ServedModel } from "./claude-environment.js";

/** How long a probe of a server that may not be there waits: a local server answers /health at once. */
const probeTimeoutMs = 3000;

/** Whether a ready Pensieve answers `GET /health` at `baseUrl`: 200 with its `{status: "ready"}` body. */
export async function isReadyPensieve(fetchFunction: typeof fetch, baseUrl: string): Promise<boolean> {
  try {
    const response = await fetchFunction(`${baseUrl}/health`, { signal: AbortSignal.timeout(probeTimeoutMs) });
    if (response.status !== 200) return false;
    const body = (await response.json()) as { status?: unknown };
    return body.status === "ready";
  } catch {
    return false;
  }
}

/** The model the server at `baseUrl` serves by default (the first of `GET /v1/models`), and its window. */
export async function servedModel(fetchFunction: typeof fetch, baseUrl: string, apiKey: string): Promise<ServedModel> {
  const response = await fetchFunction(`${baseUrl}/v1/models`, {
    headers: { "x-api-key": apiKey, "anthropic-version": "2023-06-01" },
    signal: AbortSignal.timeout(probeTimeoutMs),
  });
  if (response.status !== 200) {
    throw new Error(`${baseUrl}/v1/models answered ${response.status}${response.status === 401 ? ": set PENSIEVE_API_KEY to the server's key" : ""}`);
  }
  const body = (await response.json()) as { data?: { id?: unknown; max_input_tokens?: unknown }[] };
  const model = body.data?.[0];
  if (typeof model?.id !== "string" || typeof model.max_input_tokens !== "number") {
    throw new Error(`${baseUrl}/v1/models lists no model: is it a Pensieve server?`);
  }
  return { baseUrl, id: model.id, maxInputTokens: model.max_input_tokens };
}
