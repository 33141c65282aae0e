import type { TrackerHandle } from "../../meter/types.ts";

/** How a watched stream ended. */
export type StreamOutcome =
  | { type: "complete" }
  | { type: "error"; error: unknown }
  /** The request's AbortSignal fired (`stream.controller.abort()`, a caller's `signal`). */
  | { type: "aborted" }
  /** The caller stopped reading (`break`, `return()`, a cancelled ReadableStream). */
  | { type: "abandoned" };

/** What a provider integration does with a stream's chunks. */
export interface StreamHandler<T> {
  /**
   * Sees one chunk before the caller does. Returns what the caller gets: the chunk itself (the
   * usual case), a replacement, or `undefined` to hide it.
   */
  chunk(value: T): T | undefined;
  /** Called exactly once, when the stream is over, however it ended. */
  end(outcome: StreamOutcome): void;
  /**
   * True when `chunk` may replace or hide the next chunk (OpenAI's injected usage chunk, which
   * follows the last `finish_reason`). Until then chunks are only watched: the caller awaits the
   * SDK's own promise and `chunk` sees each value just before the caller's `await` resumes (it
   * may edit the value in place, but what it returns is ignored). Absent: never.
   */
  mayReplaceNext?(): boolean;
}

/**
 * Watches one streamed response: wraps the SDK's chunk iterator so every chunk passes through a
 * handler, and reports the end exactly once (completion, error, abort, or a reader that left).
 *
 * The caller keeps the SDK's own stream object; only the iterator underneath is wrapped, so
 * `for await`, `.tee()`, `.toReadableStream()` and the SDK's stream helpers behave as before.
 */
export class StreamWatch<T> {
  private ended = false;
  private readonly handler: StreamHandler<T>;
  private readonly signal: AbortSignal | undefined;

  constructor(handler: StreamHandler<T>, signal?: AbortSignal) {
    this.handler = handler;
    this.signal = signal;
    if (signal !== undefined) {
      if (signal.aborted) this.finish({ type: "aborted" });
      // An abort with nobody reading is otherwise never seen. Deferred because the SDKs also abort
      // their own controller while a stream fails: the real error, delivered through promise
      // callbacks first, then wins.
      else signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  /** Wraps the SDK's iterator; the result is what the caller reads. */
  wrap(source: AsyncIterator<T>): AsyncIterableIterator<T> {
    return new WatchedIterator(source, this);
  }

  /** True when the handler may replace or hide the next chunk: it must then be handed over only after `see`. */
  mayReplaceNext(): boolean {
    if (this.ended) return false;
    try {
      return this.handler.mayReplaceNext?.() === true;
    } catch {
      return false;
    }
  }

  /** Passes a chunk to the handler; a handler that throws never breaks the caller's stream. */
  see(value: T): T | undefined {
    if (this.ended) return value;
    try {
      return this.handler.chunk(value);
    } catch {
      return value;
    }
  }

  /** Ends the watch once; later calls do nothing. */
  finish(outcome: StreamOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.signal?.removeEventListener("abort", this.onAbort);
    try {
      this.handler.end(outcome);
    } catch {
      // Telemetry never throws into the caller's stream.
    }
  }

  /** The stream ran to its end; an SDK that swallowed an abort ends quietly, so ask the signal. */
  complete(): void {
    this.finish(this.signal?.aborted === true ? { type: "aborted" } : { type: "complete" });
  }

  private readonly onAbort = (): void => {
    setImmediate(() => this.finish({ type: "aborted" }));
  };
}

/**
 * The caller's iterator. Two ways to hand over a chunk:
 * - watched (the usual case): `next()` returns the SDK's own promise and attaches our observer to
 *   it first. Promise reactions run in the order they were attached, so the handler sees (and may
 *   edit in place) each chunk before the caller's `await` resumes. The caller's `await` waits on
 *   the SDK's promise, not on one of ours (no result object handed through a second promise); our
 *   observer costs one promise reaction per chunk, as before.
 * - chained: `next()` returns `sdkPromise.then(...)`, so a chunk can be replaced or hidden. Used
 *   when the handler asks for it (`mayReplaceNext`), when the caller asks for a chunk before the
 *   previous one arrived (prefetching: the handler could not have seen it yet), and for an SDK that
 *   does not hand out native promises.
 */
class WatchedIterator<T> implements AsyncIterableIterator<T> {
  private readonly source: AsyncIterator<T>;
  private readonly watch: StreamWatch<T>;
  /** Watched promises handed out whose result the observer has not seen yet. */
  private unseen = 0;

  constructor(source: AsyncIterator<T>, watch: StreamWatch<T>) {
    this.source = source;
    this.watch = watch;
  }

  next(): Promise<IteratorResult<T>> {
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = this.source.next();
    } catch (error) {
      return Promise.reject(error).catch(this.onError);
    }
    if (this.unseen === 0 && pending instanceof Promise && !this.watch.mayReplaceNext()) {
      this.unseen += 1;
      // The observer never throws, so this derived promise never rejects unhandled; the caller
      // handles the SDK's own rejection as they would without us.
      pending.then(this.onSeen, this.onSeenError);
      return pending;
    }
    // `Promise.resolve` returns a native promise as it is, and adopts any other thenable.
    return Promise.resolve(pending).then(this.onResult, this.onError);
  }

  private readonly onSeen = (result: IteratorResult<T>): void => {
    this.unseen -= 1;
    if (result.done === true) this.watch.complete();
    // The caller gets this result whatever the handler returns: only in-place edits reach it.
    else this.watch.see(result.value);
  };

  private readonly onSeenError = (error: unknown): void => {
    this.unseen -= 1;
    this.watch.finish({ type: "error", error });
  };

  private readonly onResult = (
    result: IteratorResult<T>,
  ): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (result.done === true) {
      this.watch.complete();
      return result;
    }
    const visible = this.watch.see(result.value);
    if (visible === result.value) return result;
    // A hidden chunk: read on (rare: the usage-only chunk, once per stream).
    if (visible === undefined) return this.next();
    return { done: false, value: visible };
  };

