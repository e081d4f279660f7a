import type { Socket } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { createClientErrorHandler } from "../../../src/api/security/client-error-handler.js";
import { sequentialIds } from "../../helpers/scripted-engine.js";

/** The socket side of the handler; the real-socket cases are in test/integration/security-sockets.test.ts. */
function fakeSocket(state: { destroyed?: boolean; writable?: boolean; headersSent?: boolean } = {}) {
  const socket = {
    destroyed: state.destroyed ?? false,
    writable: state.writable ?? true,
    _httpMessage: state.headersSent === undefined ? null : { headersSent: state.headersSent },
    write: vi.fn(),
    destroySoon: vi.fn(),
  };
  return { socket, asSocket: socket as unknown as Socket };
}

function clientError(code: string): Error & { code: string } {
  return Object.assign(new Error(code), { code });
}

describe("createClientErrorHandler", () => {
  it.each([
    ["ERR_HTTP_REQUEST_TIMEOUT", "408 Request Timeout", "The request was not received in time."],
    ["HPE_HEADER_OVERFLOW", "431 Request Header Fields Too Large", "The request headers are too large."],
    ["HPE_INVALID_METHOD", "400 Bad Request", "The request is not valid HTTP."],
  ])("answers %s with %s in Anthropic's shape and closes", (code, statusLine, message) => {
    const { socket, asSocket } = fakeSocket();
    createClientErrorHandler(sequentialIds())(clientError(code), asSocket);
    const written = String(socket.write.mock.calls[0]?.[0]);
    expect(written.startsWith(`HTTP/1.1 ${statusLine}\r\n`)).toBe(true);
    expect(written).toContain("request-id: req_test0001\r\nconnection: close\r\n");
    const body = written.slice(written.indexOf("\r\n\r\n") + 4);
    expect(written).toContain(`content-length: ${Buffer.byteLength(body)}\r\n`);
    expect(JSON.parse(body)).toEqual({ type: "error", error: { type: "invalid_request_error", message }, request_id: "req_test0001" });
    expect(socket.destroySoon).toHaveBeenCalledOnce();
  });

  it("leaves a reset or destroyed connection alone", () => {
    const reset = fakeSocket();
    createClientErrorHandler(sequentialIds())(clientError("ECONNRESET"), reset.asSocket);
    const destroyed = fakeSocket({ destroyed: true });
    createClientErrorHandler(sequentialIds())(clientError("HPE_INVALID_METHOD"), destroyed.asSocket);
    for (const { socket } of [reset, destroyed]) {
      expect(socket.write).not.toHaveBeenCalled();
      expect(socket.destroySoon).not.toHaveBeenCalled();
    }
  });

  it("only closes when a reply is already under way on the connection, or it cannot be written to", () => {
    for (const { socket, asSocket } of [fakeSocket({ headersSent: true }), fakeSocket({ writable: false })]) {
      createClientErrorHandler(sequentialIds())(clientError("HPE_INVALID_METHOD"), asSocket);
      expect(socket.write).not.toHaveBeenCalled();
      expect(socket.destroySoon).toHaveBeenCalledOnce();
    }
  });
});
