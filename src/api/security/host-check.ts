import type { FastifyRequest } from "fastify";
import { PermissionError } from "../server-error.js";
import { hostNameOf } from "./host-name-of.js";

const loopbackNames = ["localhost", "127.0.0.1", "[::1]"];
// A browser sends `Host: 0.0.0.0` for a page that fetches http://0.0.0.0:port ("0.0.0.0 day"): never a name to trust.
const wildcardNames = new Set(["0.0.0.0", "[::]", "[0:0:0:0:0:0:0:0]"]);

export interface HostCheckOptions {
  /** The address the server listens on. Defaults to `127.0.0.1`. */
  readonly bindHost?: string;
  /** Names accepted besides the loopback ones and `bindHost`. Defaults to none. */
  readonly allowedHosts?: readonly string[];
}

/**
 * An `onRequest` hook that answers 403 unless the `Host` header names this server: a web page that rebinds
 * its own DNS name to 127.0.0.1 still sends its own name, so it is turned away before any work is done.
 */
export function createHostCheck(options: HostCheckOptions): (request: FastifyRequest) => Promise<void> {
  const allowed = new Set(loopbackNames);
  for (const name of [options.bindHost ?? "127.0.0.1", ...(options.allowedHosts ?? [])]) {
    const normalized = hostNameOf(name);
    if (normalized !== null && !wildcardNames.has(normalized)) allowed.add(normalized);
  }
  return async function hostCheck(request) {
    const header = request.headers.host ?? "";
    const name = hostNameOf(header);
    if (name !== null && allowed.has(name)) return;
    throw new PermissionError(
      name === null
        ? "The Host header is missing or malformed."
        : `Host '${name}' is not allowed: start Pensieve with --allowed-host ${name} if clients reach it by this name.`,
    );
  };
}
