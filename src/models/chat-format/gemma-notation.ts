import { LlamaText, SpecialTokensText } from "node-llama-cpp";

/** Gemma 4's string delimiter, a token of its own: a string value is `<|"|>raw text<|"|>`. */
export const gemmaStringDelimiter = '<|"|>';

/**
 * A value in Gemma 4's notation, as its template's `format_argument` macro writes a call's arguments
 * (`escape_keys=False`): strings between delimiter tokens, raw; numbers, booleans and `null` as JSON; arrays
 * `[v,v]`; objects `{key:v}` with keys bare and sorted as `dictsort` sorts them. The delimiters are special-token
 * text unless `delimitersAsText` (a reply model's script, see `renderReplyScript`).
 */
export function renderGemmaValue(value: unknown, delimitersAsText = false): LlamaText {
  if (typeof value === "string") {
    const delimiter = delimitersAsText ? gemmaStringDelimiter : new SpecialTokensText(gemmaStringDelimiter);
    return LlamaText([delimiter, value, delimiter]);
  }
  if (Array.isArray(value)) return LlamaText(["[", ...joined(value.map((item) => renderGemmaValue(item, delimitersAsText))), "]"]);
  if (value !== null && typeof value === "object") {
    const entries = dictsorted(value).map(([key, item]) => LlamaText([key, ":", renderGemmaValue(item, delimitersAsText)]));
    return LlamaText(["{", ...joined(entries), "}"]);
  }
  return LlamaText(JSON.stringify(value) ?? "null");
}

/** An object's entries as Jinja's `dictsort` orders them: by key, case-insensitively, ties kept in order. */
export function dictsorted(value: object): [string, unknown][] {
  return Object.entries(value).sort(([first], [second]) => {
    const [a, b] = [first.toLowerCase(), second.toLowerCase()];
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function joined(items: readonly LlamaText[]): (LlamaText | string)[] {
  return items.flatMap((item, index) => (index === 0 ? [item] : [",", item]));
}
