/** The parts of a streamed Chat Completions chunk this engine reads; every field may be missing or null. */
export interface ChatCompletionChunk {
  readonly choices?: readonly ChunkChoice[] | null;
  readonly usage?: ChunkUsage | null;
  /** llama-server's own counts, in its last chunk: `cache_n` is the reused prefix. */
  readonly timings?: { readonly prompt_n?: number; readonly cache_n?: number } | null;
  /** An error reported in the stream (vLLM, SGLang and llama-server send one after a failure mid-stream). */
  readonly error?: { readonly message?: string } | string | null;
}

export interface ChunkChoice {
  readonly delta?: ChunkDelta | null;
  readonly finish_reason?: string | null;
}

export interface ChunkDelta {
  readonly content?: string | null;
  /** vLLM, SGLang and llama-server with a reasoning parser. */
  readonly reasoning_content?: string | null;
  /** Newer vLLM and Ollama. */
  readonly reasoning?: string | null;
  readonly tool_calls?: readonly ChunkToolCall[] | null;
}

export interface ChunkToolCall {
  readonly index?: number;
  readonly id?: string | null;
  readonly function?: { readonly name?: string | null; readonly arguments?: string | null } | null;
}

export interface ChunkUsage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
}

/**
 * The chunks of a Server-Sent Events body, up to `data: [DONE]` or the end of the body. Lines that are not
 * `data:` (comments, keep-alives, event names) are skipped; a data line that is not JSON throws.
 */
export async function* readChatCompletionChunks(body: AsyncIterable<Uint8Array>): AsyncGenerator<ChatCompletionChunk> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const bytes of body) {
    pending += decoder.decode(bytes, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      const line = pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") return;
      if (data !== "") yield JSON.parse(data) as ChatCompletionChunk;
    }
  }
}
