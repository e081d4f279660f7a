/** The OpenAI-compatible server an endpoint runs: decides how thinking, forced tools and cache counts are expressed. */
export type UpstreamDialect = "vllm" | "sglang" | "llama-server" | "ollama" | "openai";

export const upstreamDialects: readonly UpstreamDialect[] = ["vllm", "sglang", "llama-server", "ollama", "openai"];

/**
 * How a pool picks an endpoint for a conversation: `hash` (rendezvous hashing over its endpoints, so a
 * conversation returns to the endpoint holding its prefix), or `forward` (one URL, a cache-aware router behind
 * it, told the conversation's key in the headers routers read).
 */
export type UpstreamAffinity = "hash" | "forward";

export interface UpstreamEndpointOptions {
  /** The server's base URL, without `/v1`: `http://vllm-0:8000`. */
  readonly url: string;
  readonly dialect: UpstreamDialect;
  /** Requests sent to it at once; more wait in the pool's queue. */
  readonly maxConcurrent: number;
}

/** One model served by a pool of OpenAI-compatible endpoints. */
export interface UpstreamPoolOptions {
  /** The model name sent upstream and listed by `/v1/models`; `undefined` takes the first model the first endpoint lists. */
  readonly model?: string;
  readonly endpoints: readonly UpstreamEndpointOptions[];
  readonly affinity: UpstreamAffinity;
  /** Requests allowed to wait when every endpoint is at its cap. Defaults to `16`. */
  readonly maxQueue?: number;
  /** How long a request may wait for an endpoint. Defaults to 10 minutes. */
  readonly maxQueueWaitMs?: number;
  /** How often each endpoint is probed. Defaults to 5 s. */
  readonly probeIntervalMs?: number;
  /** Consecutive failed requests that open an endpoint's circuit breaker. Defaults to `3`. */
  readonly failureThreshold?: number;
  /** The context size assumed when an endpoint does not say. Defaults to `32768`. */
  readonly contextSize?: number;
  /** Where the engine's messages go. Defaults to none. */
  readonly log?: (level: "info" | "warn" | "error", message: string) => void;
  /** The HTTP client; tests pass their own. Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** The clock, in milliseconds. Defaults to `Date.now`. */
  readonly now?: () => number;
}
