import { RE2JS } from "re2js";

/** Longest `pattern` (or `patternProperties` key) accepted, in UTF-16 units. */
export const maxPatternLength = 1000;

/**
 * A JSON Schema `pattern`, matched by RE2 (the `re2js` port): time linear in the text whatever the pattern, where
 * JavaScript's backtracking `RegExp` takes time exponential in the text for a pattern such as `^(a+)+$`.
 * ECMA-262 syntax is translated first (`\uXXXX`, `(?<name>…)`); what RE2 cannot run (backreferences, lookaround,
 * repetitions over 1000) does not compile.
 */
export class SchemaPattern {
  private constructor(private readonly expression: RE2JS) {}

  /** Work units (about a microsecond each) compiling `source` costs: a tenth of a millisecond, plus one a character. */
  static compileCost(source: string): number {
    return 100 + source.length;
  }

  /** The compiled pattern, or why it cannot be compiled (one line that quotes the pattern). */
  static compile(source: string): SchemaPattern | string {
    const quoted = JSON.stringify(source.length > 80 ? `${source.slice(0, 80)}…` : source);
    if (source.length > maxPatternLength) return `pattern ${quoted} is longer than ${maxPatternLength} characters`;
    try {
      return new SchemaPattern(RE2JS.compile(RE2JS.translateRegExp(source)));
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : "unsupported";
      return `pattern ${quoted} is not supported (${reason}): patterns run on RE2, which has no backreferences or lookaround`;
    }
  }

  /**
   * Instructions in the compiled program: matching costs up to this much per character of text, so callers
   * count `programSize × text length` as work.
   */
  get programSize(): number {
    return this.expression.programSize();
  }

  /** Whether the pattern matches somewhere in `text` (JSON Schema patterns are not anchored). */
  test(text: string): boolean {
    return this.expression.test(text);
  }
}
