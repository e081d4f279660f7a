/** An upstream's refusal of a request too long for its context, as numbers. */
export interface ContextOverflow {
  /** The prompt's tokens, when the upstream said. */
  readonly promptTokens: number | null;
  /** The context (or maximum input) the upstream allows. */
  readonly maxTokens: number;
}

const maximumPatterns = [/tokens > (\d+) maximum/i, /maximum context length (?:is|of) (\d+)/i, /model's context length \((\d+) tokens?\)/i, /context size \((\d+)\)/i];
const promptPatterns = [
  /prompt is too long: (\d+) tokens/i,
  /(\d+) (?:tokens? )?(?:in|from) the (?:input )?messages/i,
  /your request has (\d+) input tokens/i,
  /input \((\d+) tokens?\) is longer/i,
  /your messages resulted in (\d+) tokens/i,
  /you requested (\d+) tokens/i,
];

/**
 * Reads an upstream's error body for a context overflow, in each engine's own words: llama-server's
 * `exceed_context_size_error` (`n_prompt_tokens`, `n_ctx`), vLLM's and OpenAI's "maximum context length is M
 * tokens", SGLang's "The input (N tokens) is longer than the model's context length (M tokens)", Pensieve's own
 * "prompt is too long: N tokens > M maximum". `null` when
 * the error is something else.
 */
export function contextOverflowOf(bodyText: string): ContextOverflow | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = null;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error === "object" && error !== null) {
    const fields = error as { type?: unknown; n_prompt_tokens?: unknown; n_ctx?: unknown };
    if (fields.type === "exceed_context_size_error" && typeof fields.n_ctx === "number") {
      return { promptTokens: typeof fields.n_prompt_tokens === "number" ? fields.n_prompt_tokens : null, maxTokens: fields.n_ctx };
    }
  }
  const message = errorMessageOf(bodyText);
  const maximum = firstNumber(message, maximumPatterns);
  if (maximum === null) return null;
  return { promptTokens: firstNumber(message, promptPatterns), maxTokens: maximum };
}

/** The `error.message` (or `message`, or `detail`) of an error body, else the body itself, cut to a readable length. */
export function errorMessageOf(bodyText: string): string {
  try {
    const parsed = JSON.parse(bodyText) as { error?: unknown; message?: unknown; detail?: unknown } | null;
    const error = parsed?.error;
    if (typeof error === "string") return error;
    if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") return (error as { message: string }).message;
    if (typeof parsed?.message === "string") return parsed.message;
    if (typeof parsed?.detail === "string") return parsed.detail;
  } catch {
    // Not JSON: the text is the message.
  }
  return bodyText.slice(0, 500);
}

function firstNumber(text: string, patterns: readonly RegExp[]): number | null {
  for (const pattern of patterns) {
    const match = pattern.exec(text)?.[1];
    if (match !== undefined) return Number(match);
  }
  return null;
}
