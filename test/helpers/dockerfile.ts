import { readFileSync } from "node:fs";

/** One instruction of a Dockerfile: its keyword (upper case) and the rest of its line, continuations joined. */
export interface DockerfileInstruction {
  readonly keyword: string;
  readonly argument: string;
}

/**
 * The instructions of a Dockerfile, enough for tests: comment lines dropped (Docker drops them inside
 * continuations too), lines ending in a backslash joined to the next. No parser directives, no heredocs.
 */
export function readDockerfile(filePath: string): DockerfileInstruction[] {
  const logicalLines: string[] = [];
  let pending = "";
  for (const line of readFileSync(filePath, "utf8").split("\n")) {
    if (line.trimStart().startsWith("#")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logicalLines.push(pending + line);
    pending = "";
  }
  return logicalLines
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const keyword = line.split(/\s+/)[0] ?? "";
      return { keyword: keyword.toUpperCase(), argument: line.slice(keyword.length).trim() };
    });
}

/** The exec form (`["node", "x.js"]`) of a CMD, ENTRYPOINT or HEALTHCHECK's CMD, as its words. */
export function execForm(argument: string): string[] {
  const words: unknown = JSON.parse(argument.slice(argument.indexOf("[")));
  if (!Array.isArray(words) || !words.every((word) => typeof word === "string")) throw new Error(`not an exec form: ${argument}`);
  return words;
}
