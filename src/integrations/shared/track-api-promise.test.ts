import { describe, expect, it } from "vitest";
import type { TrackerHandle } from "../../meter/types.ts";
import { trackApiPromise } from "./track-api-promise.ts";

/** A tracker that writes down what it was told. */
function recordingTracker() {
  const calls: string[] = [];
  const tracker = new Proxy(
    {},
    {
      get: (_target, name) => (argument?: unknown) => {
        calls.push(
          argument instanceof Error ? `${String(name)}:${argument.message}` : String(name),
        );
      },
    },
  ) as TrackerHandle;
  return { tracker, calls };
}

/** The shape of a Stainless `APIPromise`: parsing happens when it is read, through `parseResponse`. */
class FakeApiPromise<T> implements PromiseLike<T> {
  parseResponse: (client: unknown, props: { response?: Response }) => Promise<T>;
  responsePromise: Promise<{ response: Response }>;
  constructor(responsePromise: Promise<{ response: Response }>, parse: () => Promise<T>) {
    this.responsePromise = responsePromise;
    this.parseResponse = parse;
  }
  // biome-ignore lint/suspicious/noThenProperty: it stands for the SDK's APIPromise, a thenable.
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.responsePromise
      .then((props) => this.parseResponse(undefined, props))
      .then(onFulfilled, onRejected);
  }
}

const response = new Response("{}", { headers: { "x-request-id": "req_1" } });

describe("trackApiPromise", () => {
  it("hands back the SDK's own promise, observing the parsed result once with its Response", async () => {
    const { tracker } = recordingTracker();
    const sdkPromise = new FakeApiPromise(Promise.resolve({ response }), async () => ({ id: 1 }));
    const seen: Array<[unknown, Response | undefined]> = [];
    const tracked = trackApiPromise(sdkPromise, tracker, (data, raw) => {
      seen.push([data, raw]);
      return data;
    });
    expect(tracked).toBe(sdkPromise);
    expect(await tracked).toEqual({ id: 1 });
    await tracked;
    expect(seen).toEqual([[{ id: 1 }, response]]);
  });

  it("records a request that failed before any body, and one whose body did not parse, rejecting with the SDK's error", async () => {
    const failed = recordingTracker();
    const refused = new FakeApiPromise(Promise.reject(new Error("429")), async () => ({}));
    await expect(trackApiPromise(refused, failed.tracker, (data) => data)).rejects.toThrow("429");
    expect(failed.calls).toEqual(["setError:429", "end"]);

    const unparsable = recordingTracker();
    const broken = new FakeApiPromise(Promise.resolve({ response }), async () => {
      throw new SyntaxError("bad JSON");
    });
    await expect(trackApiPromise(broken, unparsable.tracker, (data) => data)).rejects.toThrow(
      "bad JSON",
    );
    expect(unparsable.calls).toEqual(["setError:bad JSON", "end"]);
  });

  it("keeps the caller's result when measuring it throws", async () => {
    const { tracker, calls } = recordingTracker();
    const sdkPromise = new FakeApiPromise(Promise.resolve({ response }), async () => "result");
    const tracked = trackApiPromise(sdkPromise, tracker, () => {
      throw new Error("measuring bug");
    });
    expect(await tracked).toBe("result");
    expect(calls).toEqual(["end"]);
  });

  it("falls back to _thenUnwrap, then to a plain promise, for other shapes", async () => {
    const unwrapped: string[] = [];
    const withUnwrap = Object.assign(Promise.resolve("data"), {
      _thenUnwrap<U>(transform: (data: string, props: { response?: Response }) => U) {
        unwrapped.push("called");
        return Promise.resolve(transform("data", { response }));
      },
    });
    const { tracker } = recordingTracker();
    const seen: unknown[] = [];
    const observe = (data: string, raw: Response | undefined) => {
      seen.push([data, raw !== undefined]);
      return data;
    };
    expect(await trackApiPromise(withUnwrap, tracker, observe)).toBe("data");
    expect(await trackApiPromise(Promise.resolve("plain"), tracker, observe)).toBe("plain");
    expect(unwrapped).toEqual(["called"]);
    expect(seen).toEqual([
      ["data", true],
      ["plain", false],
    ]);
  });
});
