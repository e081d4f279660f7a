/** The address `pensieve start` was told to listen on cannot be taken: the user's to fix, so one line says how. */
export class ListenError extends Error {
  override readonly name = "ListenError";
}

/**
 * What `listen` failing on `host`:`port` means to the person who started the server, as a `ListenError`; an
 * error that is not about the address is returned as it is (a crash, reported with its stack).
 */
export function describeListenFailure(error: unknown, host: string, port: number): unknown {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  switch (code) {
    case "EADDRINUSE":
      return new ListenError(`port ${port} on ${host} is already in use (another Pensieve, or another server): stop it, or start with another --port (--port 0 takes a free one)`);
    case "EACCES":
      return new ListenError(`this user may not listen on port ${port} on ${host} (ports below 1024 need privileges): start with another --port`);
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new ListenError(`--host ${host} is not an address of this machine: give one of its addresses (127.0.0.1 for this machine alone, 0.0.0.0 for every interface)`);
    default:
      return error;
  }
}
