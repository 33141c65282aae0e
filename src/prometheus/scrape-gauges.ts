import { Counter, Gauge, type Registry } from "prom-client";

/** One gauge of a family: its name after the prefix, its help, and what it reads of an item. */
export interface ScrapeGaugeDefinition<Item> {
  name: string;
  help: string;
  /** The value for one item; `undefined` leaves that item's series out. */
  measure: (item: Item) => number | undefined;
}

/**
 * Registers gauges whose series are read from `source` at each scrape, one series per item
 * labelled by `labelsOf`. Nothing is counted between scrapes, so they cannot drift from what
 * they read. The source is read once per scrape for the whole family, not once per gauge. A
 * source that throws (a locked ledger) leaves its family out of that scrape and counts in
 * `scrape_read_failures_total{source}`: the usage metrics are still served.
 */
export function registerScrapeGauges<Item, Label extends string>(options: {
  registry: Registry;
  prefix: string;
  /** The family's name in `scrape_read_failures_total{source}`, e.g. `budgets`. */
  family: string;
  labelNames: readonly Label[];
  labelsOf: (item: Item) => Record<Label, string>;
  source: () => readonly Item[] | undefined;
  gauges: readonly ScrapeGaugeDefinition<Item>[];
}): void {
  const failures = readFailures(options.registry, options.prefix);
  failures.inc({ source: options.family }, 0);
  const read = oncePerScrape(() => {
    try {
      return options.source();
    } catch {
      failures.inc({ source: options.family });
      return undefined;
    }
  });
  for (const definition of options.gauges) {
    new Gauge({
      name: `${options.prefix}${definition.name}`,
      help: definition.help,
      labelNames: options.labelNames,
      registers: [options.registry],
      collect() {
        this.reset();
        for (const item of read() ?? []) {
          const value = definition.measure(item);
          if (value !== undefined) this.set(options.labelsOf(item), value);
        }
      },
    });
  }
}

/** One failure counter per registry, shared by the families registered in it. */
function readFailures(registry: Registry, prefix: string): Counter {
  const name = `${prefix}scrape_read_failures_total`;
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({
      name,
      help: "Scrapes whose gauges could not be read from their source (budgets, health_alerts); that family was left out of the scrape.",
      labelNames: ["source"],
      registers: [registry],
    })
  );
}

/**
 * prom-client collects every metric of a scrape in one synchronous pass (`registry.metrics()`
 * starts each `get()` in a loop), so a value kept until the next microtask is shared by the
 * family's gauges within one scrape and read afresh by the next.
 */
function oncePerScrape<Value>(read: () => Value): () => Value {
  let current: { value: Value } | undefined;
  return () => {
    if (current === undefined) {
      current = { value: read() };
      queueMicrotask(() => {
        current = undefined;
      });
    }
    return current.value;
  };
}
