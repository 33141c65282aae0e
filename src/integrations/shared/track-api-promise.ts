import type { TrackerHandle } from "../../meter/types.ts";
import { endQuietly, endWithError } from "./start-tracker.ts";

/** The parts of a Stainless-generated SDK's `APIPromise` (openai, @anthropic-ai/sdk) we rely on. */
interface ApiPromiseLike<T> extends PromiseLike<T> {
  _thenUnwrap?<U>(transform: (data: T, props: { response?: Response }) => U): PromiseLike<U>;
  responsePromise?: PromiseLike<unknown>;
  parseResponse?: (client: unknown, props: { response?: Response } | undefined) => unknown;
}

/**
 * Measures one SDK call that returns an `APIPromise`, and hands the caller the SDK's own
 * `APIPromise` so `.withResponse()`, `.asResponse()` and the SDK helpers built on `_thenUnwrap`
 * keep working.
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
  const recordFailure = (error: unknown): void => {
    if (settled) return;
    settled = true;
    endWithError(tracker, error);
  };
  const onFailure = (error: unknown): never => {
    recordFailure(error);
    throw error;
  };
  const parse = apiPromise.parseResponse;
  const responsePromise = apiPromise.responsePromise;
  if (typeof parse === "function" && typeof responsePromise?.then === "function") {
    // In place, on the promise the SDK just made for this call (nobody else holds it): the caller
    // gets the SDK's own object, and reading it costs one more `.then`. Wrapping it with
    // `_thenUnwrap` instead built a second APIPromise, an async function and a second
    // `_request_id` header lookup per call (3 more promises per call, counted with async_hooks).
    // The caller sees the request's failure on their own promise; this copy only records it.
    responsePromise.then(undefined, recordFailure);
    apiPromise.parseResponse = function parseTracked(this: unknown, client, props) {
      let parsed: unknown;
      try {
        parsed = parse.call(this, client, props);
      } catch (error) {
        return onFailure(error);
      }
      const response = props?.response;
      // The SDK's own parser is async; a synchronous one (an older SDK) is observed as it is.
      if (!isThenable(parsed)) return observe(parsed as T, response);
      return parsed.then((data) => observe(data as T, response), onFailure);
    };
    const ownThenUnwrap = Object.hasOwn(apiPromise, "_thenUnwrap") ? apiPromise._thenUnwrap : null;
    if (typeof ownThenUnwrap === "function") {
      // openai 7 gives each promise its own `_thenUnwrap`, which parses with the parser it
      // captured rather than `this.parseResponse`: the SDK's helpers built on it (`parse()`,
      // `responses.stream()`) would bypass the parser above. The transform sees the result first.
      apiPromise._thenUnwrap = <U>(transform: (data: T, props: { response?: Response }) => U) =>
        ownThenUnwrap.call(apiPromise, (data: T, props: { response?: Response }) =>
          transform(observe(data, props?.response), props),
        ) as PromiseLike<U>;
    }
    return apiPromise;
  }
  if (typeof apiPromise._thenUnwrap === "function") {
    // An SDK whose APIPromise no longer has these fields but still has the public-ish helper: a
    // second APIPromise around the first keeps `.withResponse()` and `.asResponse()` working.
    responsePromise?.then(undefined, recordFailure);
    return apiPromise._thenUnwrap((data, props) => observe(data, props?.response));
  }
  // Not an APIPromise (a test double): a plain promise chain gives the same result.
  return Promise.resolve(promise).then((data) => observe(data, undefined), onFailure);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
