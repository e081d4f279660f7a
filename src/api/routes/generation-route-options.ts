import type { Engine } from "../../engine/engine.js";
import type { IdGenerator } from "../../util/create-id.js";

/** What a route that answers from generation events needs: `/v1/messages` and `/v1/chat/completions`. */
export interface GenerationRouteOptions {
  readonly engine: Engine;
  readonly generateId: IdGenerator;
  /** How often a streaming reply sends a keep-alive frame while nothing else is written. Defaults to 10 s. */
  readonly pingIntervalMs?: number | undefined;
}
