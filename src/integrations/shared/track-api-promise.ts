import type { TrackerHandle } from "../../meter/types.ts";
import { endQuietly, endWithError } from "./start-tracker.ts";

/** The parts of a Stainless-generated SDK's `APIPromise` (openai, @anthropic-ai/sdk) we rely on. */
interface ApiPromiseLike<T> extends PromiseLike<T> {
  _thenUnwrap<U>(transform: (data: T, props: { response?: Response }) => U): ApiPromiseLike<U>;
  responsePromise?: PromiseLike<unknown>;
  parseResponse?: (...args: unknown[]) => unknown;
}

/**
 * Measures one SDK call that returns an `APIPromise`, and returns an `APIPromise` again so
 * `.withResponse()`, `.asResponse()` and the SDK helpers built on `_thenUnwrap` keep working.
 *
 * `onResult` sees the parsed result (and the raw `Response`) once, when the caller reads it, and
 * returns what the caller gets: the same value, or the same stream with a watched iterator. Failures
 * of the request itself (HTTP errors, timeouts, aborts) are recorded from the response promise and
 * reach the caller unchanged. A result nobody reads (`.asResponse()` alone) is not recorded.
 */
export function trackApiPromise<T>(
  promise: PromiseLike<T>,
  tracker: TrackerHandle,
  onResult: (data: T, response: Response | undefined) => T,
): PromiseLike<T> {
  const apiPromise = promise as ApiPromiseLike<T>;
  // Set once the outcome is handed to the tracker: a tracker must not change after it ended (its
  // event may already be queued).
  let settled = false;
  const observe = (data: T, response: Response | undefined): T => {
    if (settled) return data;
    settled = true;
    try {
      return onResult(data, response);
    } catch {
      // A bug in measuring must not change the caller's result.
      endQuietly(tracker);
      return data;
    }
  };
  const onFailure = (error: unknown): void => {
    if (settled) return;
    settled = true;
    endWithError(tracker, error);
  };
  if (typeof apiPromise._thenUnwrap !== "function") {
    // Not an APIPromise (a test double, an older SDK): a plain promise chain gives the same result.
    return Promise.resolve(promise).then(
      (data) => observe(data, undefined),
      (error: unknown) => {
        onFailure(error);
        throw error;
      },
    );
  }
  apiPromise.responsePromise?.then(undefined, onFailure);
  const tracked = apiPromise._thenUnwrap((data, props) => observe(data, props?.response));
  // A body that fails to parse (the response arrived, so the response promise resolved) is a
  // failed call too.
  const parse = tracked.parseResponse;
  if (typeof parse === "function") {
    tracked.parseResponse = function parseTracked(this: unknown, ...args: unknown[]): unknown {
      return Promise.resolve(parse.apply(this, args)).then(undefined, (error: unknown) => {
        onFailure(error);
        throw error;
      });
    };
  }
  return tracked;
}
