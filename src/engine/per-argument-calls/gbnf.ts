/** A GBNF string literal for `text`. */
export function gbnfLiteral(text: string): string {
  let body = "";
  for (const character of text) body += escapeCharacter(character, `"\\`);
  return `"${body}"`;
}

/** A GBNF character class matching any character but `excluded`. */
export function gbnfAnyCharacterBut(excluded: Iterable<string>): string {
  let body = "";
  // No `\^`: llama.cpp knows no such escape (a `^` after the first is a plain character).
  for (const character of new Set(excluded)) body += escapeCharacter(character, "]\\-");
  return `[^${body}]`;
}

function escapeCharacter(character: string, special: string): string {
  if (character === "\n") return "\\n";
  if (character === "\r") return "\\r";
  if (character === "\t") return "\\t";
  return special.includes(character) ? `\\${character}` : character;
}

/**
 * GBNF rules (named `<name>-<state>`, the first one `<name>-0` being the entry) for any text in which
 * `terminator` does not occur and after which it occurs only at the end: the value before a closing tag
 * (`\n</parameter>\n`) that may hold anything else, line breaks and `<` included. Built from the terminator's
 * matching automaton (Knuth–Morris–Pratt): each rule is a state, the number of the terminator's first
 * characters the text ends with, and the text may end only in a state from which the terminator completes
 * exactly at its own end. So a parser that cuts at the first occurrence of the terminator agrees with the grammar.
 */
export function gbnfTextUntil(name: string, terminator: string): string {
  const characters = [...terminator];
  const length = characters.length;
  const step = transitions(characters);
  const rules: string[] = [];
  for (let state = 0; state < length; state += 1) {
    const alternatives: string[] = [];
    const special = new Set<string>();
    for (const character of new Set(characters)) {
      const next = step(state, character);
      if (next === 0) continue;
      special.add(character);
      if (next < length) alternatives.push(`${gbnfLiteral(character)} ${name}-${next}`);
    }
    alternatives.push(`${gbnfAnyCharacterBut(special)} ${name}-0`);
    if (endsCleanly(state, characters, step)) alternatives.push(`""`);
    rules.push(`${name}-${state} ::= ${alternatives.join(" | ")}`);
  }
  return rules.join("\n");
}

function transitions(characters: readonly string[]): (state: number, character: string) => number {
  // failure[i]: the longest proper prefix of characters[0..i] that is also its suffix.
  const failure = new Array<number>(characters.length).fill(0);
  for (let index = 1, matched = 0; index < characters.length; index += 1) {
    while (matched > 0 && characters[index] !== characters[matched]) matched = failure[matched - 1] ?? 0;
    if (characters[index] === characters[matched]) matched += 1;
    failure[index] = matched;
  }
  return (state, character) => {
    let matched = state;
    while (matched > 0 && characters[matched] !== character) matched = failure[matched - 1] ?? 0;
    return characters[matched] === character ? matched + 1 : 0;
  };
}

function endsCleanly(state: number, characters: readonly string[], step: (state: number, character: string) => number): boolean {
  let current = state;
  for (let index = 0; index < characters.length; index += 1) {
    current = step(current, characters[index] ?? "");
    if (current === characters.length) return index === characters.length - 1;
  }
  return false;
}
