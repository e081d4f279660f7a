import { isJsonSchemaObject, type JsonSchemaObject } from "../tool-schema/json-schema-object.js";
import { repairToolInput } from "../tool-schema/repair-tool-input.js";
import { JsonObjectScanner, type ScanEvent } from "./json-object-scanner.js";

export interface ToolInputStreamOptions {
  /** The tool's input schema, which each value is repaired against. */
  readonly schema: unknown;
  /** Also stream string values as they are generated, not only once they are whole. Defaults to `false`. */
  readonly eager?: boolean;
}

/** What a finished call's input adds to the stream, and the input that the whole stream parses to. */
export interface CompletedToolInput {
  readonly text: string;
  readonly input: unknown;
}

/** Schema keywords under which one member's repair could depend on the others (or on which alternative fits). */
const combinators = ["$ref", "allOf", "anyOf", "oneOf"];

/**
 * One tool call's input, turned from the model's raw JSON, as generated, into the JSON a client may see while
 * it is generated: every top-level value is sent once it is complete, already repaired as `repairToolInput`
 * repairs it (so an optional property the grammar made `null` is never sent, and a number is in its bounds),
 * and the texts sent concatenate to JSON that parses to the final input. Eagerly, a string value whose
 * repair cannot change it is also sent as it is generated. Schemas whose top level is not plainly an object of
 * properties (`anyOf` and such at the root) are repaired whole, so their input is sent only when complete.
 *
 * A chunk whose text has a U+FFFD (a character node-llama-cpp detokenised in halves) holds everything back
 * until the call completes, when the rest is taken from the parameters node-llama-cpp parsed as a whole.
 */
export class ToolInputStream {
  private readonly scanner = new JsonObjectScanner();
  private readonly schema: unknown;
  private readonly eager: boolean;
  private sent = "";
  private readonly sentKeys = new Set<string>();
  /** Nothing more is sent until the call completes (a value could not be sent as it is). */
  private held: boolean;
  /** What was sent is a whole JSON object. */
  private finished = false;
  /** An eagerly streamed string value: its key, the body sent, and the end of an escape not yet complete. */
  private open: { readonly key: string; body: string; pending: string } | null = null;

  constructor(options: ToolInputStreamOptions) {
    this.schema = options.schema;
    this.eager = options.eager === true;
    this.held = !(isJsonSchemaObject(options.schema) && combinators.every((keyword) => !Object.hasOwn(options.schema as JsonSchemaObject, keyword)));
  }

  /** Takes the next raw chunk of the call's parameters; returns the JSON text to send now (often empty). */
  push(chunk: string): string {
    const before = this.sent.length;
    for (const event of this.scanner.feed(chunk)) this.apply(event);
    return this.sent.slice(before);
  }

  /** The call is complete, with the parameters node-llama-cpp parsed: the rest of the JSON, and the input it makes. */
  complete(parameters: unknown): CompletedToolInput {
    const before = this.sent.length;
    if (!this.finished) this.sent += this.rest(repairToolInput(this.schema, parameters));
    this.finished = true;
    return { text: this.sent.slice(before), input: JSON.parse(this.sent) };
  }

  /**
   * The call was cut short: the text that ends what was sent. By whole values, the JSON is closed, holding the
   * values that were complete (`{}` for none); eagerly, it stays as generated, possibly cut inside a value.
   */
  cut(): string {
    if (this.eager || this.finished) return "";
    const end = this.sent === "" ? "{}" : "}";
    this.sent += end;
    this.finished = true;
    return end;
  }

  /** What completes the JSON sent so far, from the whole repaired input. */
  private rest(repaired: unknown): string {
    if (this.sent === "") return JSON.stringify(repaired);
    const entries = isJsonSchemaObject(repaired) ? Object.entries(repaired) : [];
    let text = "";
    if (this.open !== null) {
      const value = entries.find(([key]) => key === this.open?.key)?.[1];
      const sentPart = JSON.parse(`"${this.open.body}"`) as string;
      const rest = typeof value === "string" && value.startsWith(sentPart) ? value.slice(sentPart.length) : "";
      text += JSON.stringify(rest).slice(1);
      this.sentKeys.add(this.open.key);
      this.open = null;
    }
    for (const [key, value] of entries) {
      if (!this.sentKeys.has(key)) text += this.member(key, value, this.sent + text);
    }
    return `${text}}`;
  }

  private apply(event: ScanEvent): void {
    if (event.kind === "unexpected") this.held = true;
    if (this.held) return;
    switch (event.kind) {
      case "open":
        this.sent += "{";
        return;
      case "string-start":
        if (this.eager && this.streamsAsGenerated(event.key)) {
          this.sent += `${this.separator(this.sent)}${JSON.stringify(event.key)}:"`;
          this.open = { key: event.key, body: "", pending: "" };
        }
        return;
      case "string-chunk":
        if (this.open !== null) this.addToOpenString(event.text);
        return;
      case "member":
        this.addMember(event.key, event.valueText);
        return;
      case "close":
        this.sent += "}";
        this.finished = true;
        return;
    }
  }

  private addToOpenString(text: string): void {
    const open = this.open;
    if (open === null) return;
    if (text.includes("\uFFFD")) {
      this.held = true;
      return;
    }
    const combined = open.pending + text;
    const complete = completeEscapesLength(combined);
    open.body += combined.slice(0, complete);
    open.pending = combined.slice(complete);
    this.sent += combined.slice(0, complete);
  }

  private addMember(key: string, valueText: string): void {
    if (this.open !== null) {
      this.sent += `${this.open.pending}"`;
      this.sentKeys.add(this.open.key);
      this.open = null;
      return;
    }
    if (valueText.includes("\uFFFD")) {
      this.held = true;
      return;
    }
    // Repaired as part of an object, so a `null` the schema does not name is dropped, as a whole repair drops it.
    const repaired = repairToolInput(this.schema, Object.fromEntries([[key, JSON.parse(valueText)]]));
    if (!isJsonSchemaObject(repaired)) return;
    for (const [name, value] of Object.entries(repaired)) {
      this.sent += this.member(name, value, this.sent);
      this.sentKeys.add(name);
    }
  }

  /** Whether repair leaves any string value of this property as it is: no length limit, no alternatives. */
  private streamsAsGenerated(key: string): boolean {
    const properties = isJsonSchemaObject(this.schema) ? this.schema["properties"] : undefined;
    if (!isJsonSchemaObject(properties) || !Object.hasOwn(properties, key)) return false;
    const property = properties[key];
    return isJsonSchemaObject(property) && [...combinators, "maxLength"].every((keyword) => !Object.hasOwn(property, keyword));
  }

  private member(key: string, value: unknown, before: string): string {
    return `${this.separator(before)}${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }

  private separator(before: string): string {
    return before.endsWith("{") ? "" : ",";
  }
}

/** How much of a string body's text ends on a whole character: an escape cut in two (`\`, `\u00`) waits. */
function completeEscapesLength(text: string): number {
  let position = 0;
  while (position < text.length) {
    if (text.charAt(position) !== "\\") position += 1;
    else {
      const length = text.charAt(position + 1) === "u" ? 6 : 2;
      if (position + length > text.length) break;
      position += length;
    }
  }
  return position;
}
