import type { FastifyReply, FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { closeAtRequestLimit } from "../../../src/api/security/close-at-request-limit.js";

/** What Node does with the header over a real keep-alive connection is in test/integration/security-sockets.test.ts. */
describe("closeAtRequestLimit", () => {
  async function headersFor(maxRequestsOnConnectionReached: boolean | undefined): Promise<Record<string, unknown>> {
    const headers: Record<string, unknown> = {};
    const raw = { maxRequestsOnConnectionReached, setHeader: (name: string, value: unknown) => (headers[name] = value) };
    await closeAtRequestLimit({} as FastifyRequest, { raw } as unknown as FastifyReply);
    return headers;
  }

  it("closes the connection after the last request it may carry", async () => {
    expect(await headersFor(true)).toEqual({ connection: "close" });
  });

  it("leaves the other requests' connections open", async () => {
    expect(await headersFor(false)).toEqual({});
    expect(await headersFor(undefined)).toEqual({});
  });
});
