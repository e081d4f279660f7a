import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/create-app.js";
import { ScriptedEngine, sequentialIds } from "../../helpers/scripted-engine.js";

const usage = { inputTokens: 5, cachedInputTokens: 0 };
const body = { model: "claude-sonnet-5", max_tokens: 16, stream: true, messages: [{ role: "user", content: "Hi" }] };

describe("closing the app while a reply streams", () => {
  // Without the fix close() waits out the 72 s keep-alive timeout of the streamed reply's connection: the test's
  // timeout, far below that, makes it fail.
  it("finishes the reply, then closes its keep-alive connection at once", { timeout: 20_000 }, async () => {
    let release = (): void => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const engine = new ScriptedEngine(async function* () {
      yield { type: "start", usage };
      yield { type: "text-delta", text: "Hello" };
      await released;
      yield { type: "text-delta", text: " there" };
      yield { type: "finish", stopReason: "end-turn", stopSequence: null, usage: { ...usage, outputTokens: 2 } };
    });
    const app = createApp({ engine, generateId: sequentialIds() });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    if (typeof address !== "object" || address === null) throw new Error("no address");
    const response = await fetch(`http://127.0.0.1:${address.port}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.headers.get("connection")).not.toBe("close");
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (reader === undefined) throw new Error("no body");
    let payload = "";
    while (!payload.includes("Hello")) payload += (await reader.read()).value ?? "";

    const closed = app.close();
    // The reply goes on once the server has stopped listening, as a generation does after a SIGTERM.
    await expect.poll(() => app.server.listening).toBe(false);
    release();
    for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) payload += chunk.value;
    await closed;
    expect(payload).toContain(" there");
    expect(payload).toContain("message_stop");
  });
});
