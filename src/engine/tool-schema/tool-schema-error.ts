import { EngineError } from "../engine-errors.js";

/**
 * A tool's input schema the server refuses to work with: it nests too deeply, expands (`$ref`s followed) past the
 * request's work budget, or has a `pattern` RE2 cannot compile. Everything else a client sends is converted,
 * never rejected: unsupported keywords are dropped. The API edge answers it as a 400 `invalid_request_error`.
 */
export class ToolSchemaError extends EngineError {
  override readonly name = "ToolSchemaError";
  constructor(
    /** Where the schema sits in the request, for example `tools.3.input_schema`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}
