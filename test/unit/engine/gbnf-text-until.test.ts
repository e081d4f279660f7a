import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gbnfAnyCharacterBut, gbnfLiteral, gbnfTextUntil } from "../../../src/engine/per-argument-calls/gbnf.js";

// A matcher for the GBNF subset gbnfTextUntil emits: rules `name-N ::= alt | alt`, each alternative a one-character
// literal or a negated class followed by a rule name, or `""`. Escapes are read as llama.cpp's `parse_char` reads
// them (src/llama-grammar.cpp: \x \u \U \t \r \n \\ \" \[ \] \-, anything else "unknown escape").

type Terminal = { readonly kind: "literal"; readonly text: string } | { readonly kind: "not"; readonly characters: ReadonlySet<string> };
/** An alternative consumes one character and goes on to `next`; without a terminal it is `""`, where the text may end. */
interface Alternative {
  readonly terminal?: Terminal;
  readonly next?: string;
}
type Rules = ReadonlyMap<string, readonly Alternative[]>;

function readCharacter(body: string, index: number): [string, number] {
  if (body[index] !== "\\") {
    const character = String.fromCodePoint(body.codePointAt(index) ?? 0);
    return [character, index + character.length];
  }
  const escaped = body[index + 1] ?? "";
  const hexLength = { x: 2, u: 4, U: 8 }[escaped];
  if (hexLength !== undefined) return [String.fromCodePoint(Number.parseInt(body.slice(index + 2, index + 2 + hexLength), 16)), index + 2 + hexLength];
  const controls: Record<string, string> = { t: "\t", r: "\r", n: "\n" };
  if (controls[escaped] !== undefined) return [controls[escaped], index + 2];
  if ('\\"[]-'.includes(escaped) && escaped !== "") return [escaped, index + 2];
  throw new Error(`unknown escape at ${body.slice(index)}`);
}

/** The text of the GBNF literal starting at `body[index]` (a `"`), and the index after it. */
function readLiteral(body: string, index: number): [string, number] {
  let text = "";
  let at = index + 1;
  while (body[at] !== '"') {
    if (at >= body.length) throw new Error(`unterminated literal in ${body}`);
    const [character, next] = readCharacter(body, at);
    text += character;
    at = next;
  }
  return [text, at + 1];
}

function readNegatedClass(body: string, index: number): [Set<string>, number] {
  if (body[index + 1] !== "^") throw new Error(`expected a negated class in ${body}`);
  const characters = new Set<string>();
  let at = index + 2;
  while (body[at] !== "]") {
    if (at >= body.length) throw new Error(`unterminated class in ${body}`);
    const [character, next] = readCharacter(body, at);
    // llama.cpp reads an unescaped `-` between two characters as a range, which gbnfTextUntil never means.
    if (body[next] === "-" && body[next + 1] !== "]") throw new Error(`range in class ${body}`);
    characters.add(character);
    at = next;
  }
  return [characters, at + 1];
}

function parseRules(gbnf: string): Rules {
  const rules = new Map<string, Alternative[]>();
  for (const line of gbnf.split("\n")) {
    const match = /^([a-zA-Z0-9-]+) ::= (.*)$/.exec(line);
    if (match === null) throw new Error(`not a rule: ${JSON.stringify(line)}`);
    const [, name = "", body = ""] = match;
    const alternatives: Alternative[] = [];
    let items: (Terminal | string)[] = [];
    const endAlternative = (): void => {
      const [terminal, next, ...rest] = items;
      if (items.length === 1 && typeof terminal === "object" && terminal.kind === "literal" && terminal.text === "") alternatives.push({});
      else if (typeof terminal === "object" && typeof next === "string" && rest.length === 0) alternatives.push({ terminal, next });
      else throw new Error(`alternative outside the subset in ${line}`);
      items = [];
    };
    let index = 0;
    while (index < body.length) {
      const character = body[index];
      if (character === " ") index += 1;
      else if (character === "|") {
        endAlternative();
        index += 1;
      } else if (character === '"') {
        const [text, next] = readLiteral(body, index);
        if ([...text].length > 1) throw new Error(`literal of more than one character in ${line}`);
        items.push({ kind: "literal", text });
        index = next;
      } else if (character === "[") {
        const [characters, next] = readNegatedClass(body, index);
        items.push({ kind: "not", characters });
        index = next;
      } else {
        const word = /^[a-zA-Z0-9-]+/.exec(body.slice(index))?.[0];
        if (word === undefined) throw new Error(`unexpected ${body.slice(index)}`);
        items.push(word);
        index += word.length;
      }
    }
    endAlternative();
    if (rules.has(name)) throw new Error(`rule ${name} defined twice`);
    rules.set(name, alternatives);
  }
  for (const alternatives of rules.values()) {
    for (const { next } of alternatives) if (next !== undefined && !rules.has(next)) throw new Error(`undefined rule ${next}`);
  }
  return rules;
}

