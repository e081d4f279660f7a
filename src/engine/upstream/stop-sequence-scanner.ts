/** What a scanned piece of text lets through: the text to send, and the stop sequence that ended it, if one did. */
export interface ScannedText {
  readonly text: string;
  readonly stopSequence: string | null;
}

/**
 * Finds the first stop sequence in streamed text, across chunk boundaries. Text that could be the start of a
 * stop sequence is held back until the next chunk settles it, so nothing of a stop sequence is ever sent;
 * `flush` lets the held text go when the stream ends without one.
 */
export class StopSequenceScanner {
  private held = "";
  private stopped = false;

  constructor(private readonly stopSequences: readonly string[]) {}

  push(chunk: string): ScannedText {
    if (this.stopped) return { text: "", stopSequence: null };
    const text = this.held + chunk;
    let earliest: { readonly at: number; readonly sequence: string } | null = null;
    for (const sequence of this.stopSequences) {
      const at = text.indexOf(sequence);
      if (at !== -1 && (earliest === null || at < earliest.at)) earliest = { at, sequence };
    }
    if (earliest !== null) {
      this.stopped = true;
      this.held = "";
      return { text: text.slice(0, earliest.at), stopSequence: earliest.sequence };
    }
    const keep = this.partialMatchLength(text);
    this.held = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep), stopSequence: null };
  }

  /** The text held back as a possible partial match: the stream ended, so it was not one. */
  flush(): string {
    const text = this.held;
    this.held = "";
    return text;
  }

  /** The longest end of `text` that begins some stop sequence. */
  private partialMatchLength(text: string): number {
    let longest = 0;
    for (const sequence of this.stopSequences) {
      for (let length = Math.min(sequence.length - 1, text.length); length > longest; length -= 1) {
        if (text.endsWith(sequence.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
