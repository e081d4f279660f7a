import type { FastifyRequest } from "fastify";
import { InvalidRequestError } from "../server-error.js";

/**
 * An `onRequest` hook that answers 415 before the body is read when it is not plain JSON. Browsers send
 * `text/plain` and form bodies cross-site without a preflight, so only `application/json` is accepted. Compressed
 * bodies are refused rather than inflated: no client of this API compresses, and inflating one is how a
 * few kilobytes become gigabytes (a "zip bomb").
 */
export async function bodyFormatCheck(request: FastifyRequest): Promise<void> {
  const encoding = request.headers["content-encoding"]?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
    throw new InvalidRequestError(`Content-Encoding '${encoding.slice(0, 32)}' is not supported: send the body uncompressed.`, 415);
  }
  // Unknown routes keep their 404: nothing reads their body.
  if (request.method !== "POST" || request.routeOptions.url === undefined) return;
  const mediaType = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") throw new InvalidRequestError("Unsupported content type: send application/json.", 415);
}
