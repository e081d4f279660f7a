import { gemmaStringDelimiter as delimiter } from "../../models/chat-format/gemma-notation.js";

/** A value read, and where its text ends. */
export interface GemmaValueRead {
  readonly value: unknown;
  readonly end: number;
}

/**
 * Reads one value in Gemma 4's notation (see `renderGemmaValue`) from `start`: `undefined` while `text` does not hold
 * all of it (a number is whole only once something follows it), or where it is not one. Object keys are read bare
 * up to their `:`, or between string delimiters, as llama.cpp's Gemma 4 parser reads them.
 */
export function readGemmaValue(text: string, start: number): GemmaValueRead | undefined {
  if (text.startsWith(delimiter, start)) {
    const close = text.indexOf(delimiter, start + delimiter.length);
    return close < 0 ? undefined : { value: text.slice(start + delimiter.length, close), end: close + delimiter.length };
  }
  const first = text[start];
  if (first === "[") return readItems(text, start + 1, "]", (at) => readGemmaValue(text, at), (items) => items.map((item) => item.value));
  if (first === "{") return readItems(text, start + 1, "}", (at) => readEntry(text, at), (entries) => objectOf(entries));
  for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
    if (text.startsWith(word, start)) return { value, end: start + word.length };
  }
  const number = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(start));
  // Whole only once what follows cannot go on with it (`1` may be the start of `1e-7`).
  if (number === null || /^[\d.eE+-]?$/.test(text[start + number[0].length] ?? "")) return undefined;
  return { value: Number(number[0]), end: start + number[0].length };
}

interface EntryRead {
  readonly key: string;
  readonly value: unknown;
  readonly end: number;
}

function readEntry(text: string, start: number): EntryRead | undefined {
  const colon = text.indexOf(":", start);
  if (colon < 0) return undefined;
  const written = text.slice(start, colon);
  const quoted = written.length >= 2 * delimiter.length && written.startsWith(delimiter) && written.endsWith(delimiter);
  const key = quoted ? written.slice(delimiter.length, -delimiter.length) : written;
  const value = readGemmaValue(text, colon + 1);
  return value === undefined ? undefined : { key, value: value.value, end: value.end };
}

/** Items separated by `,` up to `close`, each read by `readItem`; `undefined` while incomplete. */
function readItems<Item extends { readonly end: number }>(
  text: string,
  start: number,
  close: string,
  readItem: (at: number) => Item | undefined,
  valueOf: (items: Item[]) => unknown,
): GemmaValueRead | undefined {
  const items: Item[] = [];
  let at = start;
  if (text[at] === close) return { value: valueOf(items), end: at + 1 };
  for (;;) {
    const item = readItem(at);
    if (item === undefined) return undefined;
    items.push(item);
    at = item.end;
    if (text[at] === close) return { value: valueOf(items), end: at + 1 };
    if (text[at] !== ",") return undefined;
    at += 1;
  }
}

function objectOf(entries: readonly EntryRead[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  // Defined, not assigned: a key named `__proto__` would set the object's prototype instead.
  for (const { key, value } of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}
