import { Socket } from "node:net";

export interface LingerLimits {
  /** How long the client may send nothing before the socket closes. Defaults to 2 s. */
  readonly idleMs: number;
  /** How long a socket lingers at most, however much the client still sends. Defaults to 30 s. */
  readonly totalMs: number;
}

const defaultLimits: LingerLimits = { idleMs: 2000, totalMs: 30_000 };

/**
 * Closes connections in stages (RFC 9112 §9.6) for one server, once Node's HTTP server is done with them, for answers
 * sent while the client is still sending its body (a 413, a refused Host). A plain close with the client's bytes
 * still arriving makes the kernel answer them with a reset, and a reset makes the client's kernel drop whatever it
 * has not read yet: the answer itself. So the answer is followed by a half-close, the server goes on reading (and
 * Node's parser drops) what the client sends, and the socket closes when the client closes its side too, when the
 * client has sent nothing for `idleMs`, or after `totalMs` (nginx's `lingering_timeout` and `lingering_time`).
 *
 * Node's server closes the last connection of a `Connection: close` answer through `socket.destroySoon()`, the one
 * place to change that on a socket of its own.
 */
export class LingeringClose {
  /** Sockets answered with `Connection: close` before their request had arrived, until they close. */
  private readonly closing = new Set<Socket>();
  private readonly limits: LingerLimits;

  constructor(limits: Partial<LingerLimits> = {}) {
    this.limits = { ...defaultLimits, ...limits };
  }

  /** Makes `socket`, whose answer says `Connection: close`, close in stages when Node's HTTP server closes it. */
  lingerOn(socket: Socket): void {
    // Not a real connection (Fastify's `inject`): nothing to close.
    if (!(socket instanceof Socket) || this.closing.has(socket)) return;
    this.closing.add(socket);
    socket.once("close", () => this.closing.delete(socket));
    const { limits } = this;
    let started = false;
    socket.destroySoon = function lingeringDestroySoon(this: Socket): void {
      if (started || this.destroyed) return;
      started = true;
      this.end();
      const startedAt = performance.now();
      let bytesRead = this.bytesRead;
      // Node's parser reads the socket in C++, so the byte count is what shows the client still sending.
      const check = (): void => {
        const sending = this.bytesRead > bytesRead;
        bytesRead = this.bytesRead;
        if (!sending || performance.now() - startedAt >= limits.totalMs) this.destroy();
        else timer.refresh();
      };
      const timer = setTimeout(check, limits.idleMs);
      this.once("close", () => clearTimeout(timer));
      // Both halves ended: the stream destroys itself (autoDestroy). Until then, reading goes on.
      this.resume();
    };
  }

  /**
   * Whether `socket` closes after an answer given before its request had arrived: a request that comes after it on
   * the same connection (pipelined behind the refused body) must not be served (RFC 9112 §9.6).
   */
  isClosing(socket: Socket): boolean {
    return this.closing.has(socket);
  }

  /** Closes every such socket now: the server is stopping and should not wait for them. */
  closeAll(): void {
    for (const socket of this.closing) socket.destroy();
  }
}
