import { describe, expect, it } from "vitest";
import { type StreamOutcome, StreamWatch } from "./stream-watch.ts";

async function* numbers(count: number, failAt?: number): AsyncGenerator<number> {
  for (let index = 0; index < count; index++) {
    if (index === failAt) throw new TypeError("source broke");
    yield index;
  }
}

function recorder(hide: (value: number) => boolean = () => false, throwOn?: number) {
  // Chunks are numbers here; the handler hands back `undefined` to hide one.
  const seen: number[] = [];
  const outcomes: StreamOutcome[] = [];
  return {
    seen,
    outcomes,
    handler: {
      chunk(value: number) {
        if (value === throwOn) throw new Error("handler bug");
        seen.push(value);
        return hide(value) ? undefined : value;
      },
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
    const watch = new StreamWatch({ chunk: (value: number) => value * 10, end() {} });
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
});
