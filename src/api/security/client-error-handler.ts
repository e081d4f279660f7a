import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { IdGenerator } from "../../util/create-id.js";
import { requestIdHeader } from "../request-id-header.js";
import { InvalidRequestError } from "../server-error.js";

interface ClientError extends Error {
  readonly code?: string;
}

/**
 * Fastify's `clientErrorHandler`: what a client gets when Node's HTTP parser gives up on it before any route
 * runs (a request too slow to arrive, headers too large, bytes that are not HTTP). The answer is in Anthropic's
 * error shape, like every other, and the connection is closed: it cannot be trusted to be in sync any more.
 */
export function createClientErrorHandler(generateId: IdGenerator): (error: ClientError, socket: Socket) => void {
  return function answerClientError(error, socket) {
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    // A reply already under way on this connection (a stream) cannot be followed by another status line.
    const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (socket.writable && current?.headersSent !== true) {
      const serverError = clientErrorOf(error);
      const requestId = generateId("req");
      const body = JSON.stringify(serverError.toBody(requestId));
      socket.write(
        `HTTP/1.1 ${serverError.status} ${STATUS_CODES[serverError.status] ?? ""}\r\n` +
          `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `${requestIdHeader}: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroySoon();
  };
}

function clientErrorOf(error: ClientError): InvalidRequestError {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new InvalidRequestError("The request was not received in time.", 408);
    case "HPE_HEADER_OVERFLOW":
      return new InvalidRequestError("The request headers are too large.", 431);
    default:
      return new InvalidRequestError("The request is not valid HTTP.");
  }
}
