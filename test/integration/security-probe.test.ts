import fc from "fast-check";
import { afterAll, beforeAll, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/start-test-server.js";
import { testModelPath } from "../helpers/test-models.js";
let server: TestServer;
beforeAll(async () => { server = await startTestServer(await testModelPath("tiny"), { contextSize: 512 }); });
afterAll(async () => { await server.close(); });
const schema = fc.oneof(
  fc.constant({ type: "object" }),
  fc.record({ type: fc.constant("object"), properties: fc.dictionary(fc.string({ maxLength: 5 }), fc.record({ type: fc.constantFrom("string", "number", "array", "object", "bogus", "integer", "boolean", "null") }), { maxKeys: 3 }) }),
);
it("probe", async () => {
  let found = 0;
  const counts = new Map<number, number>();
  await fc.check(
    fc.asyncProperty(fc.uniqueArray(fc.record({ name: fc.constantFrom("read", "write", "web_search"), description: fc.string({ maxLength: 10 }), input_schema: schema }), { minLength: 1, maxLength: 2, selector: (tool) => tool.name }), fc.constantFrom("auto", "any"), fc.boolean(), async (tools, choice, stream) => {
      const body = JSON.stringify({ model: "m", max_tokens: 8, stream, messages: [{ role: "user", content: "Hi" }], tools, tool_choice: { type: choice } });
      const response = await fetch(`${server.baseUrl}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body });
      const text = await response.text();
      counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
      if (response.status >= 500 || text.includes('"type":"api_error"')) { found++; if (found < 5) console.log("FOUND", response.status, text.slice(-400), "\nBODY", body.slice(0, 3000)); }
      return true;
    }),
    { numRuns: 3000 },
  );
  console.log("found", found, counts);
}, 900_000);
