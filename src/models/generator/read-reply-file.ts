import { readFile } from "node:fs/promises";
import { parseReplyBlocks, type ReplyParts } from "./reply-blocks.js";

/** Reads and checks a reply file (see `parseReplyBlocks`); every failure is one `Error` line naming the file. */
export async function readReplyFile(filePath: string): Promise<ReplyParts> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    throw new Error(`cannot read the reply file ${filePath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`the reply file ${filePath} is not JSON: ${(error as Error).message.split("\n")[0] ?? ""}`);
  }
  try {
    return parseReplyBlocks(parsed);
  } catch (error) {
    throw new Error(`the reply file ${filePath}: ${(error as Error).message}`);
  }
}