  private readonly onError = (error: unknown): never => {
    this.watch.finish({ type: "error", error });
    throw error;
  };

  return(value?: unknown): Promise<IteratorResult<T>> {
    // Marked before the SDK's cleanup runs: that cleanup aborts the request, which is not an abort
    // by the caller.
    this.watch.finish({ type: "abandoned" });
    if (typeof this.source.return === "function") return this.source.return(value);
    return Promise.resolve({ done: true, value: value as T });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.watch.finish({ type: "error", error });
    if (typeof this.source.throw === "function") return this.source.throw(error);
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** Records a stream's end on its tracker: a stream that ended early but had its final usage still counts as a success. */
export function endTrackedStream(
  tracker: TrackerHandle,
  outcome: StreamOutcome,
  details: { chunks: number; finalUsageSeen: boolean },
): void {
  tracker.setStreaming({ chunks: details.chunks });
  if (outcome.type === "error") tracker.setError(outcome.error);
  else if (outcome.type === "aborted" && !details.finalUsageSeen) tracker.setError(abortError());
  else if (outcome.type === "abandoned" && !details.finalUsageSeen)
    tracker.setError(abandonedError());
  tracker.end();
}

/** Recorded as error type `AbortError`. */
function abortError(): Error {
  const error = new Error("the stream was aborted before it finished");
  error.name = "AbortError";
  return error;
}

/** Recorded as error type `stream_abandoned`. */
function abandonedError(): Error {
  return Object.assign(new Error("the caller stopped reading the stream before it finished"), {
    code: "stream_abandoned",
  });
}

/** A Stainless SDK stream (openai, @anthropic-ai/sdk): every way of reading it goes through `iterator`. */
export interface SdkStreamLike {
  iterator: () => AsyncIterator<unknown>;
  controller?: AbortController;
}

/**
 * Watches a Stainless SDK `Stream` in place: the caller keeps the very same object, and its
 * iterator factory (used by `for await`, `.tee()` and `.toReadableStream()`) reads through the watch.
 */
export function watchSdkStream<T>(stream: SdkStreamLike, handler: StreamHandler<T>): void {
  const watch = new StreamWatch<T>(handler, stream.controller?.signal);
  const source = stream.iterator;
  stream.iterator = () => watch.wrap(source.call(stream) as AsyncIterator<T>);
}

/**
 * Watches an SDK's async generator in place (`@google/genai`'s `generateContentStream`): the
 * caller keeps the very same generator object, whose `next`, `return` and `throw` read through the
 * watch. Cheaper than handing out a generator of ours around it (`yield*` costs promises on every
 * chunk), and `instanceof`, `Symbol.asyncDispose` and the object's identity stay the SDK's.
 */
export function watchAsyncGenerator<T>(
  generator: AsyncGenerator<T>,
  handler: StreamHandler<T>,
  signal?: AbortSignal,
): void {
  const watch = new StreamWatch<T>(handler, signal);
  // The generator's own methods (from its prototype), called on it: what the caller would call.
  const next = generator.next;
  const finish = generator.return;
  const fail = generator.throw;
  const watched = new WatchedIterator<T>(
    {
      next: () => next.call(generator),
      return: (value?: unknown) => finish.call(generator, value as T),
      throw: (error?: unknown) => fail.call(generator, error),
    },
    watch,
  );
  const own = (value: unknown) => ({ value, writable: true, configurable: true });
  Object.defineProperties(generator, {
    next: own(() => watched.next()),
    return: own((value?: unknown) => watched.return(value)),
    throw: own((error?: unknown) => watched.throw(error)),
  });
}
