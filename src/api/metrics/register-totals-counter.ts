import { Counter, type Registry } from "prom-client";

export interface TotalsCounter<Label extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly Label[];
  /** The running totals, one per label set, as the engine keeps them; read at each scrape. */
  readonly totals: () => Iterable<readonly [Partial<Record<Label, string>>, number]>;
}

/**
 * A counter whose values the engine keeps as running totals, read when Prometheus scrapes: nothing is pushed, so
 * inference pays nothing for it between scrapes.
 */
export function registerTotalsCounter<Label extends string>(registry: Registry, counter: TotalsCounter<Label>): void {
  const totals = counter.totals;
  new Counter({
    name: counter.name,
    help: counter.help,
    labelNames: counter.labelNames ?? [],
    registers: [registry],
    collect() {
      // A counter can only be increased: each scrape starts from zero and adds the totals.
      this.reset();
      for (const [labels, value] of totals()) this.inc(labels, value);
    },
  });
}
