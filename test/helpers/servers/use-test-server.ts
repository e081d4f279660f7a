import { afterAll, beforeAll } from "vitest";
import { readThrough } from "../read-through.js";
import { testModelPath, type TestModelKind } from "../test-models.js";
import { startTestServer, type TestServer, type TestServerOptions } from "./start-test-server.js";

/** The server of a suite: it reads through to the one started for the suite, so use it inside tests and hooks. */
export type SuiteServer = Omit<TestServer, "close">;

/**
 * `startTestServer` on the test model `model` for the enclosing suite: started before its tests (`beforeAll`)
 * and closed after them (`afterAll`). Call it at the top of a `describe` or of a file.
 */
export function useTestServer(model: TestModelKind, options: TestServerOptions = {}): SuiteServer {
  let started: TestServer | undefined;
  const current = (): TestServer => {
    if (started === undefined) throw new Error(`the ${model} test server is used before its beforeAll hook ran`);
    return started;
  };
  beforeAll(async () => {
    started = await startTestServer(await testModelPath(model), options);
  });
  afterAll(async () => started?.close());
  return readThrough(current, ["baseUrl", "client", "engine", "app"]);
}
