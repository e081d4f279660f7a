import { InvalidRequestError } from "../server-error.js";
import type { ContentBlockParam } from "../wire/messages-request.js";
import { requireText } from "./content-blocks.js";

/** Text documents and search results become plain text with their title; binary sources are refused. */
export function documentText(block: ContentBlockParam, field: string): string {
  const title = typeof block["title"] === "string" ? `${block["title"]}\n\n` : "";
  if (block.type === "search_result") {
    const content = Array.isArray(block["content"]) ? (block["content"] as ContentBlockParam[]) : [];
    return title + content.map((inner, index) => requireText(inner, `${field}.content.${index}`)).join("\n\n");
  }
  const source = block["source"] as { type?: unknown; data?: unknown; content?: unknown } | undefined;
  if (source?.type === "text" && typeof source.data === "string") return title + source.data;
  if (source?.type === "content") {
    if (typeof source.content === "string") return title + source.content;
    if (Array.isArray(source.content)) {
      return title + (source.content as ContentBlockParam[]).map((inner, index) => requireText(inner, `${field}.source.content.${index}`)).join("\n\n");
    }
  }
  throw new InvalidRequestError(
    `${field}.source: this model reads only text documents (source type 'text' or 'content'); PDF and URL sources are not supported`,
  );
}
