import type { FastifyReply, FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { accessLog } from "../../../../src/api/observation/access-log.js";
import { RequestObservation } from "../../../../src/api/observation/request-observation.js";
import type { GenerationEvent } from "../../../../src/engine/generation-event.js";

const finish: GenerationEvent = { type: "finish", stopReason: "tool-use", stopSequence: null, usage: { inputTokens: 30, cachedInputTokens: 20, outputTokens: 4 } };

/** An ended observation on a clock that reads 0 at arrival, 120 at the first token and 350 at the end. */
function endedObservation(events: readonly GenerationEvent[], options: { keepReply?: boolean; abandoned?: boolean } = {}): RequestObservation {
  const readings = [0, 120, 350];
  const observation = new RequestObservation({ now: () => readings.shift() ?? 350, keepReply: options.keepReply ?? false });
  for (const event of events) observation.observe(event);
  observation.end(options.abandoned ?? false);
  return observation;
}

/** Runs the access log for one request and returns the fields and message of the one line it wrote. */
function logLine(observation: RequestObservation, body: unknown, logPrompts?: boolean): { fields: Record<string, unknown>; message: string } {
  const written: { fields: Record<string, unknown>; message: string }[] = [];
  const request = {
    id: "req-1",
    method: "POST",
    url: "/v1/messages",
    body,
    observation,
    log: { info: (fields: Record<string, unknown>, message: string) => written.push({ fields, message }) },
  } as unknown as FastifyRequest;
  accessLog(logPrompts === undefined ? {} : { logPrompts })(request, { statusCode: 200 } as FastifyReply);
  expect(written).toHaveLength(1);
  return written[0]!;
}

const generated: GenerationEvent[] = [{ type: "start", usage: { inputTokens: 30, cachedInputTokens: 20 } }, { type: "text-delta", text: "Hi" }, finish];

describe("accessLog", () => {
  it("writes one `request` line with the generation's counts, first token and Anthropic stop reason", () => {
    const { fields, message } = logLine(endedObservation(generated), { model: "claude-sonnet-5", messages: [] });
    expect(message).toBe("request");
    expect(fields).toEqual({
      request_id: "req-1",
      method: "POST",
      url: "/v1/messages",
      status: 200,
      duration_ms: 350,
      model: "claude-sonnet-5",
      input_tokens: 30,
      cache_read_input_tokens: 20,
      output_tokens: 4,
      first_token_ms: 120,
      stop_reason: "tool_use",
    });
  });

  it("leaves out what did not happen: no model, no generation, no first token", () => {
    expect(logLine(endedObservation([]), undefined).fields).toEqual({ request_id: "req-1", method: "POST", url: "/v1/messages", status: 200, duration_ms: 120 });
    const noModel = logLine(endedObservation([]), { model: 42 }).fields;
    expect(noModel).not.toHaveProperty("model");
    const tokenless = logLine(endedObservation([finish]), { model: "m" }).fields;
    expect(tokenless).toMatchObject({ output_tokens: 4, stop_reason: "tool_use" });
    expect(tokenless).not.toHaveProperty("first_token_ms");
  });

  it("marks a request whose client left first", () => {
    expect(logLine(endedObservation(generated, { abandoned: true }), { model: "m" }).fields).toMatchObject({ client_closed: true });
    expect(logLine(endedObservation(generated), { model: "m" }).fields).not.toHaveProperty("client_closed");
  });

  it("puts the prompt and the reply in the line only with logPrompts", () => {
    const body = { model: "m", system: "Be brief.", messages: [{ role: "user", content: "Hi" }], tools: [{ name: "big" }] };
    expect(logLine(endedObservation(generated, { keepReply: true }), body, true).fields).toMatchObject({
      prompt: { system: "Be brief.", messages: body.messages },
      reply: "Hi",
    });
    const fields = logLine(endedObservation(generated, { keepReply: true }), body).fields;
    expect(fields).not.toHaveProperty("prompt");
    expect(fields).not.toHaveProperty("reply");
  });

  it("with logPrompts, writes no system it was not sent, no reply where none was generated, and no prompt without a body", () => {
    const withoutSystem = logLine(endedObservation([], { keepReply: true }), { messages: [] }, true).fields;
    expect(withoutSystem).toHaveProperty("prompt", { messages: [] });
    expect(withoutSystem).not.toHaveProperty("reply");
    for (const body of [undefined, null, "text"]) {
      const fields = logLine(endedObservation([]), body, true).fields;
      expect(fields).not.toHaveProperty("prompt");
    }
  });
});
