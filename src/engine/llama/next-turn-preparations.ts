import { setImmediate } from "node:timers/promises";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { SequenceLease } from "../sequence-pool.js";
import { commonPrefixLength } from "./common-prefix-length.js";
import type { HeldAfterBatch } from "./prefill.js";

/** What a conversation's next request will start with, and how much of it the sequence already holds. */
export interface NextTurnPlan {
  readonly tokens: readonly Token[];
  readonly kept: number;
}

/** A sequence waiting to evaluate the rest of its plan. */
interface Pending extends NextTurnPlan {
  readonly lease: SequenceLease<LlamaContextSequence>;
  readonly timer: NodeJS.Timeout;
  /** Its delay is over, but other requests were generating: it starts when none is. */
  due: boolean;
}

export interface NextTurnPreparationsOptions {
  /** How long a reply's sequence waits before it evaluates, so that a request arriving meanwhile goes first. */
  readonly delayMs: number;
  /**
   * The most tokens one of its batches evaluates. A request of another conversation that arrives mid-preparation
   * waits for one such batch, not the whole reply; and the work, for a request that may never come, touches no
   * more of the model's compute buffer than a batch this size needs (the pages a batch touches stay resident).
   */
  readonly batchTokens: number;
  /** Shared with prefill and the scheduler's scoring: what a sequence will hold once its evaluation is done. */
  readonly heldAfterBatch: Map<LlamaContextSequence, HeldAfterBatch>;
  /**
   * Whether any request is generating. A preparation is work for a request that may come, and with several
   * sequences it would share their batches with requests being answered now: it waits until none is.
   */
  readonly generating: () => boolean;
  readonly log?: ((level: "info" | "warn" | "error", message: string) => void) | undefined;
}

/**
 * The sequences that bring their cache in line with their conversation's next request after a reply (see
 * `LoadedModel.prepareNextTurn`), each still leased and marked closing. The work waits a moment first: a
 * request arriving meanwhile (a client sending requests back to back) would otherwise wait for a batch that
 * serves another conversation, which once doubled a short request's first-token time. So a request that arrives
 * starts the preparation of the conversation it continues at once (it needs exactly that work) and gives up the
 * others, whose next requests evaluate the same tokens in their own first batch instead; one already evaluating
 * ends after its batch in flight.
 */
export class NextTurnPreparations {
  private readonly planning = new Set<Promise<void>>();
  private readonly pending = new Set<Pending>();
  private readonly evaluating = new Map<PreparationRun, Promise<void>>();
  private disposed = false;

  constructor(private readonly options: NextTurnPreparationsOptions) {}

  /** Sequences held for a next turn: leased, and marked closing, though their client is there. */
  get count(): number {
    return this.planning.size + this.pending.size + this.evaluating.size;
  }

  /**
   * Takes `lease` after a reply: once the reply's last bytes are out, `plan` says what the next request will
   * start with (`null`: nothing to evaluate, the lease is released), and after the delay the sequence evaluates
   * what it lacks of that; the lease is released when it is done or given up.
   */
  prepare(lease: SequenceLease<LlamaContextSequence>, plan: () => NextTurnPlan | null): void {
    lease.closing();
    const task = setImmediate()
      .then(plan)
      .then(
        (planned) => {
          if (planned === null) lease.release();
          else this.schedule(lease, planned);
        },
        (error: unknown) => {
          this.warn(error);
          lease.release();
        },
      )
      .finally(() => this.planning.delete(task));
    this.planning.add(task);
  }

  /**
   * A request with `promptTokens` arrived: the preparation it continues starts now (or goes on), the others are
   * given up (or end after their batch in flight), even with a sequence free for the request: they would share its
   * batches, as they would a generation's (see `generating`).
   */
  requestArrived(promptTokens: readonly Token[]): void {
    const continued = (plan: NextTurnPlan): boolean => commonPrefixLength(promptTokens, plan.tokens) === plan.tokens.length;
    for (const entry of this.pending) {
      if (continued(entry)) this.start(entry);
      else this.giveUp(entry);
    }
    for (const run of this.evaluating.keys()) run.setStopped(this.disposed || !continued(run.plan));
  }

  /** A generation ended: with none left, the preparations whose delay is over start. */
  generationEnded(): void {
    if (this.options.generating()) return;
    for (const entry of this.pending) if (entry.due) this.start(entry);
  }

  /** Gives up every preparation not yet evaluating, and waits for the others to end their batch in flight. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.planning);
    for (const entry of this.pending) this.giveUp(entry);
    for (const run of this.evaluating.keys()) run.setStopped(true);
    await Promise.all(this.evaluating.values());
  }

  private schedule(lease: SequenceLease<LlamaContextSequence>, plan: NextTurnPlan): void {
    const entry: Pending = { lease, ...plan, due: false, timer: setTimeout(() => this.delayOver(entry), this.options.delayMs) };
    entry.timer.unref();
    this.pending.add(entry);
  }

  private delayOver(entry: Pending): void {
    if (this.options.generating()) entry.due = true;
    else this.start(entry);
  }

  private giveUp(entry: Pending): void {
    clearTimeout(entry.timer);
    this.pending.delete(entry);
    entry.lease.release();
  }

  private start(entry: Pending): void {
    clearTimeout(entry.timer);
    if (!this.pending.delete(entry)) return;
    const { lease, tokens, kept } = entry;
    const sequence = lease.sequence;
    const run = new PreparationRun({ tokens, kept }, sequence, this.options);
    const task = run
      .evaluate()
      .catch((error: unknown) => this.warn(error))
      .finally(() => {
        this.options.heldAfterBatch.delete(sequence);
        this.evaluating.delete(run);
        lease.release();
      });
    this.evaluating.set(run, task);
  }

  private warn(error: unknown): void {
    this.options.log?.("warn", `could not prepare the next turn's prompt: ${error instanceof Error ? error.message : String(error)}`);
  }

}

/**
 * One preparation evaluating its plan a batch at a time, from its start until its lease is released. It keeps the
 * scheduler's record of what the sequence will hold: the whole plan while it runs, where it ends once stopped.
 */
class PreparationRun {
  private stopped = false;
  /** How many of the plan's tokens the sequence holds once the batch in flight is done. */
  private reached: number;

  constructor(
    readonly plan: NextTurnPlan,
    private readonly sequence: LlamaContextSequence,
    private readonly options: Pick<NextTurnPreparationsOptions, "batchTokens" | "heldAfterBatch">,
  ) {
    this.reached = plan.kept;
    this.record();
  }

  /** Stopped, it ends after the batch in flight; a request that continues it after all lets it go on. */
  setStopped(stopped: boolean): void {
    this.stopped = stopped;
    this.record();
  }

  async evaluate(): Promise<void> {
    const { sequence } = this;
    const { tokens, kept } = this.plan;
    if (sequence.nextTokenIndex > kept) await sequence.eraseContextTokenRanges([{ start: kept, end: sequence.nextTokenIndex }]);
    while (this.reached < tokens.length && !this.stopped) {
      const start = this.reached;
      this.reached = Math.min(start + this.options.batchTokens, tokens.length);
      await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(start, this.reached));
    }
  }

  private record(): void {
    const { tokens } = this.plan;
    this.options.heldAfterBatch.set(this.sequence, { tokens, length: this.stopped ? this.reached : tokens.length });
  }
}
