import { Gauge, type Registry } from "prom-client";

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
 * they read. The source is read once per scrape for the whole family, not once per gauge.
 */
export function registerScrapeGauges<Item, Label extends string>(options: {
  registry: Registry;
  prefix: string;
  labelNames: readonly Label[];
  labelsOf: (item: Item) => Record<Label, string>;
  source: () => readonly Item[] | undefined;
  gauges: readonly ScrapeGaugeDefinition<Item>[];
}): void {
  const read = oncePerScrape(options.source);
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
