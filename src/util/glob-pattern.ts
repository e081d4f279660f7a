/**
 * A model-name pattern such as `claude-*haiku*`: `*` matches any run of characters, `?` one character, and
 * everything else itself, ignoring case (Anthropic's model names are lower case, users' configs may not be).
 */
export class GlobPattern {
  private readonly expression: RegExp;

  constructor(readonly pattern: string) {
    const source = [...pattern].map((character) => (character === "*" ? ".*" : character === "?" ? "." : escapeRegExp(character))).join("");
    this.expression = new RegExp(`^${source}$`, "is");
  }

  matches(name: string): boolean {
    return this.expression.test(name);
  }
}

function escapeRegExp(character: string): string {
  return /[\\^$.|+()[\]{}/-]/.test(character) ? `\\${character}` : character;
}