function accepts(rules: Rules, entry: string, text: string): boolean {
  let current = new Set([entry]);
  for (const character of text) {
    const next = new Set<string>();
    for (const name of current) {
      for (const { terminal, next: after } of rules.get(name) ?? []) {
        if (terminal === undefined || after === undefined) continue;
        const matches = terminal.kind === "literal" ? terminal.text === character : !terminal.characters.has(character);
        if (matches) next.add(after);
      }
    }
    current = next;
  }
  return [...current].some((name) => (rules.get(name) ?? []).some((alternative) => alternative.terminal === undefined));
}

/** What gbnfTextUntil promises: no terminator inside, and after the text the terminator occurs first at the text's end. */
function endsOnlyAtTerminator(text: string, terminator: string): boolean {
  return !text.includes(terminator) && (text + terminator).indexOf(terminator) === text.length;
}

/** Texts made of the terminator's characters, its beginnings and ends, and one other character: collisions are frequent. */
function textsNear(terminator: string): fc.Arbitrary<string> {
  const characters = [...terminator];
  const pieces = [...new Set([...characters, "x", ...characters.map((_, index) => characters.slice(0, index + 1).join("")), ...characters.map((_, index) => characters.slice(index).join(""))])];
  return fc.array(fc.constantFrom(...pieces), { maxLength: 10 }).map((parts) => parts.join(""));
}

const terminators = ["\n</parameter>\n", "</arg_value>", "aab", "abab", "aaa", "a", 'a"]\\-^[b'];

describe("gbnfTextUntil", () => {
  for (const terminator of terminators) {
    it(`accepts exactly the texts the terminator ends first at their end: ${JSON.stringify(terminator)}`, () => {
      const rules = parseRules(gbnfTextUntil("value", terminator));
      expect(rules.size).toBe([...terminator].length);
      fc.assert(
        fc.property(textsNear(terminator), (text) => {
          expect(accepts(rules, "value-0", text), JSON.stringify(text)).toBe(endsOnlyAtTerminator(text, terminator));
        }),
        { numRuns: 400 },
      );
    });
  }

  it("rejects a text ending in a start of the terminator that would close early, and accepts the near misses", () => {
    const qwen = parseRules(gbnfTextUntil("value", "\n</parameter>\n"));
    const cases: [string, boolean][] = [
      ["", true],
      ["line one\n<b>two</b>\n</parameter", true],
      ["a\n</parameter>", false], // the closing text would start at the value's last line break
      ["a\n</parameter>\n", false],
      ["a\n</parameter>x", true],
      ["\n", true],
      ["é😀<", true],
    ];
    for (const [text, accepted] of cases) expect(accepts(qwen, "value-0", text), JSON.stringify(text)).toBe(accepted);
    const overlapping = parseRules(gbnfTextUntil("value", "abab"));
    expect([["aba", true], ["ab", false], ["abab", false], ["abx", true]].map(([text]) => accepts(overlapping, "value-0", String(text)))).toEqual([true, false, false, true]);
  });

  it("names its rules after the given name, the entry first", () => {
    const lines = gbnfTextUntil("arg-7", "</x>").split("\n");
    expect(lines.map((line) => line.slice(0, line.indexOf(" ::= ")))).toEqual(["arg-7-0", "arg-7-1", "arg-7-2", "arg-7-3"]);
  });
});

describe("gbnfLiteral and gbnfAnyCharacterBut", () => {
  it("write any text (quotes, backslashes, brackets, line breaks, emoji) as a literal llama.cpp reads back", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", '"', "\\", "[", "]", "-", "^", "\n", "\r", "\t", "é", "😀", " ") }), (text) => {
        const literal = gbnfLiteral(text);
        expect(readLiteral(literal, 0)).toEqual([text, literal.length]);
      }),
    );
  });

  it("write a negated class of any characters, once each, that llama.cpp reads back without ranges", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", '"', "\\", "[", "]", "-", "^", "\n", "\r", "\t", "é", "😀")), (characters) => {
        const text = gbnfAnyCharacterBut(characters);
        const [read, end] = readNegatedClass(text, 0);
        expect(end).toBe(text.length);
        expect(read).toEqual(new Set(characters));
      }),
    );
  });
});
