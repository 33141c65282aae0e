import { describe, expect, it } from "vitest";
import { type StreamOutcome, StreamWatch, watchAsyncGenerator } from "./stream-watch.ts";

async function* numbers(count: number, failAt?: number): AsyncGenerator<number> {
  for (let index = 0; index < count; index++) {
    if (index === failAt) throw new TypeError("source broke");
    yield index;
  }
}

function recorder(hide?: (value: number) => boolean, throwOn?: number) {
  // Chunks are numbers here; the handler hands back `undefined` to hide one, and says it may.
  const seen: number[] = [];
  const outcomes: StreamOutcome[] = [];
  return {
    seen,
    outcomes,
    handler: {
      chunk(value: number) {
        if (value === throwOn) throw new Error("handler bug");
        seen.push(value);
        return hide?.(value) === true ? undefined : value;
      },
      mayReplaceNext: () => hide !== undefined,
      end(outcome: StreamOutcome) {
        outcomes.push(outcome);
      },
    },
  };
}

async function readAll(iterable: AsyncIterable<number>): Promise<number[]> {
  const values: number[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

describe("StreamWatch", () => {
  it("passes every chunk through, hides the ones the handler rejects, and ends once", async () => {
    const { handler, seen, outcomes } = recorder((value) => value === 3);
    const watch = new StreamWatch(handler);
    expect(await readAll(watch.wrap(numbers(5)))).toEqual([0, 1, 2, 4]);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    watch.finish({ type: "abandoned" });
    expect(outcomes).toEqual([{ type: "complete" }]);
  });

  it("hands the caller a replacement chunk when the handler returns one", async () => {
    const watch = new StreamWatch({
      chunk: (value: number) => value * 10,
      end() {},
      mayReplaceNext: () => true,
    });
    expect(await readAll(watch.wrap(numbers(3)))).toEqual([0, 10, 20]);
  });

  it("reports a source error and re-throws it unchanged", async () => {
    const { handler, outcomes } = recorder();
    const watch = new StreamWatch(handler);
    const error = await readAll(watch.wrap(numbers(5, 2))).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TypeError);
    expect(outcomes).toEqual([{ type: "error", error }]);
  });

  it("reports a reader that leaves early as abandoned, and closes the source", async () => {
    const { handler, outcomes } = recorder();
    const watch = new StreamWatch(handler);
    let closed = false;
    async function* source() {
      try {
        yield* numbers(10);
      } finally {
        closed = true;
      }
    }
    for await (const value of watch.wrap(source())) if (value === 1) break;
    expect(closed).toBe(true);
    expect(outcomes).toEqual([{ type: "abandoned" }]);
  });

  it("reports an abort even when nobody reads any more", async () => {
    const { handler, outcomes } = recorder();
    const controller = new AbortController();
    const watch = new StreamWatch(handler, controller.signal);
    const iterator = watch.wrap(numbers(10));
    await iterator.next();
    controller.abort();
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes).toEqual([{ type: "aborted" }]);
  });

  it("reports a source whose next() throws on the spot, and rejects with its error", async () => {
    const { handler, outcomes } = recorder();
    const watch = new StreamWatch(handler);
    const error = new RangeError("iterator broke");
    const iterator = watch.wrap({
      next: () => {
        throw error;
      },
    });
    await expect(iterator.next()).rejects.toBe(error);
    expect(outcomes).toEqual([{ type: "error", error }]);
  });

  it("hides consecutive chunks and still ends once when the last one is hidden", async () => {
    const { handler, outcomes } = recorder((value) => value >= 2);
    const watch = new StreamWatch(handler);
    expect(await readAll(watch.wrap(numbers(6)))).toEqual([0, 1]);
    expect(outcomes).toEqual([{ type: "complete" }]);
  });

  it("never lets a failing handler break the caller's stream", async () => {
    const { handler } = recorder(undefined, 1);
    const watch = new StreamWatch(handler);
    expect(await readAll(watch.wrap(numbers(3)))).toEqual([0, 1, 2]);
  });

  it("hands out the SDK's own promises and results while it only watches, the handler seeing each chunk first", async () => {
    const source = numbers(3);
    const handed: Array<Promise<IteratorResult<number>>> = [];
    const spied: AsyncIterator<number> = {
      next: () => {
        const pending = source.next();
        handed.push(pending);
        return pending;
      },
    };
    const order: string[] = [];
    const watch = new StreamWatch({
      chunk(value: { n: number } | number) {
        order.push(`handler ${JSON.stringify(value)}`);
        return value;
      },
      end: (outcome: StreamOutcome) => order.push(`end ${outcome.type}`),
    });
    const iterator = watch.wrap(spied as AsyncIterator<never>);
    for (let index = 0; index < 4; index++) {
      const pending = iterator.next();
      expect(pending).toBe(handed[index]);
      const result = await pending;
      order.push(result.done === true ? "caller done" : `caller ${result.value}`);
    }
    expect(order).toEqual([
      "handler 0",
      "caller 0",
      "handler 1",
      "caller 1",
      "handler 2",
      "caller 2",
      "end complete",
      "caller done",
    ]);
  });

  it("lets a watching handler edit a chunk in place before the caller reads it", async () => {
    async function* objects() {
      for (let index = 0; index < 3; index++) yield { index, usage: null as null | undefined };
    }
    const watch = new StreamWatch({
      chunk(value: { index: number; usage: null | undefined }) {
        value.usage = undefined;
        return value;
      },
      end() {},
    });
    const read: unknown[] = [];
    for await (const value of watch.wrap(objects())) read.push(value.usage);
    expect(read).toEqual([undefined, undefined, undefined]);
  });

  it("starts chaining once the handler says the next chunk may be hidden", async () => {
    const { handler, seen, outcomes } = recorder((value) => value === 4);
    let handed = 0;
    const source = numbers(6);
    const counting: AsyncIterator<number> = {
      next: () => {
        handed += 1;
        return source.next();
      },
    };
    // Watching until 3 is seen, then hiding 4.
    const watch = new StreamWatch({ ...handler, mayReplaceNext: () => seen.includes(3) });
    expect(await readAll(watch.wrap(counting))).toEqual([0, 1, 2, 3, 5]);
    expect(handed).toBe(7);
    expect(outcomes).toEqual([{ type: "complete" }]);
  });

  it("chains a chunk asked for before the previous one arrived, so a prefetching reader still gets them in order", async () => {
    const { handler, seen } = recorder();
    const watch = new StreamWatch(handler);
    const iterator = watch.wrap(numbers(4));
    const first = iterator.next();
    const second = iterator.next();
    expect(second).not.toBe(first);
    const results = await Promise.all([first, second, iterator.next(), iterator.next()]);
    expect(results.map((result) => result.value)).toEqual([0, 1, 2, 3]);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it("records the error of a watched chunk and lets the caller see the SDK's own rejection", async () => {
    const { outcomes, handler } = recorder();
    const watch = new StreamWatch(handler);
    const iterator = watch.wrap(numbers(3, 1));
    expect(await iterator.next()).toEqual({ done: false, value: 0 });
    await expect(iterator.next()).rejects.toBeInstanceOf(TypeError);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.type).toBe("error");
  });

  it("watches an async generator in place: same object, every chunk seen, a reader leaving early seen", async () => {
    const { handler, seen, outcomes } = recorder();
    const generator = numbers(5);
    const prototype = Object.getPrototypeOf(generator);
    watchAsyncGenerator(generator, handler);
    expect(Object.getPrototypeOf(generator)).toBe(prototype);
    expect(generator[Symbol.asyncIterator]()).toBe(generator);
    for await (const value of generator) if (value === 2) break;
    expect(seen).toEqual([0, 1, 2]);
    expect(outcomes).toEqual([{ type: "abandoned" }]);
    // The SDK's generator itself was closed: nothing more comes out of it.
    expect(await generator.next()).toEqual({ done: true, value: undefined });
  });
});
