/**
 * A push-to-pull bridge: callbacks push values, one consumer pulls them with `for await`. Used where a
 * library reports progress through callbacks but we expose an AsyncIterable.
 */
export class AsyncChannel<Value> implements AsyncIterable<Value> {
  private readonly buffered: Value[] = [];
  private waiting: ((result: IteratorResult<Value>) => void) | null = null;
  private failWaiting: ((error: unknown) => void) | null = null;
  private closed = false;
  private failure: { error: unknown } | null = null;

  push(value: Value): void {
    if (this.closed) return;
    if (this.waiting !== null) {
      const resolve = this.waiting;
      this.clearWaiter();
      resolve({ value, done: false });
    } else {
      this.buffered.push(value);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiting !== null) {
      const resolve = this.waiting;
      this.clearWaiter();
      resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = { error };
    if (this.failWaiting !== null) {
      const reject = this.failWaiting;
      this.clearWaiter();
      reject(error);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Value> {
    for (;;) {
      const next = this.buffered.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.failure !== null) throw this.failure.error;
      if (this.closed) return;
      const result = await new Promise<IteratorResult<Value>>((resolve, reject) => {
        this.waiting = resolve;
        this.failWaiting = reject;
      });
      if (result.done === true) return;
      yield result.value;
    }
  }

  private clearWaiter(): void {
    this.waiting = null;
    this.failWaiting = null;
  }
}
