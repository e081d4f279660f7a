import type { FastifyInstance } from "fastify";
import { createApiKeyCheck } from "./api-key-check.js";
import { bodyFormatCheck } from "./body-format-check.js";
import { closeAtRequestLimit } from "./close-at-request-limit.js";
import { createCloseUnfinishedRequests } from "./close-unfinished-requests.js";
import { createCorsCheck } from "./cors-check.js";
import { createDropRequestsAfterClose } from "./drop-requests-after-close.js";
import { createHostCheck } from "./host-check.js";
import { LingeringClose } from "./lingering-close.js";
import { nestingDepthCheck } from "./nesting-depth-check.js";
import type { SecurityOptions } from "./security-options.js";

/**
 * The checks every request passes before a route runs, cheapest and most telling first: a foreign `Host`
 * (DNS rebinding), a foreign `Origin` (a web page), a missing key, a body that is not plain JSON. All of them
 * run before the body is read. Register before any route.
 */
export function registerSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const lingeringClose = new LingeringClose();
  app.addHook("onRequest", createDropRequestsAfterClose(lingeringClose));
  // Before the other checks, so that a refusal by a later one also closes a connection at its request limit.
  app.addHook("onRequest", closeAtRequestLimit);
  app.addHook("onRequest", createHostCheck(options));
  app.addHook("onRequest", createCorsCheck(options.corsOrigins ?? []));
  if (options.apiKey !== undefined) app.addHook("onRequest", createApiKeyCheck(options.apiKey));
  app.addHook("onRequest", bodyFormatCheck);
  app.addHook("preValidation", nestingDepthCheck);
  app.addHook("onSend", createCloseUnfinishedRequests(lingeringClose));
  // A stop does not wait for connections that close in stages.
  app.addHook("preClose", async () => lingeringClose.closeAll());
}
