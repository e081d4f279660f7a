/** How a queued request is let through or refused; the queue's owner calls one of them, once. */
export interface QueueEntry<Value> {
  readonly resolve: (value: Value) => void;
  readonly reject: (error: unknown) => void;
}

export interface WaitInQueueOptions {
  readonly signal: AbortSignal;
  /** Past this long the request leaves the queue, refused with `timeoutError()`. */
  readonly maxWaitMs: number;
  readonly timeoutError: () => unknown;
}

/**
 * Puts a request at the end of a bounded FIFO `queue` (`SequencePool`'s sequences, `EndpointScheduler`'s
 * endpoints): `entry` builds its queue entry around the settle functions. It leaves the queue when its client
 * aborts or its wait runs out, refused with the abort's reason or `timeoutError()`; the owner removes it when
 * it resolves or rejects it.
 */
export function waitInQueue<Value, Entry extends QueueEntry<Value>>(
  queue: Entry[],
  entry: (settle: QueueEntry<Value>) => Entry,
  options: WaitInQueueOptions,
): Promise<Value> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    const settled = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    const leave = (error: unknown): void => {
      const index = queue.indexOf(waiter);
      if (index === -1) return;
      queue.splice(index, 1);
      settled();
      reject(error);
    };
    const waiter = entry({
      resolve: (value) => {
        settled();
        resolve(value);
      },
      reject: (error) => {
        settled();
        reject(error);
      },
    });
    const onAbort = (): void => leave(signal.reason);
    const timer = setTimeout(() => leave(options.timeoutError()), options.maxWaitMs);
    queue.push(waiter);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
