import { ToolSchemaError } from "./tool-schema-error.js";

/**
 * Schema nodes the tool schemas of one request may expand to, `$ref`s followed and every use of a shared
 * definition counted again, plus the nodes their conversion to a grammar visits (a node costs about a
 * microsecond). Claude Code's tools come to about 1,000; the limit keeps the worst request to tens of ms.
 */
export const maxSchemaNodesPerRequest = 20_000;

/**
 * A count of the work tool schemas make the server do, with a limit: a small schema can name a shared
 * definition twice at each of many levels and so expand exponentially, and everything that walks a schema
 * runs on the event loop. One budget covers all the tools of a request while their schemas are measured and
 * converted, another each tool call's repair and check after generation. Plain per-call state, never shared
 * between requests.
 */
export class SchemaWorkBudget {
  private spentUnits = 0;

  constructor(
    /** Units (schema nodes visited, roughly) allowed before `spend` throws. Defaults to `maxSchemaNodesPerRequest`. */
    readonly limit: number = maxSchemaNodesPerRequest,
  ) {}

  get spent(): number {
    return this.spentUnits;
  }

  /** Counts `units` of work on the schema at `path`; throws `ToolSchemaError` naming the limit once they pass it. */
  spend(units: number, path: string): void {
    this.spentUnits += units;
    if (this.spentUnits > this.limit) throw this.exceeded(path);
  }

  /** Throws as `spend` would if `units` more were spent, counting nothing: for work counted once it is done. */
  ensure(units: number, path: string): void {
    if (this.spentUnits + units > this.limit) throw this.exceeded(path);
  }

  // Named at the schema that crossed the limit; the count includes the request's tools before it.
  private exceeded(path: string): ToolSchemaError {
    return new ToolSchemaError(path, `the tool schemas expand to more than ${this.limit} nodes (limit ${this.limit} per request)`);
  }
}
