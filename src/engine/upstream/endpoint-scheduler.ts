import { EngineOverloadedError, EngineUnavailableError } from "../engine-errors.js";
import { waitInQueue, type QueueEntry } from "../wait-in-queue.js";
import { rendezvousOrder } from "./rendezvous-order.js";
import type { UpstreamEndpoint } from "./upstream-endpoint.js";

/** An endpoint taken for one request attempt; `release` gives its slot back exactly once. */
export interface EndpointLease {
  readonly endpoint: UpstreamEndpoint;
  /** The endpoint ranks first for the key among the endpoints up: the conversation's own. */
  readonly affinityHit: boolean;
  release(): void;
}

interface Waiter extends QueueEntry<EndpointLease> {
  readonly key: string;
  readonly exclude: ReadonlySet<UpstreamEndpoint>;
}

/** How far above the pool's mean load an endpoint may be and still take a conversation that ranks it first. */
const loadBound = 1.25;

/**
 * Chooses an endpoint for each request: the first of the key's rendezvous order that is up, below its cap and
 * not above `loadBound` times the mean in-flight (consistent hashing with bounded loads), so conversations keep
 * their endpoint and a hot one spills to the next. With every endpoint at its cap, requests wait in a bounded
 * FIFO queue; past the bound they are refused at once (529).
 */
export class EndpointScheduler {
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly endpoints: readonly UpstreamEndpoint[],
    private readonly maxQueue: number,
    private readonly maxWaitMs: number,
  ) {}

  get queueDepth(): number {
    return this.waiters.length;
  }

  /** The endpoints up, in `key`'s order. */
  orderFor(key: string): UpstreamEndpoint[] {
    return rendezvousOrder(key, this.endpoints.filter((endpoint) => endpoint.up), (endpoint) => endpoint.url);
  }

  /** An endpoint for `key`, never one in `exclude` (the endpoints that already failed this request). */
  acquire(key: string, exclude: ReadonlySet<UpstreamEndpoint>, signal: AbortSignal): Promise<EndpointLease> {
    signal.throwIfAborted();
    const candidates = this.endpoints.filter((endpoint) => endpoint.up && !exclude.has(endpoint));
    if (candidates.length === 0) {
      return Promise.reject(new EngineUnavailableError(exclude.size > 0 ? "every upstream endpoint failed this request" : "no upstream endpoint is up"));
    }
    const lease = this.waiters.length === 0 ? this.tryLease(key, exclude) : null;
    if (lease !== null) return Promise.resolve(lease);
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(new EngineOverloadedError(`every upstream endpoint is at its cap and ${this.maxQueue} requests are already waiting`, 1));
    }
    return waitInQueue(this.waiters, (settle): Waiter => ({ key, exclude, ...settle }), {
      signal,
      maxWaitMs: this.maxWaitMs,
      timeoutError: () => new EngineOverloadedError(`waited ${Math.round(this.maxWaitMs / 1000)} s for an upstream endpoint`, 5),
    });
  }

  /** Hands freed capacity (a release, an endpoint back up) to the waiters, in order. */
  dispatch(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0] as Waiter;
      const lease = this.tryLease(waiter.key, waiter.exclude);
      if (lease === null) return;
      this.waiters.shift();
      waiter.resolve(lease);
    }
  }

  /** Refuses every queued request, for a shutdown. */
  rejectWaiting(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private tryLease(key: string, exclude: ReadonlySet<UpstreamEndpoint>): EndpointLease | null {
    const order = this.orderFor(key);
    const candidates = order.filter((endpoint) => !exclude.has(endpoint));
    const total = order.reduce((sum, endpoint) => sum + endpoint.inFlight, 0);
    const bound = Math.ceil((loadBound * (total + 1)) / Math.max(1, order.length));
    const open = candidates.filter((endpoint) => endpoint.inFlight < endpoint.maxConcurrent);
    const chosen = open.find((endpoint) => endpoint.inFlight + 1 <= bound) ?? open.sort((first, second) => first.inFlight - second.inFlight)[0];
    if (chosen === undefined) return null;
    chosen.inFlight += 1;
    let released = false;
    return {
      endpoint: chosen,
      affinityHit: chosen === order[0],
      release: () => {
        if (released) return;
        released = true;
        chosen.inFlight -= 1;
        this.dispatch();
      },
    };
  }
}
