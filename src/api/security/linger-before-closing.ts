import type { Socket } from "node:net";

/** Ample for a client on any network to read an answer of a few hundred bytes; short enough for a stop not to notice. */
export const defaultLingerMs = 2000;

/**
 * Closes a connection in stages (RFC 9112 §9.6) once Node's HTTP server is done with it, for an answer sent while
 * the client is still sending its body (a 413, a refused Host). A plain close with the client's bytes still
 * arriving makes the kernel answer them with a reset, and a reset makes the client's kernel drop whatever it has
 * not read yet: the answer itself. So the answer is followed by a half-close, the server goes on reading (and
 * Node's parser drops) what the client still sends, and the socket closes when the client closes its side too,
 * or after `lingerMs` at most.
 *
 * Node's server closes the last connection of a `Connection: close` answer through `socket.destroySoon()`, the
 * one place to change that on this socket alone.
 */
export function lingerBeforeClosing(socket: Socket, lingerMs = defaultLingerMs): void {
  socket.destroySoon = function lingeringDestroySoon(this: Socket): void {
    this.end();
    // Both halves ended: the stream destroys itself (autoDestroy). Until then, reading goes on.
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once("close", () => clearTimeout(timer));
    this.resume();
  };
}
