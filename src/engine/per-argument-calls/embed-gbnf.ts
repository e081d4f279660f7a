/**
 * The rules of a whole GBNF grammar, renamed with `prefix` so they can sit beside other rules: its `root` becomes
 * `<prefix>root`. node-llama-cpp's JSON grammars end `root` with the blank lines it lets a reply finish on; they
 * are cut, since the value is followed by more of the call.
 */
export function embedGbnf(grammar: string, prefix: string): string {
  const lines = grammar.split("\n").filter((line) => line.trim() !== "");
  const names = new Set(lines.map((line) => line.slice(0, line.indexOf("::=")).trim()));
  return lines
    .map((line) => {
      const split = line.indexOf("::=");
      const name = line.slice(0, split).trim();
      let body = renameReferences(line.slice(split + 3), names, prefix);
      if (name === "root") body = body.replace(/\s*"\\n\\n\\n\\n" \[\\n\]\*\s*$/, "");
      return `${prefix}${name} ::=${body}`;
    })
    .join("\n");
}

function renameReferences(body: string, names: ReadonlySet<string>, prefix: string): string {
  let result = "";
  let index = 0;
  while (index < body.length) {
    const character = body[index] ?? "";
    if (character === '"' || character === "[") {
      const end = closingIndex(body, index, character === '"' ? '"' : "]");
      result += body.slice(index, end + 1);
      index = end + 1;
    } else if (/[a-zA-Z0-9_-]/.test(character)) {
      let end = index;
      while (end < body.length && /[a-zA-Z0-9_-]/.test(body[end] ?? "")) end += 1;
      const word = body.slice(index, end);
      result += names.has(word) ? `${prefix}${word}` : word;
      index = end;
    } else {
      result += character;
      index += 1;
    }
  }
  return result;
}

function closingIndex(body: string, start: number, close: string): number {
  for (let index = start + 1; index < body.length; index += 1) {
    if (body[index] === "\\") index += 1;
    else if (body[index] === close) return index;
  }
  return body.length - 1;
}
