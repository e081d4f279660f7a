/** What a piece of text completed of a JSON object's top level, in order. */
export type ScanEvent =
  | { readonly kind: "open" }
  /** A member's value begins with a string: its body follows in `string-chunk`s. */
  | { readonly kind: "string-start"; readonly key: string }
  /** More of that string's body, as written (escapes included, possibly cut inside one). */
  | { readonly kind: "string-chunk"; readonly text: string }
  /** A member is complete: its key and its value's JSON text. */
  | { readonly kind: "member"; readonly key: string; readonly valueText: string }
  | { readonly kind: "close" }
  /** The text is not a JSON object's: nothing more is reported. */
  | { readonly kind: "unexpected" };

type State = "before" | "key-or-end" | "key" | "colon" | "value-start" | "value" | "after-value" | "closed" | "unexpected";

/**
 * Follows a JSON object as it is generated, a chunk at a time, and reports its top level: where it opens, each
 * member once its value is complete, the body of a string value as it arrives, and where it closes. Nested
 * values are only counted through, not reported. What follows the closing brace is ignored (node-llama-cpp
 * ends a call's parameters with blank lines). It trusts its input to be JSON, as a grammar made it, and says
 * `unexpected` once where it is not.
 */
export class JsonObjectScanner {
  private state: State = "before";
  private keyText = "";
  private key = "";
  private valueText = "";
  private valueKind: "string" | "container" | "primitive" = "primitive";
  /** Open brackets inside a container value, and whether the scan is inside one of its strings. */
  private depth = 0;
  private inNestedString = false;
  private escaped = false;

  feed(text: string): ScanEvent[] {
    const events: ScanEvent[] = [];
    // Where this chunk's part of a string value's body starts, while the scan is inside one.
    let bodyStart = this.inStringValue() ? 0 : -1;
    for (let position = 0; position < text.length; position += 1) {
      const character = text.charAt(position);
      const wasInString = this.inStringValue();
      this.step(character, events);
      if (!wasInString && this.inStringValue()) bodyStart = position + 1;
      else if (wasInString && !this.inStringValue()) {
        // The closing quote: report the body before it, then the member (which `step` queued last).
        if (position > bodyStart) events.splice(events.length - 1, 0, { kind: "string-chunk", text: text.slice(bodyStart, position) });
        bodyStart = -1;
      }
    }
    if (bodyStart >= 0 && bodyStart < text.length) events.push({ kind: "string-chunk", text: text.slice(bodyStart) });
    return events;
  }

  private inStringValue(): boolean {
    return this.state === "value" && this.valueKind === "string";
  }

  private step(character: string, events: ScanEvent[]): void {
    const blank = character === " " || character === "\t" || character === "\n" || character === "\r";
    switch (this.state) {
      case "before":
        if (!blank) this.expect(character === "{", "key-or-end", events, { kind: "open" });
        return;
      case "key-or-end":
        if (character === "}") this.close(events);
        else if (!blank) this.expect(character === '"', "key", events);
        return;
      case "key":
        if (this.escaped) this.escaped = false;
        else if (character === "\\") this.escaped = true;
        else if (character === '"') {
          this.key = JSON.parse(`"${this.keyText}"`) as string;
          this.keyText = "";
          this.state = "colon";
          return;
        }
        this.keyText += character;
        return;
      case "colon":
        if (!blank) this.expect(character === ":", "value-start", events);
        return;
      case "value-start":
        if (!blank) this.startValue(character, events);
        return;
      case "value":
        this.continueValue(character, blank, events);
        return;
      case "after-value":
        if (character === ",") this.state = "key-or-end";
        else if (character === "}") this.close(events);
        else if (!blank) this.expect(false, "unexpected", events);
        return;
      case "closed":
      case "unexpected":
        return;
    }
  }

  private startValue(character: string, events: ScanEvent[]): void {
    this.valueText = character;
    this.state = "value";
    if (character === '"') {
      this.valueKind = "string";
      events.push({ kind: "string-start", key: this.key });
    } else if (character === "{" || character === "[") {
      this.valueKind = "container";
      this.depth = 1;
    } else {
      this.valueKind = "primitive";
    }
  }

  private continueValue(character: string, blank: boolean, events: ScanEvent[]): void {
    if (this.valueKind === "primitive" && (blank || character === "," || character === "}")) {
      // A number or literal ends only where something else begins.
      this.endMember(events);
      this.step(character, events);
      return;
    }
    this.valueText += character;
    const inString = this.valueKind === "string" || this.inNestedString;
    if (inString) {
      if (this.escaped) this.escaped = false;
      else if (character === "\\") this.escaped = true;
      else if (character === '"') {
        if (this.valueKind === "string") this.endMember(events);
        else this.inNestedString = false;
      }
      return;
    }
    if (this.valueKind !== "container") return;
    if (character === '"') this.inNestedString = true;
    else if (character === "{" || character === "[") this.depth += 1;
    else if (character === "}" || character === "]") {
      this.depth -= 1;
      if (this.depth === 0) this.endMember(events);
    }
  }

  private endMember(events: ScanEvent[]): void {
    events.push({ kind: "member", key: this.key, valueText: this.valueText });
    this.valueText = "";
    this.state = "after-value";
  }

  private close(events: ScanEvent[]): void {
    this.state = "closed";
    events.push({ kind: "close" });
  }

  private expect(expected: boolean, next: State, events: ScanEvent[], event?: ScanEvent): void {
    if (!expected) {
      this.state = "unexpected";
      events.push({ kind: "unexpected" });
      return;
    }
    this.state = next;
    if (event !== undefined) events.push(event);
  }
}
