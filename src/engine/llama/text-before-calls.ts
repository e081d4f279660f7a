/**
 * A reply's text while a per-argument call may follow it: whitespace at the end of each chunk waits for more text,
 * since the call's format writes its own separator before the call, and a client echoing that whitespace back in
 * its text block would change the next turn's prompt. Lives as long as one generation.
 */
export class TextBeforeCalls {
  private held = "";

  constructor(
    private readonly send: (text: string) => void,
    /** Whether a call may follow at all; when not, text is sent as it comes. */
    private readonly holdsWhitespace: boolean,
  ) {}

  add(text: string): void {
    const trailing = this.holdsWhitespace ? (/\s*$/.exec(text)?.[0] ?? "") : "";
    const body = text.slice(0, text.length - trailing.length);
    if (body !== "") this.flush(body);
    this.held += trailing;
  }

  /** Sends what waits (before other output, or at the end of a reply without a call). */
  flush(after = ""): void {
    const whole = this.held + after;
    this.held = "";
    if (whole !== "") this.send(whole);
  }

  /** A call follows: what waits was the format's separator, not text. */
  drop(): void {
    this.held = "";
  }
}
