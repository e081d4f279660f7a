import type { UpstreamEndpoint } from "./upstream-endpoint.js";

/** What a probe found: whether the model is served, the models listed, and why not when it is not. */
export interface ProbeResult {
  readonly ready: boolean;
  readonly models: readonly string[];
  readonly problem: string | null;
  /** Nothing answered at all: the connection was refused. */
  readonly unreachable?: boolean;
}

const probeTimeoutMs = 5_000;

/**
 * Asks an endpoint whether it can serve `model`: `GET /health` must answer 200 (where the dialect has one:
 * Ollama and OpenAI do not), and `GET /v1/models` must list the model (`undefined`: any model). Also notes
 * the context size where the endpoint reports one (vLLM's `max_model_len`, llama-server's `/props`).
 */
export async function probeEndpoint(endpoint: UpstreamEndpoint, model: string | undefined, fetchFunction: typeof fetch): Promise<ProbeResult> {
  // One more try for a keep-alive connection the server had just closed: a probe must not fail for that.
  const get = (path: string): Promise<Response> => {
    const once = (): Promise<Response> => fetchFunction(`${endpoint.url}${path}`, { signal: AbortSignal.timeout(probeTimeoutMs) });
    return once().catch((error: unknown) => {
      if ((error as { cause?: { code?: unknown } }).cause?.code === "ECONNREFUSED") throw error;
      return once();
    });
  };
  try {
    if (endpoint.dialect !== "ollama" && endpoint.dialect !== "openai") {
      const health = await get("/health");
      await health.body?.cancel();
      if (!health.ok) return { ready: false, models: [], problem: `/health answered ${health.status}` };
    }
    const listing = await get("/v1/models");
    if (!listing.ok) return { ready: false, models: [], problem: `/v1/models answered ${listing.status}` };
    const data = ((await listing.json()) as { data?: readonly { id?: unknown; max_model_len?: unknown }[] }).data ?? [];
    const models = data.flatMap((entry) => (typeof entry.id === "string" ? [entry.id] : []));
    const listed = model === undefined ? data[0] : data.find((entry) => entry.id === model);
    if (listed === undefined) return { ready: false, models, problem: `${model ?? "a model"} is not listed in /v1/models` };
    if (typeof listed.max_model_len === "number") endpoint.contextSize = listed.max_model_len;
    if (endpoint.dialect === "llama-server" && endpoint.contextSize === null) endpoint.contextSize = await llamaServerContext(get);
    return { ready: true, models, problem: null };
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === "string" ? cause.code : null;
    return { ready: false, models: [], problem: code ?? (error as Error).message, unreachable: code === "ECONNREFUSED" };
  }
}

/** llama-server's context per slot, from `/props`; `null` when it does not say. */
async function llamaServerContext(get: (path: string) => Promise<Response>): Promise<number | null> {
  const props = await get("/props");
  if (!props.ok) return null;
  const settings = ((await props.json()) as { default_generation_settings?: { n_ctx?: unknown } }).default_generation_settings;
  return typeof settings?.n_ctx === "number" ? settings.n_ctx : null;
}
