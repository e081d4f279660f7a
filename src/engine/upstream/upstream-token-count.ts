import type { PromptRequest } from "../generation-request.js";
import { toPromptBody } from "./chat-completion-body.js";
import type { UpstreamEndpoint } from "./upstream-endpoint.js";

/** A prompt's token count, and whether it is exact (the upstream tokenized it) or an estimate. */
export interface UpstreamTokenCount {
  readonly tokens: number;
  readonly exact: boolean;
}

/**
 * Counts a prompt's tokens on the endpoint that would serve it: llama-server renders it with `/apply-template`
 * and counts it with `/tokenize`; vLLM and SGLang tokenize the messages with the chat template in one
 * `/tokenize` call. Elsewhere (Ollama, OpenAI), or when the call fails, a length-based estimate, marked as one.
 */
export async function countUpstreamTokens(endpoint: UpstreamEndpoint | null, model: string, request: PromptRequest, fetchFunction: typeof fetch): Promise<UpstreamTokenCount> {
  const body = toPromptBody(request, model, endpoint?.dialect ?? "openai");
  const estimate = { tokens: Math.ceil(JSON.stringify([body["messages"], body["tools"] ?? []]).length / 3.5), exact: false };
  if (endpoint === null) return estimate;
  const post = async (path: string, payload: unknown): Promise<unknown> => {
    const response = await fetchFunction(`${endpoint.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return response.json();
  };
  try {
    switch (endpoint.dialect) {
      case "llama-server": {
        const { prompt } = (await post("/apply-template", body)) as { prompt?: unknown };
        if (typeof prompt !== "string") return estimate;
        const { tokens } = (await post("/tokenize", { content: prompt, add_special: true, parse_special: true })) as { tokens?: unknown };
        return Array.isArray(tokens) ? { tokens: tokens.length, exact: true } : estimate;
      }
      case "vllm":
      case "sglang": {
        const { count, tokens } = (await post("/tokenize", { ...body, add_generation_prompt: true })) as { count?: unknown; tokens?: unknown };
        if (typeof count === "number") return { tokens: count, exact: true };
        return Array.isArray(tokens) ? { tokens: tokens.length, exact: true } : estimate;
      }
      case "ollama":
      case "openai":
        return estimate;
    }
  } catch {
    return estimate;
  }
}
